from django.apps import AppConfig


class RecoveryConfig(AppConfig):
    name = "recovery"
    verbose_name = "Recovery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The flow queues its tasks by name (it does not import them: they call back into it);
        # registering them here makes the names known in every process, not only in workers.
        from . import tasks  # noqa: F401
