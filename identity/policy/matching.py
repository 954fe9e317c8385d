"""Wildcards and policy variables, compiled once.

``*`` matches any run of characters (also none), ``?`` exactly one. Actions
compare case-insensitively, resources and condition strings case-sensitively.
Policy variables (``${aws:username}``, ``${aws:username, 'default'}``, and the
literals ``${*}``, ``${?}``, ``${$}``) exist only in version 2012-10-17
documents; in 2008-10-17 documents the text is literal.

Matching never backtracks: a pattern is cut at its ``*`` into fixed-length
pieces, the first must start the value, the last must end it, and each one
between is found at its leftmost place after the previous one (which is
enough for ``*``). So a pattern written to be slow (``*a*a*a*...b``) costs
what a plain search costs, whoever wrote the policy.
"""

from __future__ import annotations

import re
from functools import lru_cache

VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")

# Characters standing for a literal * and ? inside a pattern: ${*}, ${?}, and the * and ?
# that a variable's value brings (a value is never a wildcard).
LITERAL_STAR, LITERAL_QUESTION = "\x00", "\x01"
_AS_LITERAL = str.maketrans({"*": LITERAL_STAR, "?": LITERAL_QUESTION})


class Missing(Exception):
    """A policy variable names a key the request does not have, and no default is given."""


def literal(value: str) -> str:
    """``value`` as part of a pattern, matching itself only."""
    return value.translate(_AS_LITERAL)


def _piece_regex(piece: str, flags: int) -> re.Pattern:
    """One star-free piece: ``?`` is any one character, everything else itself."""
    parts = []
    for char in piece:
        if char == "?":
            parts.append(".")
        elif char == LITERAL_STAR:
            parts.append(re.escape("*"))
        elif char == LITERAL_QUESTION:
            parts.append(re.escape("?"))
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), flags)


@lru_cache(maxsize=65536)
def _compiled(pattern: str, ignore_case: bool):
    flags = (re.IGNORECASE if ignore_case else 0) | re.DOTALL
    pieces = pattern.split("*")
    return [(_piece_regex(p, flags), len(p)) for p in pieces]


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if (
        "*" not in pattern
        and "?" not in pattern
        and "\x00" not in pattern
        and "\x01" not in pattern
    ):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    pieces = _compiled(pattern, ignore_case)
    if len(pieces) == 1:
        regex, _length = pieces[0]
        return regex.fullmatch(value) is not None
    (first, first_len), *middle, (last, last_len) = pieces
    end = len(value) - last_len
    if end < first_len or first.match(value, 0) is None:
        return False
    if last.fullmatch(value, end) is None:
        return False
    position = first_len
    for regex, length in middle:
        if length == 0:
            continue
        found = regex.search(value, position, end)
        if found is None:
            return False
        position = found.end()
    return position <= end


class Template:
    """A string that may hold policy variables: literal parts and variables, in order."""

    __slots__ = ("parts", "has_variables", "text")

    def __init__(self, text: str, *, variables: bool):
        self.text = text
        self.parts: list[tuple[str, str, str | None]] = []  # (kind, value, default)
        position = 0
        if variables:
            for match in VARIABLE.finditer(text):
                if match.start() > position:
                    self.parts.append(("text", text[position : match.start()], None))
                inner = match.group(1).strip()
                if inner in _LITERALS:
                    self.parts.append(("literal", _LITERALS[inner], None))
                else:
                    with_default = _DEFAULT.match(inner)
                    if with_default:
                        self.parts.append(
                            ("var", with_default.group(1).lower(), with_default.group(2))
                        )
                    else:
                        self.parts.append(("var", inner.lower(), None))
                position = match.end()
        if position < len(text):
            self.parts.append(("text", text[position:], None))
        self.has_variables = any(kind != "text" for kind, _v, _d in self.parts)

    def render(self, context, *, for_wildcards: bool = False) -> str:
        """The string with the request's values in.

        With ``for_wildcards`` the result is a pattern for ``wildcard_match``: the
        text's own ``*`` and ``?`` stay wildcards, while ``${*}``, ``${?}`` and any
        ``*`` or ``?`` inside a variable's value match only themselves.
        """
        if not self.has_variables:
            return self.text
        out = []
        for kind, value, default in self.parts:
            if kind == "text":
                out.append(value)
            elif kind == "literal":
                out.append(literal(value) if for_wildcards else value)
            else:
                resolved = _variable(context, value, default)
                out.append(literal(resolved) if for_wildcards else resolved)
        return "".join(out)

    def matches(self, value: str, context, *, ignore_case: bool = False) -> bool:
        """Whether ``value`` matches this pattern in ``context``."""
        return wildcard_match(
            self.render(context, for_wildcards=True), value, ignore_case=ignore_case
        )


def _variable(context, key: str, default: str | None) -> str:
    values = context.get(key)
    if values is None or len(values) != 1:  # absent, or multi-valued: not usable in a string
        if default is not None:
            return default
        raise Missing(key)
    return values[0]
