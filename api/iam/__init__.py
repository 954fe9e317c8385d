"""The IAM operations, one module per kind of resource; importing this registers them all."""

from . import (  # noqa: F401
    access_keys,
    account,
    groups,
    mfa,
    policies,
    ssh_and_certificates,
    users,
    virtual_mfa,
)
