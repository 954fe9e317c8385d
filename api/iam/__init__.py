"""The IAM operations, one module per kind of resource; importing this registers them all."""

from . import access_keys, account, groups, mfa, policies, users, virtual_mfa  # noqa: F401
