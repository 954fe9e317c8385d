from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """Every administrator page (``/console/``): the top layer, above sso, recovery and accounts."""

    name = "console"
