"""The tables of docs/permissions.md, generated from the pages' declarations.

Each ``ConsolePage`` of ``console/urls.py`` declares its ``permission`` (every method), and its
``post_permission`` or ``form_permission`` (POST): one row per method that asks something
different. The tables stand between ``<!-- permissions_doc:NAME -->`` and
``<!-- /permissions_doc:NAME -->`` markers; the prose around them is written by hand, and so
is the table of the self-service pages outside the console, until their apps declare them.
``manage.py permissions_doc`` rewrites the file; ``tests/console/test_permissions_doc.py``
fails when it differs from what the declarations generate.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.urls import URLResolver, get_resolver

from .base import ConsolePage
from .lists import ListPage

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"
HEADER = "| page (URL name) | method | action | resource |\n| --- | --- | --- | --- |\n"


def console_pages() -> list[tuple[list[str], type]]:
    """``([URL names], page class)`` in the order of ``console/urls.py``; consecutive URLs of
    one page (``user_inline_policy_new`` and ``user_inline_policy``) together."""
    (console,) = (
        p
        for p in get_resolver().url_patterns
        if isinstance(p, URLResolver) and p.namespace == "console"
    )
    pages: list[tuple[list[str], type]] = []
    for pattern in console.url_patterns:
        page = getattr(pattern.callback, "view_class", pattern.callback)
        if pages and pages[-1][1] is page:
            pages[-1][0].append(pattern.name)
        else:
            pages.append(([pattern.name], page))
    return pages


def page_rows(page) -> list[tuple[str, object]]:
    """``(methods, declaration)`` of a page: the question of each method."""
    if getattr(page, "http_method_names", None) == ["post"]:
        return [("POST", page.permission)]
    second = getattr(page, "post_permission", None) or getattr(page, "form_permission", None)
    if second is not None:
        return [("GET", page.permission), ("POST", second)]
    shows_only = (
        isinstance(page, type)
        and issubclass(page, ConsolePage)
        and page.form_class is None
        and (
            page.post is ConsolePage.post
            # a list's POST only starts a background export, when the list has one
            or (page.post is ListPage.post and not page.export_kind)
        )
    )
    return [("GET" if shows_only else "GET, POST", page.permission)]


def table(section: str) -> str:
    lines = []
    for names, page in console_pages():
        if names[0].startswith("sso_") != (section == "sso"):
            continue
        label = ", ".join(f"`console:{name}`" for name in names)
        for methods, declaration in page_rows(page):
            lines.append(
                f"| {label} | {methods} | {declaration.action_doc} | {declaration.resource_doc} |\n"
            )
    return HEADER + "".join(lines)


SECTIONS = ("console", "sso")


def generate(text: str) -> str:
    """``text`` with each section's table regenerated (the rest kept as it is)."""
    for section in SECTIONS:
        pattern = re.compile(
            rf"(<!-- permissions_doc:{section} [^\n]*-->\n).*?(<!-- /permissions_doc:{section} -->)",
            re.DOTALL,
        )
        rows = table(section)
        text, count = pattern.subn(lambda m, rows=rows: m.group(1) + rows + m.group(2), text)
        if count != 1:
            raise ValueError(f"docs/permissions.md has no markers for the {section} table")
    return text
