"""docs/permissions.md's console tables are what the pages' declarations generate."""

import pytest
from django.core.management import CommandError, call_command

from console.permissions_doc import DOC, generate


def test_the_permissions_document_is_generated_from_the_declarations():
    current = DOC.read_text()
    assert generate(current) == current, "run: python manage.py permissions_doc"


def test_the_check_fails_when_a_row_was_edited_by_hand(tmp_path, monkeypatch):
    edited = DOC.read_text().replace("`iam:GetUser` | `USER`", "`iam:GetUser` | `*`", 1)
    copy = tmp_path / "permissions.md"
    copy.write_text(edited)
    monkeypatch.setattr("console.management.commands.permissions_doc.DOC", copy)
    with pytest.raises(CommandError):
        call_command("permissions_doc", "--check")
    call_command("permissions_doc")
    assert copy.read_text() == DOC.read_text()
