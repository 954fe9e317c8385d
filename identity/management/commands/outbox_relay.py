"""``manage.py outbox_relay``: hand the outbox's waiting messages to the broker (identity.outbox).

Every Celery worker does this every few seconds; this is for an operator after an outage, or a
deployment that wants a relay of its own: ``--loop`` keeps going every ``--interval`` seconds.
It also removes finished messages older than ``--keep-days``.
"""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from identity import outbox


class Command(BaseCommand):
    help = "Hand the outbox's waiting messages to the broker."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep relaying until stopped")
        parser.add_argument("--interval", type=float, default=5.0)
        parser.add_argument("--keep-days", type=int, default=7)

    def handle(self, *args, loop, interval, keep_days, **options):
        while True:
            close_old_connections()
            handed = outbox.relay()
            removed = outbox.purge(keep_days=keep_days)
            waiting = outbox.due().count()
            self.stdout.write(
                f"{handed} handed to the broker, {waiting} waiting, {removed} old removed."
            )
            if not loop:
                return
            time.sleep(interval)
