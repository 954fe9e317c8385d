"""Reading the console's pages in tests: URLs by name, the page's text, a field's errors."""

from __future__ import annotations

import re

from django.urls import reverse

from tests.conftest import unwrap_arns


def url(name: str, *args) -> str:
    return reverse(f"console:{name}", args=args)


def page_text(response) -> str:
    return unwrap_arns(response.content.decode())


def field_errors(response, field: str) -> str:
    """The error text under one field of the page's form ("" when it has none)."""
    # A field is a <div class="field ...">, a group of choices a <fieldset class="field field-group ...">.
    for chunk in re.split(r'<(?:div|fieldset) class="field(?: field-group)?', page_text(response))[
        1:
    ]:
        if f'name="{field}"' in chunk and chunk.startswith(" field-error"):
            found = re.findall(r'<div class="error[^"]*"[^>]*>(.*?)</div>', chunk, re.S)
            return " ".join(found)
    return ""
