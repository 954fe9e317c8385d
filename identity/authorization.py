"""The one question every console view asks: may this principal do this action here?

Until the policy engine lands this answers from the principal's kind alone:
the root user of an account may do everything in that account, and the root
user of an organization's management account may do everything in the
organization's accounts. Views must reach objects through
``identity.selectors`` first (other tenants are 404 before this is asked);
this decides what a principal may do with what it can see. The policy issue
replaces the inside of ``authorize`` and keeps its signature.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from . import audit
from .models import Account, User


@dataclass(frozen=True)
class Decision:
    allowed: bool
    explanation: str


def authorize(principal: User, action: str, resource_arn: str, *, account: Account) -> Decision:
    if not principal.is_authenticated or not principal.is_active:
        return Decision(False, _("You are not signed in."))
    if principal.is_root and principal.account_id == account.id:
        return Decision(True, _("The root user may do everything in its account."))
    if (
        principal.is_root
        and principal.account.is_management_account
        and principal.account.organization_id == account.organization_id
    ):
        return Decision(
            True, _("The management account's root user may act on its organization's accounts.")
        )
    return Decision(
        False,
        _(
            "%(principal)s is not authorized to perform %(action)s on resource %(resource)s: no policy allows it."
        )
        % {"principal": principal.arn, "action": action, "resource": resource_arn},
    )


class AccessDenied(PermissionDenied):
    def __init__(self, decision: Decision, action: str, resource_arn: str):
        super().__init__(decision.explanation)
        self.decision = decision
        self.action = action
        self.resource_arn = resource_arn


def require(request, action: str, resource_arn: str, *, account: Account) -> Decision:
    """Allow, or audit the refusal in the principal's own trail and raise a 403."""
    decision = authorize(request.user, action, resource_arn, account=account)
    if not decision.allowed:
        service, _sep, name = action.partition(":")
        audit.record(
            event_name=name,
            event_source=f"{service}.tobira",
            request=request,
            request_parameters={"resource": resource_arn},
            error_code="AccessDenied",
            error_message=decision.explanation,
        )
        raise AccessDenied(decision, action, resource_arn)
    return decision
