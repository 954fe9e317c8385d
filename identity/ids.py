"""Identifiers people know from AWS, made from a CSPRNG. ARNs are built in ``identity.arns``."""

import secrets
import string

_LOWER_ALNUM = string.ascii_lowercase + string.digits
_BASE32_UPPER = string.ascii_uppercase + "234567"


def new_organization_id() -> str:
    return "o-" + "".join(secrets.choice(_LOWER_ALNUM) for _ in range(10))


def new_account_id() -> str:
    return "".join(secrets.choice(string.digits) for _ in range(12))


def new_user_unique_id() -> str:
    """IAM user ids start with AIDA, as AWS's do (``aws:userid``)."""
    return "AIDA" + "".join(secrets.choice(_BASE32_UPPER) for _ in range(17))


def new_group_unique_id() -> str:
    return "AGPA" + "".join(secrets.choice(_BASE32_UPPER) for _ in range(17))


def new_policy_id() -> str:
    """Customer managed policy ids start with ANPA, as AWS's do."""
    return "ANPA" + "".join(secrets.choice(_BASE32_UPPER) for _ in range(17))


def organization_root_id(organization_id: str) -> str:
    """The organization root's id: ``r-`` and four characters of the organization's id, as
    AWS's ``r-ab12`` (one root per organization: it is derived, not stored)."""
    return f"r-{organization_id[2:6]}"


def new_organizational_unit_id(organization_id: str) -> str:
    """``ou-`` + the root id's four characters + ``-`` + eight, as AWS's ``ou-ab12-cd34ef56``."""
    suffix = "".join(secrets.choice(_LOWER_ALNUM) for _ in range(8))
    return f"ou-{organization_id[2:6]}-{suffix}"


def new_scp_id() -> str:
    return "p-" + "".join(secrets.choice(_LOWER_ALNUM) for _ in range(8))


_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def new_access_key_id(temporary: bool = False) -> str:
    """20 characters, ``AKIA`` for a long-term key and ``ASIA`` for a temporary one, as AWS's."""
    return ("ASIA" if temporary else "AKIA") + "".join(
        secrets.choice(_BASE32_UPPER) for _ in range(16)
    )


def new_secret_access_key() -> str:
    """40 characters from the same alphabet as AWS's secrets (about 240 bits).

    Never "+" first: a spreadsheet opening the downloaded .csv would read the cell as a
    formula and show something else than the secret."""
    first = secrets.choice(_SECRET_ALPHABET.replace("+", ""))
    return first + "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(39))


def new_ssh_public_key_id() -> str:
    return "APKA" + "".join(secrets.choice(_BASE32_UPPER) for _ in range(17))


def new_signing_certificate_id() -> str:
    return "".join(secrets.choice(_BASE32_UPPER) for _ in range(32))


def new_browser_session_id() -> str:
    """The public id of a signed-in browser session (its row), never its session key."""
    return "bs-" + "".join(secrets.choice(_LOWER_ALNUM) for _ in range(16))
