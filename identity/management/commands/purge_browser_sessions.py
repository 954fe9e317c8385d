"""``manage.py purge_browser_sessions``: remove the rows of expired signed-in sessions.

The Celery beat schedule runs the same every hour (``identity.purge_browser_sessions``); this
command is for a cron job beside Django's ``clearsessions`` where no beat runs.
"""

from django.core.management.base import BaseCommand

from identity import browser_sessions


class Command(BaseCommand):
    help = "Remove the records of signed-in browser sessions that have expired."

    def handle(self, *args, **options):
        removed = browser_sessions.browser_sessions_purge_expired()
        self.stdout.write(f"{removed} expired session record(s) removed.")
