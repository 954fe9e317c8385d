"""What an SSO user may do on their own security-credentials pages, outside any account.

Identity Center has no IAM policy for this: the organization's SSO settings decide whether
people manage their own MFA devices, and which kinds they may register.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from identity import authn_state
from identity.models import User

from . import services

REGISTRATION_STAGE = "sso_mfa_registration"  # signed in; must register a device first

_ALWAYS = {"iam:GetUser", "iam:ChangePassword", "iam:ListMFADevices"}
_REGISTER = {"iam:EnableMFADevice", "iam:CreateVirtualMFADevice"}
_MANAGE = _REGISTER | {"iam:DeactivateMFADevice", "iam:ResyncMFADevice", "iam:TagMFADevice"}
# Signing out one's own other sessions (Security credentials): never the organization's to refuse.
_OWN_SESSIONS = {"iam:UpdateLoginProfile"}


def allowed_device_kinds(user: User) -> frozenset[str] | None:
    """The MFA device kinds ``user`` may use, or None for every kind (IAM and root users)."""
    if not user.is_sso:
        return None
    return services.settings_for(user.account.organization).allowed_device_kinds


def require_self_service(request, action: str) -> None:
    user = request.user
    if action in _ALWAYS or action in _OWN_SESSIONS:
        return
    settings = services.settings_for(user.account.organization)
    if action in _REGISTER and authn_state.stage_required(request, REGISTRATION_STAGE):
        return
    if action in _MANAGE and settings.users_manage_devices:
        return
    raise PermissionDenied(
        _("Your organization's administrator manages the MFA devices of its SSO users.")
    )
