"""Whether the person in this browser may be signed in to an application now, and if not, what
comes first: the organization's portal sign-in, a new sign-in (``prompt=login``, ``max_age``), a
fresh MFA step (the application's step-up rule), or a refusal (not assigned, or no MFA device
while the application requires one).

Both protocols ask here (``oidc.views.authorize`` and ``saml.views``), before they issue
anything. A refusal is audited (``ApplicationSignInRefused``) and shown as a page that says why
and what to do; the OpenID Connect client is also told ``access_denied``.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from identity import audit, authn_state
from identity.audit_events import Event
from identity.models import Organization, User
from mfa.models import MFADevice
from sso import services as sso_services

from .models import Application, ApplicationAssignment


class Outcome(enum.Enum):
    PROCEED = "proceed"
    SIGN_IN = "sign_in"  # nobody of the organization is signed in here, or a new sign-in is asked
    STEP_UP = "step_up"  # signed in, but the application wants a (fresh) MFA step
    DENIED = "denied"


class Reason(enum.StrEnum):
    NOT_ASSIGNED = "NotAssigned"
    MFA_REQUIRED_NO_DEVICE = "MFARequiredNoDevice"
    INACTIVE = "ApplicationInactive"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    user: User | None = None
    reason: Reason | None = None


def portal_user(request, organization: Organization) -> User | None:
    """The organization's directory user signed in on this browser, or None."""
    user = request.user
    if (
        user.is_authenticated
        and user.is_sso
        and user.is_active
        and user.account_id == organization.management_account_id
    ):
        return user
    return None


def is_assigned(application: Application, user: User) -> bool:
    """Assigned directly, or through a directory group the user is a member of."""
    return ApplicationAssignment.objects.filter(
        Q(user=user) | Q(group__members=user), application=application
    ).exists()


def auth_age(request) -> int:
    """Seconds since this session signed in."""
    return max(0, int(time.time()) - int(authn_state.signin_record(request)["at"]))


def decide(
    request,
    application: Application,
    *,
    max_age: int | None = None,
    force_login: bool = False,
    mfa: bool = False,
) -> Decision:
    """What comes before ``application`` may be told who this is.

    ``max_age`` (seconds), ``force_login`` and ``mfa`` are the relying party's own demands
    (OpenID Connect ``max_age``, ``prompt=login`` and an MFA ``acr_values``; SAML
    ``ForceAuthn`` and a requested authentication context)."""
    user = portal_user(request, application.organization)
    if user is None or force_login:
        return Decision(Outcome.SIGN_IN, user)
    if max_age is not None and auth_age(request) > max_age:
        return Decision(Outcome.SIGN_IN, user)
    if not is_assigned(application, user):
        return Decision(Outcome.DENIED, user, Reason.NOT_ASSIGNED)
    if mfa or application.require_mfa or application.mfa_max_age_minutes:
        age = authn_state.mfa_age(request)
        limit = (application.mfa_max_age_minutes or 0) * 60
        if age is None or (limit and age > limit):
            if not _has_device(user):
                return Decision(Outcome.DENIED, user, Reason.MFA_REQUIRED_NO_DEVICE)
            return Decision(Outcome.STEP_UP, user)
    return Decision(Outcome.PROCEED, user)


def _has_device(user: User) -> bool:
    kinds = sso_services.settings_for(user.account.organization).allowed_device_kinds
    return MFADevice.objects.filter(user=user, confirmed=True, kind__in=kinds).exists()


# --- What each outcome shows ------------------------------------------------------------------


def sign_in(request, organization: Organization, next_url: str, *, again: bool = False):
    """The organization's portal sign-in, back to ``next_url`` afterwards; ``again`` asks for
    the password even when someone is signed in (a new sign-in)."""
    query = {"next": next_url}
    if again:
        query["reauth"] = "1"
    return redirect(reverse("sso:portal", args=[organization.pk]) + "?" + urlencode(query))


def step_up(request, user: User, application: Application, next_url: str):
    """A fresh MFA step for the signed-in person, back to ``next_url`` afterwards: the sign-in's
    MFA page, on a pending sign-in of the same user."""
    authn_state.begin_pending_signin(
        request,
        user_id=user.pk,
        params={
            "loginTo": "application",
            "organization": application.organization_id,
            "applicationId": application.application_id,
            "userName": user.name,
            "stepUp": True,
        },
    )
    return redirect(reverse("mfa:signin") + "?" + urlencode({"next": next_url}))


def refuse(request, application: Application, decision: Decision, *, back_url: str = ""):
    """Audit the refusal and say so: a page for the person (status 403), with the way back to
    the application when the protocol has one (the OpenID Connect client's ``access_denied``)."""
    record_refusal(request, application, decision.user, decision.reason)
    return render(
        request,
        "sso/application_refused.html",
        {
            "application": application,
            "organization": application.organization,
            "reason": decision.reason.value if decision.reason else "",
            "back_url": back_url,
        },
        status=403,
    )


def record_refusal(request, application: Application, user: User | None, reason) -> None:
    audit.record(
        Event.APPLICATION_SIGNIN_REFUSED,
        request=request,
        actor=user,
        account_id=application.organization.management_account_id,
        request_parameters={
            "applicationId": application.application_id,
            "protocol": application.protocol,
        },
        error_code=str(reason or ""),
        error_message="Sign-in to the application refused.",
    )
