"""What the *Security credentials* page and an administrator's user page share about
credentials for programs: the IAM actions each part of the page stands for, and the one time a
new access key's secret is shown.

The secret is shown once, on a page of its own after a redirect (so reloading it never creates
another key). The session holds only *which* key is to be shown, never its secret: the page
takes that entry out of the session as it reads the secret from the key itself (kept encrypted,
SigV4 needs it), so a reload, the Back button or a second tab finds nothing. The .csv file is a
``data:`` link written into that page: the server never serves the secret a second time.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from django.utils.translation import gettext as _

from identity import crypto
from identity.credentials import selectors as credential_selectors
from identity.credentials.models import AccessKey, Status
from identity.models import User

# The name a template uses for each question (``can.<name>``) and its IAM action.
ACTIONS = {
    "list_access_keys": "iam:ListAccessKeys",
    "create_access_key": "iam:CreateAccessKey",
    "update_access_key": "iam:UpdateAccessKey",
    "delete_access_key": "iam:DeleteAccessKey",
    "list_ssh_keys": "iam:ListSSHPublicKeys",
    "upload_ssh_key": "iam:UploadSSHPublicKey",
    "update_ssh_key": "iam:UpdateSSHPublicKey",
    "delete_ssh_key": "iam:DeleteSSHPublicKey",
    "list_certificates": "iam:ListSigningCertificates",
    "upload_certificate": "iam:UploadSigningCertificate",
    "update_certificate": "iam:UpdateSigningCertificate",
    "delete_certificate": "iam:DeleteSigningCertificate",
}


def questions(user_arn: str) -> dict:
    """Every question of the credentials sections, about the user ``user_arn``."""
    return {name: (action, user_arn) for name, action in ACTIONS.items()}


PENDING_SESSION_KEY = "tobira_access_key_to_show"
PENDING_TTL = 600  # seconds: a secret not looked at by then is not shown


def show_once(request, key: AccessKey) -> None:
    """Remember that ``key``'s secret is to be shown, once, to this browser session."""
    request.session[PENDING_SESSION_KEY] = {
        "key": key.access_key_id,
        "user": key.user.unique_id,
        "at": int(time.time()),
    }


def is_pending(request, user: User) -> bool:
    """Whether a new key of ``user`` waits to be shown (an expired entry is dropped)."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if pending and time.time() - pending.get("at", 0) > PENDING_TTL:
        request.session.pop(PENDING_SESSION_KEY, None)
        return False
    return bool(pending) and pending.get("user") == user.unique_id


def take(request, user: User) -> tuple[AccessKey, str] | None:
    """The key waiting to be shown and its secret, taken out of the session; None when
    there is none (already shown, expired, deleted meanwhile, or the field keys rotated)."""
    if not is_pending(request, user):
        return None
    pending = request.session.pop(PENDING_SESSION_KEY)
    key = credential_selectors.user_access_keys(user).filter(access_key_id=pending["key"]).first()
    if key is None:
        return None
    try:
        return key, key.secret
    except crypto.DecryptionError:
        return None


def csv_file_name(user: User) -> str:
    """AWS's name for the file: ``<user name>_accessKeys.csv``."""
    return f"{user.name}_accessKeys.csv"


def csv_data_url(key: AccessKey, secret: str) -> str:
    """The .csv file as AWS's console writes it, as a ``data:`` URL for the page's link.

    Neither value can hold a comma, a quote or a line break, and a secret never starts with
    "+" (``ids.new_secret_access_key``), so no cell needs quoting or reads as a formula.
    """
    text = f"Access key ID,Secret access key\r\n{key.access_key_id},{secret}\r\n"
    return "data:text/csv;charset=utf-8," + quote(text, safe="")


def status_message(kind: str, key_id: str, status: str) -> str:
    """ "Access key AKIA… is now inactive.", for each kind and status."""
    active = status == Status.ACTIVE
    if kind == "access_key":
        if active:
            return _("Access key %(id)s is now active.") % {"id": key_id}
        return _("Access key %(id)s is now inactive: requests signed with it are refused.") % {
            "id": key_id
        }
    if kind == "ssh_key":
        if active:
            return _("SSH public key %(id)s is now active.") % {"id": key_id}
        return _("SSH public key %(id)s is now inactive.") % {"id": key_id}
    if active:
        return _("Signing certificate %(id)s is now active.") % {"id": key_id}
    return _("Signing certificate %(id)s is now inactive.") % {"id": key_id}
