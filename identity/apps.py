from django.apps import AppConfig
from django.db.models import CharField
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Directory")

    def ready(self):
        from . import checks, generation, logs  # noqa: F401 - checks registers the system checks

        logs.configure()  # structlog's events go through LOGGING (identity.logs.formatter)
        generation.install()  # every write to what the API caches moves the generation

        # ``name__lower="bob"`` is ``LOWER(name) = 'bob'``, which the case-insensitive unique
        # indexes on Lower("name") serve; ``name__iexact`` compiles to UPPER(...) and scans.
        CharField.register_lookup(Lower)
