"""Policy documents: parsed, validated and compiled once.

``parse(text)`` returns a ``Policy`` or raises ``PolicyError`` naming the
offending element (``Statement[2].Condition.StringLikee: unknown operator``).
Any JSON, or any text, gives one or the other: never another exception.

``parse`` refuses what AWS refuses and takes what AWS stores, since documents
reach the engine by other paths than the console's editor (the API, imports,
SCPs): a part that can match nothing (an action named ``iam:`` or ``iam:Get
User``, an SCP without statements) matches nothing, and the rest of the
document is enforced. ``warnings(text)`` names those parts, as Access
Analyzer's findings do, for the editor to show.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .conditions import (
    OPERATORS,
    USABLE,
    VARIABLE_OPERATORS,
    Condition,
    parse_operator,
    usable_policy_value,
)
from .matching import VARIABLE, Missing, Template, wildcard_match

VERSIONS = ("2012-10-17", "2008-10-17")
# An action is "*" or service:name. AWS checks only the service prefix (letters, digits, "-" and
# "."; "Vendor a a is not valid") and that there is one colon; the name may hold anything else
# ("iam: asdf safdsf af " is accepted, so is "iam:"). Tobira takes them all, as AWS stores them.
_ACTION = re.compile(r"\*|[A-Za-z0-9.-]+:[^:]*")
# A name can match an action only when it is printable ASCII without spaces or commas (no action
# has them). Any other name matches no request, and in NotAction excludes nothing: "iam:" and
# "iam:Get User" can name nothing, nor can a name with the Kelvin sign, which str.lower() would
# fold onto "k" (iam:ListAccessKeys spelt with it must not match iam:ListAccessKeys).
_LIVE_ACTION = re.compile(r"\*|[A-Za-z0-9.-]+:[\x21-\x2b\x2d-\x39\x3b-\x7e]+")
# A Sid names a statement and grants nothing. IAM refuses one with a hyphen or a space ("Statement
# IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression
# [0-9A-Za-z]*") yet accepts underscores (moto's test documents, which its authors checked against
# AWS); Organizations refuses underscores in an SCP's Sid (awsdocs/iam-user-guide#282).
_SID = re.compile(r"^[A-Za-z0-9_]*$")
_SCP_SID = re.compile(r"^[A-Za-z0-9]*$")
_CONDITION_KEY = re.compile(r"^[A-Za-z0-9:/_.\-]+$")
_STATEMENT_KEYS = {
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "Principal",
    "NotPrincipal",
}


class PolicyError(ValueError):
    """An invalid policy document; ``path`` names the element, ``message`` says what is wrong."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


_WARNING_TEXTS = {
    "action-matches-nothing": (
        '"{value}" can match no action: the name after the colon is empty or holds a space, '
        "a comma or a character outside printable ASCII."
    ),
    "not-action-excludes-nothing": (
        '"{value}" can match no action, so NotAction excludes nothing with it: the statement '
        "applies to every action the element does not otherwise name."
    ),
    "no-statements": (
        "This SCP has no statements: it allows nothing. Where it is the only SCP attached, "
        "every request is denied."
    ),
    "variable-not-replaced": (
        "Policy variables are replaced only in String, ARN and Bool conditions: in {operator}, "
        '"{value}" is read as written, so it never matches.'
    ),
    "variable-compared-as-text": (
        "Policy variables are replaced only in String, ARN and Bool conditions: in {operator}, "
        '"{value}" is compared as written.'
    ),
    "variable-needs-2012": (
        'Policy variables need "Version": "2012-10-17": here "{value}" is literal text.'
    ),
    "no-values": (
        "This condition key has no values: in an Allow the statement never applies, in a Deny "
        "the key is no condition."
    ),
    "not-a-number": '"{value}" is not a number, so {operator} never matches it.',
    "not-a-date": '"{value}" is not a date or epoch seconds, so {operator} never matches it.',
    "not-an-ip": '"{value}" is not an IP address or CIDR range, so {operator} never matches it.',
    "not-a-boolean": '"{value}" is neither true nor false, so {operator} never matches it.',
    "not-an-arn": '"{value}" is not an ARN of six parts, so {operator} never matches it.',
}
_NEGATED_TEXTS = {
    "variable-not-replaced": (
        "Policy variables are replaced only in String, ARN and Bool conditions: in {operator}, "
        '"{value}" is read as written, so this condition never holds.'
    ),
    "not-a-number": '"{value}" is not a number, so this {operator} condition never holds.',
    "not-a-date": (
        '"{value}" is not a date or epoch seconds, so this {operator} condition never holds.'
    ),
    "not-an-ip": (
        '"{value}" is not an IP address or CIDR range, so this {operator} condition never holds.'
    ),
    "not-an-arn": '"{value}" is not an ARN of six parts, so this {operator} condition never holds.',
}
_UNREADABLE = (
    ("Numeric", "not-a-number"),
    ("Date", "not-a-date"),
    ("Arn", "not-an-arn"),
    ("IpAddress", "not-an-ip"),
    ("NotIpAddress", "not-an-ip"),
    ("Bool", "not-a-boolean"),
)


@dataclass(frozen=True, slots=True)
class PolicyWarning:
    """A part of a valid document that matches nothing, or not as it seems (``warnings``).

    ``code`` says which (``action-matches-nothing``, ``not-a-number``, ...) for a caller that
    words it itself; ``message`` is the English sentence.
    """

    path: str
    code: str
    value: str = ""  # the text at fault
    operator: str = ""  # for a condition value: its operator
    negated: bool = False  # ... and whether that operator is a negated one

    @property
    def sentence(self) -> str:
        texts = _NEGATED_TEXTS if self.negated and self.code in _NEGATED_TEXTS else _WARNING_TEXTS
        return texts[self.code].format(value=self.value, operator=self.operator)

    @property
    def message(self) -> str:
        return f"{self.path}: {self.sentence}" if self.path else self.sentence


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str
    effect: str  # "Allow" or "Deny"
    actions: tuple[str, ...]  # lower-cased patterns, as written
    not_action: bool
    resources: tuple[Template, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]
    any_resource: bool = False  # "Resource": "*": no resource check at all
    # An Allow with a condition key that has no values ("aws:username": []) never applies.
    never_applies: bool = False
    # The patterns of ``actions`` that can match an action (see _LIVE_ACTION); None: all of them.
    live_actions: tuple[str, ...] | None = None

    @property
    def label(self) -> str:
        return self.sid or f"Statement[{self.index}]"

    def matches_action(self, action: str) -> bool:
        patterns = self.actions if self.live_actions is None else self.live_actions
        hit = any(p == "*" or p == action or wildcard_match(p, action) for p in patterns)
        return hit != self.not_action

    def matches_resource(self, resource: str, context) -> bool:
        """Resource: some pattern matches. NotResource: none does, and every one could be
        resolved: a pattern whose variable cannot be resolved matches nothing, so a NotResource
        holding one cannot tell which resources it leaves out and applies to none."""
        if self.any_resource:
            return True
        not_resource = self.not_resource
        for template in self.resources:
            if template.text == "*":
                return not not_resource
            try:
                if template.matches(resource, context):
                    return not not_resource
            except Missing:
                if not_resource:
                    return False
        return not_resource

    def matches_conditions(self, context) -> bool:
        for condition in self.conditions:  # noqa: SIM110 - a plain loop is faster on this hot path
            if not condition.test(context):
                return False
        return True


@dataclass(slots=True)
class Policy:
    version: str
    statements: tuple[Statement, ...]
    _by_action: dict = field(default_factory=dict)

    def statements_for(self, action: str) -> tuple[Statement, ...]:
        """The statements whose Action/NotAction covers ``action`` (lower-case); cached."""
        found = self._by_action.get(action)
        if found is None:
            if len(self._by_action) > 4096:
                self._by_action.clear()
            found = self._by_action[action] = tuple(
                s for s in self.statements if not s.never_applies and s.matches_action(action)
            )
        return found


def _strings(value, path: str, *, allow_null: bool = False) -> list[str | None]:
    """A string or a non-empty list of strings, as a list; with ``allow_null`` the list may
    also hold nulls (AWS accepts them in a Resource list), which stay in it as None."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value:
        for i, item in enumerate(value):
            if not isinstance(item, str) and not (allow_null and item is None):
                raise PolicyError(f"{path}[{i}]", "must be a string")
        return list(value)
    raise PolicyError(path, "must be a string or a non-empty list of strings")


def _condition_values(value, path: str) -> list[str]:
    """The values of one condition key as strings; ``[]`` gives none (see ``_statement``)."""
    items = value if isinstance(value, list) else [value]
    out = []
    for i, item in enumerate(items):
        where = f"{path}[{i}]" if isinstance(value, list) else path
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            try:
                out.append(json.dumps(item))
            except ValueError:  # an integer too long to print
                raise PolicyError(where, "is not a usable number") from None
        elif isinstance(item, str):
            out.append(item)
        else:
            raise PolicyError(where, "must be a string, a number or a boolean")
    return out


def _element_path(path: str, key: str, raw_value, i: int) -> str:
    """``Statement[0].Action[1]`` for a list, ``Statement[0].Action`` for a lone string."""
    return f"{path}.{key}[{i}]" if isinstance(raw_value, list) else f"{path}.{key}"


def _value_notes(notes: list, where: str, operator: str, value: str, variables: bool) -> None:
    """What a condition value can match, for ``warnings``."""
    negated = OPERATORS[operator][1]
    if operator != "Null" and VARIABLE.search(value):
        if not variables:
            notes.append(PolicyWarning(where, "variable-needs-2012", value))
            return
        if operator not in VARIABLE_OPERATORS:
            code = "variable-not-replaced" if operator in USABLE else "variable-compared-as-text"
            notes.append(PolicyWarning(where, code, value, operator, negated))
            return
        if not operator.startswith("Arn"):
            return  # String and Bool: the value is known once the variables are resolved
        value = VARIABLE.sub("x", value)  # a variable's value holds no colon the ARN counts
    if operator not in USABLE or usable_policy_value(operator, value):
        return
    code = next(code for family, code in _UNREADABLE if operator.startswith(family))
    notes.append(PolicyWarning(where, code, value, operator, negated))


def _statement(
    raw, index: int, path: str, variables: bool, *, scp: bool, notes: list | None = None
) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(path, "must be an object")
    for key in raw:
        if key not in _STATEMENT_KEYS:
            raise PolicyError(f"{path}.{key}", "unknown element")
    if "Principal" in raw or "NotPrincipal" in raw:
        key = "Principal" if "Principal" in raw else "NotPrincipal"
        raise PolicyError(f"{path}.{key}", "not allowed in identity-based policies or SCPs")
    sid = raw.get("Sid", "")
    if not isinstance(sid, str) or not (_SCP_SID if scp else _SID).fullmatch(sid):
        raise PolicyError(
            f"{path}.Sid",
            "must contain only letters and digits"
            if scp
            else "must contain only letters, digits and underscores",
        )
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{path}.Effect", 'must be "Allow" or "Deny"')

    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(path, "needs exactly one of Action or NotAction")
    action_key = "Action" if "Action" in raw else "NotAction"
    actions = _strings(raw[action_key], f"{path}.{action_key}")
    for i, action in enumerate(actions):
        if not _ACTION.fullmatch(action):
            raise PolicyError(
                _element_path(path, action_key, raw[action_key], i),
                f'"{action}" is not service:action',
            )
    live = [a for a in actions if _LIVE_ACTION.fullmatch(a)]
    if notes is not None and len(live) != len(actions):
        code = (
            "not-action-excludes-nothing" if action_key == "NotAction" else "action-matches-nothing"
        )
        for i, action in enumerate(actions):
            if not _LIVE_ACTION.fullmatch(action):
                notes.append(
                    PolicyWarning(_element_path(path, action_key, raw[action_key], i), code, action)
                )

    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError(path, "needs only one of Resource or NotResource")
    if "Resource" not in raw and "NotResource" not in raw:
        if not scp:
            raise PolicyError(path, "needs Resource or NotResource")
        resource_key, resources = "Resource", ["*"]
    else:
        resource_key = "Resource" if "Resource" in raw else "NotResource"
        # AWS accepts null in a Resource list; it names no resource, so it matches nothing.
        # Nothing shows that AWS takes it in NotResource, where [null] would be every
        # resource: refused there, as in Action and NotAction.
        resources = _strings(
            raw[resource_key], f"{path}.{resource_key}", allow_null=resource_key == "Resource"
        )
    for i, resource in enumerate(resources):
        if resource is not None and resource != "*" and not resource.startswith("arn:"):
            where = (
                f"{path}.{resource_key}[{i}]"
                if isinstance(raw.get(resource_key), list)
                else f"{path}.{resource_key}"
            )
            raise PolicyError(where, f'"{resource}" is not "*" or an ARN')
        if notes is not None and not variables and resource and VARIABLE.search(resource):
            where = _element_path(path, resource_key, raw.get(resource_key), i)
            notes.append(PolicyWarning(where, "variable-needs-2012", resource))

    conditions = []
    never_applies = False
    block = raw.get("Condition", {})
    if not isinstance(block, dict):
        raise PolicyError(f"{path}.Condition", "must be an object")
    for operator_text, keys in block.items():
        where = f"{path}.Condition.{operator_text}"
        if keys == {}:
            # An operator with no keys tests nothing, as "Condition": {} tests nothing. AWS
            # accepts it even when it does not know the operator ({"a": {}}); an unknown
            # operator with keys is refused below, as AWS refuses it.
            continue
        parsed = parse_operator(operator_text) if isinstance(operator_text, str) else None
        if parsed is None:
            raise PolicyError(where, "unknown operator")
        operator, set_operator, if_exists = parsed
        if not isinstance(keys, dict):
            raise PolicyError(where, "must be an object of condition keys and values")
        for key, value in keys.items():
            if not _CONDITION_KEY.fullmatch(key) or len(key) > 256:
                raise PolicyError(f"{where}.{key}", "is not a condition key")
            values = _condition_values(value, f"{where}.{key}")
            if notes is not None:
                if not values:
                    notes.append(PolicyWarning(f"{where}.{key}", "no-values"))
                for i, v in enumerate(values):
                    at = f"{where}.{key}[{i}]" if isinstance(value, list) else f"{where}.{key}"
                    _value_notes(notes, at, operator, v, variables)
            if not values:
                # A key with no values ("aws:username": []): AWS accepts it and does not say
                # how it evaluates. Whatever AWS does, Tobira grants no more: in an Allow it
                # never holds (the statement grants nothing), in a Deny it always holds (the
                # Deny applies whenever its action, resource and other conditions match).
                never_applies = never_applies or effect == "Allow"
                continue
            use_vars = variables and operator in VARIABLE_OPERATORS
            compiled = tuple(
                Template(v, variables=True) if use_vars and "${" in v else v for v in values
            )
            if operator == "Null":
                for v in values:
                    if v.lower() not in ("true", "false"):
                        raise PolicyError(f"{where}.{key}", 'Null takes "true" or "false"')
            conditions.append(Condition(operator, set_operator, if_exists, key.lower(), compiled))
    return Statement(
        index=index,
        sid=sid,
        effect=effect,
        actions=tuple(a.lower() for a in actions),
        not_action=action_key == "NotAction",
        resources=tuple(Template(r, variables=variables) for r in resources if r is not None),
        not_resource=resource_key == "NotResource",
        conditions=tuple(conditions),
        any_resource=resource_key == "Resource" and "*" in resources,
        never_applies=never_applies,
        live_actions=None if len(live) == len(actions) else tuple(a.lower() for a in live),
    )


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs):
    """An object whose key appears twice would read one way and evaluate another: refused."""
    out = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(f'the key "{key}" appears twice in one object')
        out[key] = value
    return out


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def parse(document, *, scp: bool = False, remember: bool = True) -> Policy:
    """A compiled ``Policy`` from JSON text (or already-decoded JSON); ``PolicyError`` otherwise.

    Text is remembered by content (documents in use are parsed once); pass
    ``remember=False`` to only validate, as an editor does with what is typed.
    """
    if isinstance(document, (str, bytes)):
        text = document if isinstance(document, str) else document.decode("utf-8", "replace")
        return _parse_text(text, scp) if remember else _parse_text.__wrapped__(text, scp)
    return _compile(document, scp)


def warnings(document, *, scp: bool = False) -> list[PolicyWarning]:
    """The parts of a valid document that match nothing, or not as they seem, in document order.

    ``document`` is what ``parse`` takes; ``PolicyError`` if it does not parse. Nothing is
    remembered: the editor asks this of what is typed.
    """
    notes: list[PolicyWarning] = []
    if isinstance(document, (str, bytes)):
        text = document if isinstance(document, str) else document.decode("utf-8", "replace")
        document = _decode(text)
    _compile(document, scp, notes)
    return notes


def _decode(text: str):
    try:
        return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as error:
        raise PolicyError("", str(error)) from None
    except (ValueError, RecursionError) as error:
        raise PolicyError("", f"not valid JSON ({error})") from None


@lru_cache(maxsize=4096)
def _parse_text(text: str, scp: bool) -> Policy:
    return _compile(_decode(text), scp)


def _compile(raw, scp: bool, notes: list | None = None) -> Policy:
    try:
        if not isinstance(raw, dict):
            raise PolicyError("", "a policy is a JSON object")
        for key in raw:
            if key not in ("Version", "Id", "Statement"):
                raise PolicyError(key, "unknown element")
        version = raw.get("Version", "2008-10-17")
        if version not in VERSIONS:
            raise PolicyError("Version", 'must be "2012-10-17" or "2008-10-17"')
        if "Id" in raw and not isinstance(raw["Id"], str):
            raise PolicyError("Id", "must be a string")
        if "Statement" not in raw:
            raise PolicyError("Statement", "is required")
        statements_raw = raw["Statement"]
        variables = version == "2012-10-17"
        if isinstance(statements_raw, dict):
            statements = [
                _statement(statements_raw, 0, "Statement", variables, scp=scp, notes=notes)
            ]
        elif isinstance(statements_raw, list) and (statements_raw or scp):
            # An SCP may have no statements (Organizations stores one): it allows nothing. IAM
            # refuses an identity policy without statements ("Syntax errors in policy.").
            statements = [
                _statement(s, i, f"Statement[{i}]", variables, scp=scp, notes=notes)
                for i, s in enumerate(statements_raw)
            ]
            if notes is not None and not statements:
                notes.append(PolicyWarning("Statement", "no-statements"))
        else:
            raise PolicyError("Statement", "must be an object or a non-empty list of objects")
        sids = [s.sid for s in statements if s.sid]
        if len(sids) != len(set(sids)):
            duplicate = next(s for s in sids if sids.count(s) > 1)
            raise PolicyError("Statement", f'the Sid "{duplicate}" is used twice')
        return Policy(version=version, statements=tuple(statements))
    except RecursionError:
        raise PolicyError("", "nested too deeply") from None


def size_without_whitespace(text: str) -> int:
    """AWS counts a policy's size without whitespace."""
    return len(re.sub(r"\s+", "", text))
