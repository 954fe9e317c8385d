"""Template filters of Tobira's pages."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_AFTER_SEPARATOR = re.compile(r"(?<=[:/])")


@register.filter
def arn(value) -> str:
    """An ARN that wraps only after ``:`` and ``/``, never inside a name (``alice-app``).

    Each piece is a span that does not wrap (CSS ``.arn > span``); a ``<wbr>`` between pieces is
    the only place a line may break. Copying the text still gives the ARN unchanged.
    """
    pieces = [piece for piece in _AFTER_SEPARATOR.split(str(value)) if piece]
    return mark_safe(
        '<span class="arn">'
        + "<wbr>".join(f"<span>{escape(piece)}</span>" for piece in pieces)
        + "</span>"
    )
