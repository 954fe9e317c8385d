"""Condition operators, as AWS documents them.

Within one operator and key, the policy's values are ORed; keys and operators
are ANDed by the caller. A key absent from the request makes a condition
false, except that negated operators (``StringNotEquals``, ``NotIpAddress``,
``ArnNotLike``, ...) are then true; ``...IfExists`` is true when the key is
absent; ``Null`` tests presence. ``ForAnyValue:`` is true when some value of
the request matches (false when there is none); ``ForAllValues:`` when every
value matches (true when there is none).

A value that cannot be used fails every comparison it takes part in, whether
the operator is negated or not: a policy variable that cannot be resolved (its
key absent from the request, or multi-valued), and a policy or request value
that is no number, date, address or ARN for the operator at hand. A negated
operator holds when the request value differs from every policy value (AWS:
"work like a logical AND"), so one unusable policy value makes it fail; a
positive operator ORs its values, so the others still count. docs/policies.md
gives AWS's sentences and the reasons.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache

from .matching import Missing, Template, wildcard_match

# --- value parsers -------------------------------------------------------------------


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


@lru_cache(maxsize=16384)
def _number(text: str) -> float | None:
    if not isinstance(text, str) or not _NUMBER.fullmatch(text):
        return None
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


_EPOCH = re.compile(r"-?\d+(\.\d+)?", re.ASCII)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


@lru_cache(maxsize=16384)
def _date(text: str) -> float | None:
    """An ISO 8601 date or date-time, or epoch seconds; as epoch seconds (UTC when no zone)."""
    if text is None:
        return None
    text = str(text).strip()
    if _EPOCH.fullmatch(text):  # epoch seconds, as AWS documents for aws:EpochTime
        value = float(text)
        return value if math.isfinite(value) else None
    if not _ISO.match(text):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


@lru_cache(maxsize=16384)
def _network(text: str):
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


@lru_cache(maxsize=16384)
def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _arn_parts(text: str) -> list[str] | None:
    parts = text.split(":", 5)
    return parts if len(parts) == 6 and parts[0] == "arn" else None


def _arn_like(pattern: str, value: str) -> bool:
    p, v = _arn_parts(pattern), _arn_parts(value)
    if p is None or v is None:
        return False
    return all(wildcard_match(a, b) for a, b in zip(p, v, strict=True))


def _numeric(compare: Callable[[float, float], bool]):
    def match(policy: str, value: str) -> bool:
        a, b = _number(value), _number(policy)
        return a is not None and b is not None and compare(a, b)

    return match


def _dated(compare: Callable[[float, float], bool]):
    def match(policy: str, value: str) -> bool:
        a, b = _date(value), _date(policy)
        return a is not None and b is not None and compare(a, b)

    return match


def _ip(policy: str, value: str) -> bool:
    network, address = _network(policy), _address(value)
    return (
        network is not None
        and address is not None
        and address.version == network.version
        and address in network
    )


def _bool(policy: str, value: str) -> bool:
    policy, value = str(policy).lower(), str(value).lower()
    return policy in ("true", "false") and policy == value


# name -> (match(policy_value, request_value), negated, uses_wildcards)
OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (lambda p, v: p == v, False),
    "StringNotEquals": (lambda p, v: p == v, True),
    "StringEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), False),
    "StringNotEqualsIgnoreCase": (lambda p, v: p.casefold() == v.casefold(), True),
    "StringLike": (lambda p, v: wildcard_match(p, v), False),
    "StringNotLike": (lambda p, v: wildcard_match(p, v), True),
    "NumericEquals": (_numeric(lambda a, b: a == b), False),
    "NumericNotEquals": (_numeric(lambda a, b: a == b), True),
    "NumericLessThan": (_numeric(lambda a, b: a < b), False),
    "NumericLessThanEquals": (_numeric(lambda a, b: a <= b), False),
    "NumericGreaterThan": (_numeric(lambda a, b: a > b), False),
    "NumericGreaterThanEquals": (_numeric(lambda a, b: a >= b), False),
    "DateEquals": (_dated(lambda a, b: a == b), False),
    "DateNotEquals": (_dated(lambda a, b: a == b), True),
    "DateLessThan": (_dated(lambda a, b: a < b), False),
    "DateLessThanEquals": (_dated(lambda a, b: a <= b), False),
    "DateGreaterThan": (_dated(lambda a, b: a > b), False),
    "DateGreaterThanEquals": (_dated(lambda a, b: a >= b), False),
    "Bool": (_bool, False),
    "BinaryEquals": (lambda p, v: p == v, False),
    "IpAddress": (_ip, False),
    "NotIpAddress": (_ip, True),
    "ArnEquals": (_arn_like, False),  # AWS: ArnEquals behaves as ArnLike
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Null": (None, False),
}
# Operators whose values may hold policy variables: String and ARN (all of AWS's pages), and
# Bool (its operator reference: "You can use a policy variable with the Boolean condition
# operator"; docs/policies.md notes the page that says otherwise).
VARIABLE_OPERATORS = frozenset(
    name for name in OPERATORS if name.startswith(("String", "Arn")) or name == "Bool"
)
# Operators that compare with wildcards: there ${*} and ${?} stay literal characters.
WILDCARD_OPERATORS = frozenset(
    {"StringLike", "StringNotLike"} | {name for name in OPERATORS if name.startswith("Arn")}
)


def _is_boolean(text: str) -> bool | None:
    return True if text.lower() in ("true", "false") else None


def _readers(name: str):
    """(policy value reader, request value reader) of an operator that reads its values as
    something other than text; a reader answers None for a value it cannot read."""
    if name.startswith("Numeric"):
        return _number, _number
    if name.startswith("Date"):
        return _date, _date
    if name in ("IpAddress", "NotIpAddress"):
        return _network, _address
    if name.startswith("Arn"):
        return _arn_parts, _arn_parts
    if name == "Bool":
        return _is_boolean, _is_boolean
    return None


# A value an operator cannot read matches nothing, and a negated operator cannot tell that a
# request value differs from it. String and Binary operators read any text.
USABLE: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
    name: readers for name in OPERATORS if (readers := _readers(name)) is not None
}


def usable_policy_value(operator: str, value: str) -> bool:
    """Whether ``operator`` can read ``value`` from a policy (any text for String operators)."""
    readers = USABLE.get(operator)
    return readers is None or readers[0](value) is not None


def parse_operator(text: str) -> tuple[str, str | None, bool] | None:
    """``ForAnyValue:StringLikeIfExists`` -> ("StringLike", "ForAnyValue", True); None if unknown."""
    set_operator = None
    if ":" in text:
        set_operator, _sep, text = text.partition(":")
        if set_operator not in ("ForAnyValue", "ForAllValues"):
            return None
    if_exists = text.endswith("IfExists") and text != "IfExists"
    base = text[: -len("IfExists")] if if_exists else text
    if base not in OPERATORS or (base == "Null" and (if_exists or set_operator)):
        return None
    return base, set_operator, if_exists


def _never(_value: str) -> bool:
    return False


def _static_matcher(operator: str, values: tuple[str, ...]) -> Callable[[str], bool]:
    """``value -> bool``: does a request value match one of the policy's values (compiled once).

    ``values`` are those the operator can read; a request value it cannot read matches none.
    """
    if not values:
        return _never
    if operator == "StringEquals" or operator == "StringNotEquals" or operator == "BinaryEquals":
        exact = frozenset(values)
        return exact.__contains__
    if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        folded = frozenset(v.casefold() for v in values)
        return lambda value: value.casefold() in folded
    if operator == "Bool":
        wanted = frozenset(v.lower() for v in values if v.lower() in ("true", "false"))
        return lambda value: value.lower() in wanted
    if operator in ("IpAddress", "NotIpAddress"):
        networks = tuple(n for n in (_network(v) for v in values) if n is not None)

        def in_networks(value: str) -> bool:
            address = _address(value)
            return address is not None and any(
                address.version == n.version and address in n for n in networks
            )

        return in_networks
    match, _negated = OPERATORS[operator]
    if len(values) == 1:
        only = values[0]
        return lambda value: match(only, value)
    return lambda value: any(match(p, value) for p in values)


def _checker(
    hit: Callable[[str], bool],
    negated: bool,
    set_operator: str | None,
    usable: Callable[[str], object] | None,
) -> Callable[[tuple[str, ...]], bool]:
    """``present -> bool`` for a key the request has: the operator over its values.

    A negated operator holds for a request value that it can read and that matches none of
    the policy's values: "differs" needs both sides readable.
    """
    if not negated:
        if set_operator is None:
            return lambda present: hit(present[0]) if len(present) == 1 else any(map(hit, present))
        if set_operator == "ForAllValues":
            return lambda present: all(map(hit, present))
        return lambda present: any(map(hit, present))
    if usable is None:
        if set_operator is None:
            return lambda present: (
                not hit(present[0]) if len(present) == 1 else not any(map(hit, present))
            )

        def differs(value: str) -> bool:
            return not hit(value)
    else:

        def differs(value: str) -> bool:
            return usable(value) is not None and not hit(value)

    if set_operator == "ForAnyValue":
        return lambda present: any(map(differs, present))
    return lambda present: all(map(differs, present))  # one value or ForAllValues


def _fails(present: tuple[str, ...]) -> bool:
    """A negated operator with a policy value it cannot use: no comparison can succeed."""
    return False


def _fails_unless_empty(present: tuple[str, ...]) -> bool:
    """The same under ForAllValues: an empty set makes no comparison and holds."""
    return not present


class Condition:
    """One operator on one key with its values; values without variables are compiled once."""

    __slots__ = (
        "operator",
        "set_operator",
        "if_exists",
        "key",
        "values",
        "negated",
        "_check",
        "_usable",
    )

    def __init__(self, operator, set_operator, if_exists, key, values):
        self.operator = operator
        self.set_operator = set_operator
        self.if_exists = if_exists
        self.key = key  # lower-cased: condition keys are case-insensitive
        self.values = values  # strings, or Templates when the values hold variables
        self.negated = negated = OPERATORS[operator][1]
        readers = USABLE.get(operator)
        # Only a negated operator has to ask whether a request value is readable: a positive
        # one's comparison already fails on a value it cannot read.
        self._usable = readers[1] if readers is not None and negated else None
        templated = any(isinstance(v, Template) for v in values)
        if operator == "Null" or templated:
            self._check = None  # Null, or values resolved per request
            return
        usable_values = tuple(v for v in values if usable_policy_value(operator, v))
        if negated and len(usable_values) != len(values):
            self._check = _fails_unless_empty if set_operator == "ForAllValues" else _fails
        else:
            hit = _static_matcher(operator, usable_values)
            self._check = _checker(hit, negated, set_operator, self._usable)

    def __repr__(self) -> str:
        return f"Condition({self.set_operator or ''}{self.operator}{'IfExists' if self.if_exists else ''} {self.key})"

    def test(self, context) -> bool:
        present = context.get(self.key)
        if self.operator == "Null":
            is_null = present is None or len(present) == 0
            return any((str(v).lower() == "true") == is_null for v in self.values)
        if present is None or (self.set_operator is None and len(present) == 0):
            # No comparison is made: the key decides, whatever the values hold.
            if self.if_exists:
                return True
            if self.set_operator == "ForAllValues":
                return True
            if self.set_operator == "ForAnyValue":
                return False
            return self.negated
        check = self._check
        if check is not None:
            return check(present)
        return self._test_resolved(present, context)

    def _test_resolved(self, present: tuple[str, ...], context) -> bool:
        """The values hold policy variables: resolve them for this request, then compare."""
        values, complete = self._policy_values(context)
        if self.negated and not complete:
            return self.set_operator == "ForAllValues" and not present
        match = OPERATORS[self.operator][0]
        if not values:
            hit = _never
        elif len(values) == 1:
            only = values[0]

            def hit(value: str) -> bool:
                return match(only, value)
        else:

            def hit(value: str) -> bool:
                return any(match(p, value) for p in values)

        return _checker(hit, self.negated, self.set_operator, self._usable)(present)

    def _policy_values(self, context) -> tuple[list[str], bool]:
        """The values the operator can use in this request, and whether that is all of them.

        A variable the request cannot resolve (absent, or multi-valued, with no default) makes
        its value unusable, as does a resolved value the operator cannot read.
        """
        values = []
        complete = True
        for value in self.values:
            if isinstance(value, Template):
                try:
                    value = value.render(context, for_wildcards=self.operator in WILDCARD_OPERATORS)
                except Missing:
                    complete = False
                    continue
                if not usable_policy_value(self.operator, value):
                    complete = False
                    continue
            elif not usable_policy_value(self.operator, value):
                complete = False
                continue
            values.append(value)
        return values, complete
