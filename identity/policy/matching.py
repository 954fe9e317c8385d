"""Wildcards and policy variables, compiled once.

``*`` matches any run of characters (also none), ``?`` exactly one. Actions
compare case-insensitively, resources and condition strings case-sensitively.
Policy variables (``${aws:username}``, ``${aws:username, 'default'}``, and the
literals ``${*}``, ``${?}``, ``${$}``) exist only in version 2012-10-17
documents; in 2008-10-17 documents the text is literal.
"""

from __future__ import annotations

import re
from functools import lru_cache

VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}
_DEFAULT = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")


class Missing(Exception):
    """A policy variable names a key the request does not have, and no default is given."""


# ${*} and ${?} rendered for a wildcard comparison: characters that stand for a literal * and ?.
LITERAL_STAR, LITERAL_QUESTION = "\x00", "\x01"
_MARKS = {LITERAL_STAR: re.escape("*"), LITERAL_QUESTION: re.escape("?")}


@lru_cache(maxsize=65536)
def wildcard_regex(pattern: str, ignore_case: bool = False) -> re.Pattern:
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char == "?":
            parts.append(".")
        elif char in _MARKS:
            parts.append(_MARKS[char])
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if (
        "*" not in pattern
        and "?" not in pattern
        and LITERAL_STAR not in pattern
        and LITERAL_QUESTION not in pattern
    ):
        return pattern.lower() == value.lower() if ignore_case else pattern == value
    return wildcard_regex(pattern, ignore_case).fullmatch(value) is not None


class Template:
    """A string that may hold policy variables: literal parts and variables, in order.

    ``render(context)`` puts the request's values in; a variable replaced by
    ``${*}``/``${?}`` yields a literal ``*``/``?`` that must not act as a
    wildcard, so the rendered form is returned as a regex-ready pattern when
    ``for_wildcards`` is set.
    """

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
        """The plain string (for exact comparisons); with ``for_wildcards`` the ``${*}`` and
        ``${?}`` literals come out as marks that ``wildcard_match`` compares literally."""
        if not self.has_variables:
            return self.text
        out = []
        for kind, value, default in self.parts:
            if kind == "text":
                out.append(value)
            elif kind == "literal":
                marks = {"*": LITERAL_STAR, "?": LITERAL_QUESTION}
                out.append(marks.get(value, value) if for_wildcards else value)
            else:
                out.append(_variable(context, value, default))
        return "".join(out)

    def pattern_regex(self, context, *, ignore_case: bool = False) -> re.Pattern:
        """A compiled regex: wildcards in the text act, values put in by variables do not."""
        if not self.has_variables:
            return wildcard_regex(self.text, ignore_case)
        pieces = []
        for kind, value, default in self.parts:
            if kind == "text":
                pieces.append(wildcard_regex(value).pattern)
            elif kind == "literal":
                pieces.append(re.escape(value))
            else:
                pieces.append(re.escape(_variable(context, value, default)))
        return _compiled("".join(pieces), ignore_case)


@lru_cache(maxsize=65536)
def _compiled(pattern: str, ignore_case: bool) -> re.Pattern:
    return re.compile(pattern, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def _variable(context, key: str, default: str | None) -> str:
    values = context.get(key)
    if values is None or len(values) != 1:  # absent, or multi-valued: not usable in a string
        if default is not None:
            return default
        raise Missing(key)
    return values[0]
