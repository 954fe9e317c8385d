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


def new_scp_id() -> str:
    return "p-" + "".join(secrets.choice(_LOWER_ALNUM) for _ in range(8))
