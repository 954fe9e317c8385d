from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """Every administrator page (``/console/``): the top layer, above sso, recovery and accounts."""

    name = "console"

    def ready(self):
        # The export task is sent by name from identity.exports (a lower layer cannot import
        # it): register it in every process that may send it, not only in Celery workers.
        from . import tasks  # noqa: F401
