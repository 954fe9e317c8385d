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


register_converter(AccountIdConverter, "account_id")
register_converter(IAMNameConverter, "iam_name")
