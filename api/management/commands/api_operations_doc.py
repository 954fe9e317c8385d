"""Regenerate the operations table of docs/api.md from the API's declarations."""

from django.core.management.base import BaseCommand, CommandError

from api.operations_doc import DOC, generate


class Command(BaseCommand):
    help = "Rewrite the generated operations table of docs/api.md (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail when the file is not up to date."
        )

    def handle(self, *args, check=False, **options):
        current = DOC.read_text()
        wanted = generate(current)
        if check:
            if wanted != current:
                raise CommandError("docs/api.md is out of date: run manage.py api_operations_doc")
            return
        if wanted != current:
            DOC.write_text(wanted)
            self.stdout.write("docs/api.md was updated.")
