"""URL converters: an id that cannot exist never reaches a view or the database."""

from django.urls import register_converter


class AccountIdConverter:
    regex = "[0-9]{12}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return str(value)


class IAMNameConverter:
    """User and group names: the ASCII characters AWS allows, as in ``USER_NAME_VALIDATOR``."""

    regex = "[A-Za-z0-9_+=,.@-]{1,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class _Text:
    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class OrganizationalUnitIdConverter(_Text):
    """AWS's OU ids: ``ou-`` + 4 to 32 + ``-`` + 8 to 32 lowercase letters or digits."""

    regex = "ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}"


class ParentIdConverter(_Text):
    """A parent in the organization's structure: the root (``r-…``) or an OU."""

    regex = "r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}"


class SCPIdConverter(_Text):
    """A service control policy's id: ``p-`` and 8 to 128 letters, digits or ``_``, as AWS's."""

    regex = "p-[0-9A-Za-z_]{8,128}"


class SCPTargetIdConverter(_Text):
    """What an SCP attaches to: the root (``r-…``), an OU or an account."""

    regex = ParentIdConverter.regex + "|" + AccountIdConverter.regex


register_converter(AccountIdConverter, "account_id")
register_converter(OrganizationalUnitIdConverter, "ou_id")
register_converter(ParentIdConverter, "parent_id")
register_converter(SCPIdConverter, "scp_id")
register_converter(SCPTargetIdConverter, "scp_target_id")
register_converter(IAMNameConverter, "iam_name")
