"""``manage.py rotate_field_keys``: every secret at rest re-encrypted under the newest key.

Rotating ``FIELD_ENCRYPTION_KEYS`` (docs/configuration.md):
1. put a new key first, keep the old ones after it, and restart (the new key encrypts, all
   decrypt);
2. run this: every ``*_encrypted`` field of every model is read and, unless the newest key
   already reads it, encrypted again under that key, a batch per transaction, with the rows
   locked;
3. drop the old key and restart.

Stopped halfway (a deploy, a crash), it is safe to run again: what was done stays done, and
what was not is done then. Values no configured key reads are counted and left as they are,
never overwritten.
"""

from __future__ import annotations

import logging

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from identity import crypto

logger = logging.getLogger(__name__)

SUFFIX = "_encrypted"


def encrypted_fields() -> list[tuple[type, str]]:
    """(model, field name) of every field that holds a secret encrypted with identity.crypto:
    by convention, and only by it, a concrete field named ``*_encrypted``."""
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        # Once, on the model that defines the column: not again on its children or proxies.
        if field.name.endswith(SUFFIX) and field.model is model
    ]


def rotate_field(model, name: str, *, newest: Fernet, batch: int) -> tuple[int, int, int]:
    """(rotated, already under the newest key, unreadable) for one field of one model."""
    rotated = current = unreadable = 0
    last = None
    while True:
        with transaction.atomic():
            rows = model._base_manager.select_for_update().order_by("pk")
            if last is not None:
                rows = rows.filter(pk__gt=last)
            chunk = list(rows.values_list("pk", name)[:batch])
            for pk, token in chunk:
                last = pk
                if not token:
                    continue
                try:
                    newest.decrypt(token.encode("ascii"))
                    current += 1
                    continue
                except InvalidToken:
                    pass
                try:
                    fresh = crypto.rotate(token)
                except crypto.DecryptionError:
                    unreadable += 1
                    continue
                model._base_manager.filter(pk=pk).update(**{name: fresh})
                rotated += 1
        if len(chunk) < batch:
            return rotated, current, unreadable


class Command(BaseCommand):
    help = "Re-encrypt every secret at rest under the newest FIELD_ENCRYPTION_KEYS key."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args, batch, **options):
        newest = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
        total_unreadable = 0
        for model, name in encrypted_fields():
            rotated, current, unreadable = rotate_field(model, name, newest=newest, batch=batch)
            total_unreadable += unreadable
            label = f"{model._meta.label}.{name}"
            self.stdout.write(
                f"{label}: {rotated} re-encrypted, {current} already current"
                + (f", {unreadable} unreadable (left as they are)" if unreadable else "")
            )
            logger.info(
                "rotate_field_keys", extra={"field": label, "rotated": rotated, "current": current}
            )
        if total_unreadable:
            self.stderr.write(
                f"{total_unreadable} value(s) no configured key reads: keep the key that wrote "
                "them, or they are lost."
            )
