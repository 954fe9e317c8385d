"""Delete what has expired: django-oauth-toolkit's tokens and grants (its ``clear_expired``), and
Tobira's sign-in contexts and spent-code records. Run it from cron, daily."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone
from oauth2_provider.models import clear_expired

from sso.applications.models import AuthorizationContext, SpentCode


class Command(BaseCommand):
    help = "Delete expired OpenID Connect tokens, grants, sign-in contexts and spent codes."

    def handle(self, *args, **options):
        clear_expired()
        now = timezone.now()
        contexts, _ = AuthorizationContext.objects.filter(expires__lte=now).delete()
        spent, _ = SpentCode.objects.filter(expires__lte=now).delete()
        self.stdout.write(f"Deleted {contexts} sign-in contexts and {spent} spent codes.")
