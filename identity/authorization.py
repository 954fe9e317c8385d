"""The one question every console view asks: may this principal do this action here?

Views reach objects through ``identity.selectors`` first (other tenants are
404 before this is asked); this decides what a principal may do with what it
can see, with the policy engine (``identity.policy``): the principal's
identity policies, its account's SCP chain and its permissions boundary, in the request's context
(``aws:MultiFactorAuthPresent`` and the other global keys).

Across accounts only the organization's management-account root user acts
(on its organization's accounts), as before; everyone else acts in their own
account only.

``Permission`` (and ``AnyOf``) declare a question once: a console page (``console.base``)
or an API operation says which action it asks on which resource, the engine is asked from
that declaration, and docs/permissions.md is generated from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import audit
from .models import Account, User
from .policies import loading
from .policy import context_of, evaluate


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explanation: str
    engine: object = None  # the engine's own decision (identity.policy.Decision), when asked


def _policies(principal: User) -> loading.PrincipalPolicies:
    """Loaded once per request and principal (by its loader, if one was given)."""
    cached = getattr(principal, "_tobira_policies", None)
    if cached is None:
        load = getattr(principal, "_tobira_policy_loader", loading.principal_policies)
        cached = principal._tobira_policies = load(principal)
    return cached


def load_policies_with(principal: User, load: Callable[[User], loading.PrincipalPolicies]) -> None:
    """Have ``load`` (a cache in front of ``loading.principal_policies``) give ``principal``'s
    policies when the engine is first asked about it; nothing is loaded if it never is."""
    principal._tobira_policy_loader = load


def authorize(
    principal: User,
    action: str,
    resource_arn: str,
    *,
    account: Account,
    request=None,
    context: dict | None = None,
) -> Decision:
    fixed = _beyond_policies(principal, account)
    if fixed is not None:
        return fixed
    values = loading.request_context(request, principal) if request is not None else {}
    return _evaluate(principal, action, resource_arn, values, context)


def _beyond_policies(principal: User, account: Account) -> Decision | None:
    """The answer that does not depend on policies (signed out, SSO, another account), if any."""
    if not principal.is_authenticated or not principal.is_active:
        return Decision(False, _("You are not signed in."))
    if getattr(principal, "is_sso", False):
        return Decision(False, _("SSO users act in accounts only through the access portal."))
    if principal.account_id != account.id:
        if (
            principal.is_root
            and principal.account.is_management_account
            and principal.account.organization_id == account.organization_id
        ):
            return Decision(
                True,
                _("The management account's root user may act on its organization's accounts."),
            )
        return Decision(
            False,
            _("%(principal)s cannot act in account %(account)s.")
            % {"principal": principal.arn, "account": account.id},
        )
    return None


def _evaluate(principal, action, resource_arn, values, context=None) -> Decision:
    loaded = _policies(principal)
    if context:
        values = {**values, **context}  # the action's own keys, such as iam:PolicyARN
    result = evaluate(
        action=action,
        resource=resource_arn,
        context=context_of(values),
        identity_policies=loaded.identity,
        scp_levels=loaded.scp_levels,
        boundary=loaded.boundary,
        is_root=principal.is_root,
    )
    if result.allowed:
        return Decision(True, result.explanation, result)
    return Decision(False, f"{principal.arn}: {result.explanation}", result)


def permitted(request, questions: dict, *, account: Account) -> dict[str, bool]:
    """Which of a page's actions the signed-in principal may take, to show only those.

    ``questions`` maps a name the template uses to ``(action, resource_arn)`` or
    ``(action, resource_arn, context)``. The engine is asked once for the whole page: the
    principal's policies are loaded once per request (a constant number of queries) and the
    request's context is built once; each question is then an in-memory evaluation, so the
    page's queries do not grow with the number of questions or the rows listed.
    Hiding is a courtesy: every POST still asks ``require``.
    """
    principal = request.user
    fixed = _beyond_policies(principal, account)
    if fixed is not None:
        return dict.fromkeys(questions, fixed.allowed)
    values = loading.request_context(request, principal)
    return {
        name: _evaluate(principal, question[0], question[1], values, *question[2:]).allowed
        for name, question in questions.items()
    }


class AccessDenied(PermissionDenied):
    def __init__(self, decision: Decision, action: str, resource_arn: str):
        super().__init__(decision.explanation)
        self.decision = decision
        self.action = action
        self.resource_arn = resource_arn


def allowed(
    request, action: str, resource_arn: str, *, account: Account, context: dict | None = None
) -> bool:
    """Whether the signed-in principal may; for showing or hiding a part of a page."""
    return authorize(
        request.user, action, resource_arn, account=account, request=request, context=context
    ).allowed


def require(
    request, action: str, resource_arn: str, *, account: Account, context: dict | None = None
) -> Decision:
    """Allow, or audit the refusal in the principal's own trail and raise a 403."""
    decision = authorize(
        request.user, action, resource_arn, account=account, request=request, context=context
    )
    if not decision.allowed:
        audit.record_refusal(
            action,
            request=request,
            request_parameters={"resource": resource_arn},
            error_message=decision.explanation,
        )
        raise AccessDenied(decision, action, resource_arn)
    return decision


def require_own(request, action: str, resource: str | None = None) -> None:
    """Self-service pages ask the policy engine too: about the user's own ARN (or ``resource``).

    An SSO user's organization decides instead, from its SSO settings: the function named by
    ``settings.SSO_SELF_SERVICE`` (``sso.access``, which identity does not import: it is above).
    """
    user = request.user
    if user.is_sso:
        import_string(settings.SSO_SELF_SERVICE)(request, action)
        return
    require(request, action, resource or user.arn, account=user.account)


@dataclass(frozen=True)
class Permission:
    """The question a page or an API operation asks: ``action`` on the ARN ``resource`` builds.

    ``resource`` and ``context`` take the *target*: whatever the caller resolved before asking
    (a console page with its objects as attributes, an API operation's parsed request).
    ``context`` gives the action's own condition keys (``iam:PolicyARN``,
    ``iam:PermissionsBoundary``); ``context_doc`` names them for docs/api.md. ``resource_doc``
    and ``note`` only describe the question in docs/permissions.md.
    """

    action: str
    resource: Callable[[Any], str]
    resource_doc: str = ""
    note: str = ""
    context: Callable[[Any], dict] | None = None
    context_doc: str = ""

    def question(self, target) -> tuple:
        """``(action, resource_arn[, context])``, as ``permitted`` takes it."""
        arn = self.resource(target)
        if self.context is None:
            return (self.action, arn)
        return (self.action, arn, self.context(target))

    def require(self, request, target, *, account: Account) -> Decision:
        action, arn, *context = self.question(target)
        return require(
            request, action, arn, account=account, context=context[0] if context else None
        )

    def allowed(self, request, target, *, account: Account) -> bool:
        """The same question as ``require`` (the condition context too), without the 403."""
        action, arn, *context = self.question(target)
        return allowed(
            request, action, arn, account=account, context=context[0] if context else None
        )

    @property
    def action_doc(self) -> str:
        return f"`{self.action}`" + (f" {self.note}" if self.note else "")


@dataclass(frozen=True)
class AnyOf:
    """One of several permissions, chosen by the request (which button, which target).

    The caller picks one by name (``any_of["delete"]``) and asks it; ``doc`` describes the
    choice in docs/permissions.md (by default: the actions joined with "or").
    """

    choices: dict[str, Permission] = field(default_factory=dict)
    doc: str = ""
    resource_doc: str = ""

    def __getitem__(self, name: str) -> Permission:
        return self.choices[name]

    @property
    def action_doc(self) -> str:
        if self.doc:
            return self.doc
        actions = list(dict.fromkeys(f"`{p.action}`" for p in self.choices.values()))
        return " or ".join([", ".join(actions[:-1]), actions[-1]] if len(actions) > 1 else actions)
