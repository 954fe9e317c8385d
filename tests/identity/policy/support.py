"""Helpers shared by the policy tests: everything goes through the public API."""

from __future__ import annotations

import json

from identity.policy import NamedPolicy, Policy, context_of, evaluate, parse

V2012 = "2012-10-17"
V2008 = "2008-10-17"

# The request every condition test makes; the statement under test allows exactly it.
ACTION = "s3:GetObject"
RESOURCE = "arn:aws:s3:::example-bucket/report.csv"


def document(*statements: dict, version: str | None = V2012) -> str:
    """A policy document as JSON text (``version=None`` leaves out the Version element)."""
    doc: dict = {}
    if version is not None:
        doc["Version"] = version
    doc["Statement"] = list(statements) if len(statements) != 1 else statements[0]
    return json.dumps(doc)


def policy(*statements: dict, version: str | None = V2012, scp: bool = False) -> Policy:
    return parse(document(*statements, version=version), scp=scp)


def allow(action="*", resource="*", *, sid=None, condition=None, **extra) -> dict:
    return _statement("Allow", action, resource, sid, condition, extra)


def deny(action="*", resource="*", *, sid=None, condition=None, **extra) -> dict:
    return _statement("Deny", action, resource, sid, condition, extra)


def _statement(effect, action, resource, sid, condition, extra) -> dict:
    statement: dict = {"Effect": effect}
    if sid is not None:
        statement["Sid"] = sid
    if "NotAction" not in extra:
        statement["Action"] = action
    if "NotResource" not in extra and resource is not None:
        statement["Resource"] = resource
    if condition is not None:
        statement["Condition"] = condition
    statement.update(extra)
    return statement


def condition_holds(condition: dict, context: dict, *, version: str | None = V2012) -> bool:
    """Whether ``condition`` holds for ``context``: the only Allow in play carries it."""
    named = NamedPolicy(
        "under-test", policy(allow(ACTION, "*", condition=condition), version=version)
    )
    decision = evaluate(
        action=ACTION,
        resource=RESOURCE,
        context=context_of(context),
        identity_policies=[named],
    )
    return decision.allowed


def both_ways(
    statement: dict,
    context: dict,
    *,
    action: str = ACTION,
    resource: str = RESOURCE,
    version: str | None = V2012,
) -> tuple[str, str]:
    """``statement`` (no Effect) evaluated as an Allow and as a Deny: the two decisions.

    As an Allow it is the only policy in play; as a Deny it sits beside an Allow of
    everything, so the Deny decides: ``ExplicitDeny`` when it applies, ``Allow`` otherwise.
    """
    as_allow = NamedPolicy("under-test", policy({**statement, "Effect": "Allow"}, version=version))
    as_deny = NamedPolicy("under-test", policy({**statement, "Effect": "Deny"}, version=version))
    everything = NamedPolicy("allow-all", policy(allow("*", "*")))
    request = {"action": action, "resource": resource, "context": context_of(context)}
    return (
        evaluate(**request, identity_policies=[as_allow]).decision,
        evaluate(**request, identity_policies=[everything, as_deny]).decision,
    )


def assert_applies(statement: dict, context: dict, applies: bool, **request) -> None:
    """The statement applies (or not) alike as an Allow and as a Deny."""
    as_allow, as_deny = both_ways(statement, context, **request)
    assert (as_allow, as_deny) == (
        ("Allow", "ExplicitDeny") if applies else ("ImplicitDeny", "Allow")
    )
