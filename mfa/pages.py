"""URL names of MFA pages that other packages refer to."""

# The pages that register a device: open at every stage that asks a person to register one.
REGISTRATION_PAGES = frozenset({"mfa:assign", "mfa:enable", "mfa:passkey", "mfa:passkey_options"})
