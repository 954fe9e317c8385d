"""Regenerate the tables of docs/permissions.md from the console pages' declarations."""

from django.core.management.base import BaseCommand, CommandError

from console.permissions_doc import DOC, generate


class Command(BaseCommand):
    help = "Rewrite the generated tables of docs/permissions.md (--check: only compare)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="Fail when the file is not up to date."
        )

    def handle(self, *args, check=False, **options):
        current = DOC.read_text()
        wanted = generate(current)
        if check:
            if wanted != current:
                raise CommandError(
                    "docs/permissions.md is out of date: run manage.py permissions_doc"
                )
            return
        if wanted != current:
            DOC.write_text(wanted)
            self.stdout.write("docs/permissions.md was updated.")
