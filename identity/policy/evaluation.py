"""Evaluation, as AWS does it for a principal in one account.

1. An explicit Deny in any policy that applies (SCPs or identity policies) wins.
2. Service control policies: unless the account is the organization's
   management account, every level of the chain (the organization, then the
   account) must have an Allow for the request; otherwise it is denied.
3. The root user needs nothing more. Anyone else needs an Allow from an
   identity-based policy (their own inline and attached policies, and their
   groups'); otherwise it is implicitly denied.

Every decision says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .document import Policy, Statement

ALLOW, EXPLICIT_DENY, IMPLICIT_DENY = "Allow", "ExplicitDeny", "ImplicitDeny"


@dataclass(frozen=True, slots=True)
class NamedPolicy:
    name: str  # shown in explanations: "forced-mfa-self-manage", "FullAWSAccess"
    policy: Policy
    kind: str = "identity"  # "identity" or "scp"


@dataclass(frozen=True, slots=True)
class Decision:
    decision: str  # Allow, ExplicitDeny or ImplicitDeny
    explanation: str
    policy: str = ""
    statement: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOW


def context_of(values: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Request context keys lower-cased (they are case-insensitive), values as tuples of strings."""
    out = {}
    for key, value in values.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            out[key.lower()] = tuple(_text(v) for v in value)
        else:
            out[key.lower()] = (_text(value),)
    return out


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _first(
    policies: Iterable[NamedPolicy], effect: str, action: str, resource: str, context
) -> tuple[NamedPolicy, Statement] | None:
    for named in policies:
        for statement in named.policy.statements_for(action):
            if (
                statement.effect == effect
                and statement.matches_resource(resource, context)
                and statement.matches_conditions(context)
            ):
                return named, statement
    return None


def evaluate(
    *,
    action: str,
    resource: str,
    context: Mapping[str, tuple[str, ...]],
    identity_policies: Sequence[NamedPolicy] = (),
    scp_levels: Sequence[tuple[str, Sequence[NamedPolicy]]] = (),
    is_root: bool = False,
) -> Decision:
    """The decision for ``action`` on ``resource``.

    ``context`` comes from ``context_of``. ``scp_levels`` is the chain of
    (level name, SCPs attached there), empty for the management account.
    """
    key = action.lower()
    every = [p for _level, policies in scp_levels for p in policies]
    if not is_root:
        every.extend(identity_policies)
    denied = _first(every, "Deny", key, resource, context)
    if denied is not None:
        named, statement = denied
        return Decision(
            EXPLICIT_DENY,
            f"{action} on {resource} is explicitly denied by statement {statement.label} "
            f"of {_what(named)}.",
            named.name,
            statement.label,
        )
    for level, policies in scp_levels:
        if _first(policies, "Allow", key, resource, context) is None:
            return Decision(
                IMPLICIT_DENY,
                f"{action} on {resource} is denied: no service control policy attached to the "
                f"{level} allows it.",
            )
    if is_root:
        return Decision(ALLOW, "The root user may do everything that no SCP denies.")
    allowed = _first(identity_policies, "Allow", key, resource, context)
    if allowed is None:
        return Decision(
            IMPLICIT_DENY,
            f"{action} on {resource} is denied: no identity-based policy allows it.",
        )
    named, statement = allowed
    return Decision(
        ALLOW,
        f"{action} on {resource} is allowed by statement {statement.label} of {_what(named)}.",
        named.name,
        statement.label,
    )


def _what(named: NamedPolicy) -> str:
    return f"service control policy {named.name}" if named.kind == "scp" else f"policy {named.name}"
