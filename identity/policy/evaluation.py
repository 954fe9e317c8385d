"""Evaluation, as AWS does it for a principal in one account.

1. An explicit Deny in any policy that applies (SCPs, the permissions
   boundary or identity policies) wins.
2. Service control policies: unless the account is the organization's
   management account, every level of the chain (the organization root, each
   organizational unit down to the account, then the account) must have an
   Allow for the request; otherwise it is denied.
3. The root user needs nothing more.
4. A principal with a permissions boundary needs an Allow from it: the
   boundary caps what the identity policies can grant.
5. Then an Allow from an identity-based policy (their own inline and attached
   policies, and their groups'); otherwise it is implicitly denied.

Every decision says why, and names the stage that decided (``Decision.stage``:
``scp``, ``boundary`` or ``identity``) and, for an SCP, the level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .document import Policy, Statement

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    name: str  # shown in explanations: "forced-mfa-self-manage", "FullAWSAccess"
    policy: Policy
    kind: str = "identity"  # "identity", "scp" or "boundary"
    level: str = ""  # an SCP's level, as explanations name it: "OU Engineering (ou-…)"


class Decision:
    """Allow, ExplicitDeny or ImplicitDeny, with the policy and statement that decided.

    The sentence that explains it is written when someone reads it; so are
    ``condition_keys``: the (lower-case) condition keys of the statement that
    decided or, for an implicit deny, of the Allow statements that matched the
    action and resource but whose conditions failed. A page can then say what
    to do next (``aws:multifactorauthpresent``: sign in with MFA) without
    reading the sentence.
    """

    __slots__ = ("decision", "policy", "statement", "stage", "level", "_why", "_keys")

    def __init__(
        self,
        decision: str,
        why,
        policy: str = "",
        statement: str = "",
        keys=(),
        *,
        stage: str = "identity",
        level: str = "",
    ):
        self.decision, self._why, self.policy, self.statement = decision, why, policy, statement
        self._keys = keys  # a Statement, a callable giving the keys, or a tuple of keys
        self.stage = stage  # what decided: "scp", "boundary" or "identity" (the root: "scp")
        self.level = level  # for an SCP: the level whose policies decided

    @property
    def condition_keys(self) -> tuple[str, ...]:
        keys = self._keys
        if isinstance(keys, Statement):
            keys = self._keys = _keys_of((keys,))
        elif callable(keys):
            keys = self._keys = keys()
        return keys

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW

    @property
    def explanation(self) -> str:
        if callable(self._why):
            self._why = self._why()
        return self._why

    def __repr__(self) -> str:
        return f"Decision({self.decision}: {self.explanation})"


_KEY_MAPS: dict[tuple, dict[str, str]] = {}


class Context:
    """A request's condition keys: case-insensitive, each value a tuple of strings.

    Values are converted when a condition first asks for them: a decision
    usually reads one or two of the dozen keys a request carries. The
    lower-case spelling of a set of keys is worked out once per set.
    """

    __slots__ = ("_raw", "_names", "_seen")

    def __init__(self, values: Mapping[str, object]):
        self._raw = values
        keys = tuple(values)
        names = _KEY_MAPS.get(keys)
        if names is None:
            if len(_KEY_MAPS) >= 1024:
                _KEY_MAPS.clear()
            names = _KEY_MAPS[keys] = {key.lower(): key for key in keys}
        self._names = names
        self._seen: dict[str, tuple[str, ...] | None] = {}

    def get(self, key: str, default=None):
        try:
            value = self._seen[key]
        except KeyError:
            name = self._names.get(key)
            raw = None if name is None else self._raw[name]
            if raw is None:
                value = None
            elif isinstance(raw, str):
                value = (raw,)
            elif isinstance(raw, (list, tuple, set, frozenset)):
                value = tuple(_text(v) for v in raw)
            else:
                value = (_text(raw),)
            self._seen[key] = value
        return default if value is None else value

    def __contains__(self, key: str) -> bool:
        return self.get(key.lower()) is not None

    def keys(self):
        return [k for k in self._names if self.get(k) is not None]


def context_of(values: Mapping[str, object]) -> Context:
    """The request context for ``evaluate`` from ``{"aws:SourceIp": "203.0.113.7", ...}``."""
    return values if isinstance(values, Context) else Context(values)


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


Match = tuple[NamedPolicy, Statement]


def _first(candidates: Sequence[Match], resource: str, context) -> Match | None:
    for named, statement in candidates:
        if statement.matches_resource(resource, context) and statement.matches_conditions(context):
            return named, statement
    return None


class _Plan:
    """For one action and one set of policies: the statements that can apply, in order."""

    __slots__ = ("denies", "scp_allows", "boundary_allows", "boundary_name", "allows")

    def __init__(self, action: str, identity, scp_levels, boundary, is_root: bool):
        def matching(policies, effect):
            return tuple(
                (named, statement)
                for named in policies
                for statement in named.policy.statements_for(action)
                if statement.effect == effect
            )

        scps = [p for _level, policies in scp_levels for p in policies]
        bounded = not is_root and boundary is not None
        boundary = boundary if bounded else ()
        self.denies = matching(scps if is_root else [*scps, *boundary, *identity], "Deny")
        # A level (or the boundary) with an Allow that holds for every resource and context
        # (FullAWSAccess) always passes for this action: it is left out of the plan.
        self.scp_allows = tuple(
            (level, allows)
            for level, allows in (
                (level, matching(policies, "Allow")) for level, policies in scp_levels
            )
            if not _always(allows)
        )
        # None: nothing to pass (no boundary, or it always allows this action); a tuple: the
        # boundary's Allows for it, maybe none.
        boundary_allows = matching(boundary, "Allow") if bounded else None
        self.boundary_allows = (
            None if boundary_allows is None or _always(boundary_allows) else boundary_allows
        )
        self.boundary_name = ", ".join(n.name for n in boundary) or "(unreadable)"
        self.allows = () if is_root else matching(identity, "Allow")


def _always(allows) -> bool:
    """Whether one of ``allows`` applies to every request for its action."""
    return any(statement.any_resource and not statement.conditions for _named, statement in allows)


class _PolicySet:
    __slots__ = ("identity", "scp_levels", "boundary", "is_root", "plans")

    def __init__(self, identity, scp_levels, boundary, is_root):
        self.identity, self.scp_levels, self.is_root = identity, scp_levels, is_root
        self.boundary = boundary
        self.plans: dict[str, _Plan] = {}

    def plan(self, action: str) -> _Plan:
        plan = self.plans.get(action)
        if plan is None:
            if len(self.plans) > 1024:
                self.plans.clear()
            plan = self.plans[action] = _Plan(
                action, self.identity, self.scp_levels, self.boundary, self.is_root
            )
        return plan


_SETS: dict[tuple, _PolicySet] = {}
_MAX_SETS = 4096


_RECENT: dict[tuple, tuple] = {}


def _recent(identity, scp_levels, boundary, is_root: bool) -> _PolicySet | None:
    """The set for the same sequences passed again (a request asking several questions):
    found by identity. Only tuples are remembered, so a hit is a sequence that cannot have
    changed; the entry holds them, so their identities cannot be reused meanwhile."""
    recent = _RECENT.get((id(identity), id(scp_levels), id(boundary), is_root))
    if (
        recent is not None
        and recent[0] is identity
        and recent[1] is scp_levels
        and recent[2] is boundary
    ):
        return recent[3]
    return None


def _policy_set(identity, scp_levels, boundary, is_root: bool) -> _PolicySet:
    recent_key = (id(identity), id(scp_levels), id(boundary), is_root)
    found = _policy_set_by_content(identity, scp_levels, boundary, is_root)
    if len(_RECENT) >= _MAX_SETS:
        _RECENT.clear()
    _RECENT[recent_key] = (identity, scp_levels, boundary, found)
    return found


def _named(policies) -> tuple:
    return tuple((n.name, n.kind, n.level, id(n.policy)) for n in policies)


def _policy_set_by_content(identity, scp_levels, boundary, is_root: bool) -> _PolicySet:
    # Parsed policies are shared (``parse`` caches by content), so their identities name a
    # set; the entry keeps them alive, so an identity cannot be reused while it is cached.
    key = (
        is_root,
        _named(identity),
        tuple((level, _named(ps)) for level, ps in scp_levels),
        None if boundary is None else _named(boundary),
    )
    found = _SETS.get(key)
    if found is None:
        if len(_SETS) >= _MAX_SETS:
            _SETS.clear()
        found = _SETS[key] = _PolicySet(tuple(identity), tuple(scp_levels), boundary, is_root)
    return found


def evaluate(
    *,
    action: str,
    resource: str,
    context: Context,
    identity_policies: Sequence[NamedPolicy] = (),
    scp_levels: Sequence[tuple[str, Sequence[NamedPolicy]]] = (),
    boundary: Sequence[NamedPolicy] | None = None,
    is_root: bool = False,
) -> Decision:
    """The decision for ``action`` on ``resource``.

    ``context`` comes from ``context_of``. ``scp_levels`` is the chain of
    (level name, SCPs attached there), from the organization root down to the
    account, empty for the management account. ``boundary`` is the principal's
    permissions boundary (its one managed policy), None when it has none: an
    empty sequence is a boundary that allows nothing (an unreadable document).

    The statements that can apply to an action are gathered once per set of
    policies (``parse`` caches documents by content, so a set is recognised
    across requests); a decision then reads only those statements.
    """
    policy_set = _recent(identity_policies, scp_levels, boundary, is_root)
    if policy_set is None:
        # Tuples all the way down: a list could change after the plan is made.
        if type(identity_policies) is not tuple:
            identity_policies = tuple(identity_policies)
        if type(scp_levels) is not tuple or any(type(ps) is not tuple for _l, ps in scp_levels):
            scp_levels = tuple((level, tuple(ps)) for level, ps in scp_levels)
        if boundary is not None and type(boundary) is not tuple:
            boundary = tuple(boundary)
        policy_set = _policy_set(identity_policies, scp_levels, boundary, is_root)
    plan = policy_set.plan(action.lower())
    return _decide(plan, action, resource, context, is_root)


def _decide(plan: _Plan, action: str, resource: str, context, is_root: bool) -> Decision:
    denied = _first(plan.denies, resource, context)
    if denied is not None:
        named, statement = denied
        return Decision(
            EXPLICIT_DENY,
            lambda: (
                f"{action} on {resource} is explicitly denied by statement "
                f"{statement.label} of {_what(named)}."
            ),
            named.name,
            statement.label,
            statement,
            stage=_STAGES[named.kind],
            level=named.level,
        )
    for level, allows in plan.scp_allows:
        if _first(allows, resource, context) is None:
            return Decision(
                IMPLICIT_DENY,
                lambda level=level: (
                    f"{action} on {resource} is denied: no service control "
                    f"policy attached to the {level} allows it."
                ),
                stage="scp",
                level=level,
            )
    if is_root:
        return Decision(ALLOW, "The root user may do everything that no SCP denies.", stage="scp")
    if plan.boundary_allows is not None:
        bounded = _first(plan.boundary_allows, resource, context)
        if bounded is None:
            return Decision(
                IMPLICIT_DENY,
                lambda: (
                    f"{action} on {resource} is denied: the permissions boundary "
                    f"{plan.boundary_name} does not allow it."
                ),
                keys=lambda: _keys_of(
                    statement
                    for _named, statement in plan.boundary_allows
                    if statement.matches_resource(resource, context)
                ),
                stage="boundary",
            )
    allowed = _first(plan.allows, resource, context)
    if allowed is None:
        return Decision(
            IMPLICIT_DENY,
            lambda: f"{action} on {resource} is denied: no identity-based policy allows it.",
            keys=lambda: _keys_of(
                statement
                for _named, statement in plan.allows
                if statement.matches_resource(resource, context)
            ),
        )
    named, statement = allowed
    return Decision(
        ALLOW,
        lambda: (
            f"{action} on {resource} is allowed by statement {statement.label} of {_what(named)}."
        ),
        named.name,
        statement.label,
        statement,
    )


def _keys_of(statements) -> tuple[str, ...]:
    """The condition keys of ``statements``, each once, in order."""
    return tuple(dict.fromkeys(c.key for s in statements for c in s.conditions))


_STAGES = {"scp": "scp", "boundary": "boundary", "identity": "identity"}


def _what(named: NamedPolicy) -> str:
    if named.kind == "scp":
        where = f" attached to the {named.level}" if named.level else ""
        return f"service control policy {named.name}{where}"
    if named.kind == "boundary":
        return f"permissions boundary {named.name}"
    return f"policy {named.name}"
