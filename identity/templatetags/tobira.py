"""Template filters of Tobira's pages."""

from __future__ import annotations

import re

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

_AFTER_SEPARATOR = re.compile(r"(?<=[:/])")


@register.filter
def arn(value) -> str:
    """An ARN that wraps only after ``:`` and ``/``, never inside a name (``alice-app``).

    Each piece is a span that does not wrap (CSS ``.arn > span``); the ``<wbr>`` after each piece
    is the only place a line may break. Copying the text still gives the ARN unchanged.
    """
    pieces = [piece for piece in _AFTER_SEPARATOR.split(str(value)) if piece]
    inner = format_html_join("", "<span>{}</span><wbr>", ((piece,) for piece in pieces))
    return format_html('<span class="arn">{}</span>', inner)
