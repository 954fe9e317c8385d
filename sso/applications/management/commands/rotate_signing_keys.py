"""Rotate organizations' signing keys: run it from cron (or a scheduler) as often as keys should
change. Each run rotates the keys whose current key has signed for at least ``--older-than``
days; relying parties see the next key a whole period before it signs (see ``keys``)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from identity.models import Organization
from sso.applications import keys
from sso.applications.models import SigningKey


class Command(BaseCommand):
    help = "Rotate the applications' signing keys whose current key is older than a number of days."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            default=90,
            help="rotate when the current key has signed for at least this many days (default 90)",
        )
        parser.add_argument("--organization", help="only this organization (its id, o-...)")

    def handle(self, *args, older_than: int, organization: str | None = None, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more days")
        due = SigningKey.objects.filter(
            state=SigningKey.State.CURRENT,
            activated_at__lte=timezone.now() - timedelta(days=older_than),
        )
        if organization is not None:
            if not Organization.objects.filter(pk=organization).exists():
                raise CommandError(f"no organization {organization}")
            due = due.filter(organization_id=organization)
        rotated = 0
        for key in due.select_related("organization").order_by("organization_id", "algorithm"):
            try:  # another run may have rotated it meanwhile: one rotation is enough
                new = keys.rotate(key.organization, key.algorithm, expected_current=key.kid)
            except keys.RotationRefused as refusal:
                self.stdout.write(
                    f"{key.organization_id} {key.algorithm}: skipped ({refusal.code})"
                )
                continue
            self.stdout.write(f"{key.organization_id} {key.algorithm}: {key.kid} -> {new.kid}")
            rotated += 1
        self.stdout.write(f"{rotated} key(s) rotated")
