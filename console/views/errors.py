"""The error pages (``handler403``, ``handler404``, ``handler500`` of ``config.urls``)."""

import sys

import structlog
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader

from identity.errors import SERVICE_DOWN

RETRY_AFTER = "5"

MFA_KEYS = frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage"})


def permission_denied(request, exception=None):
    """403 page that shows why: the decision's explanation, never another tenant's data.

    When the statement that decided has a condition on MFA, the page first says what to do:
    assign an MFA device (none yet), or sign out and sign in again with it; when it has one on
    ``iam:PermissionsBoundary``, that the choice of boundary is what was refused.
    """
    decision = getattr(exception, "decision", None)
    return render(
        request,
        "errors/403.html",
        {
            "explanation": decision.explanation if decision else "",
            "action": getattr(exception, "action", ""),
            "resource": getattr(exception, "resource_arn", ""),
            "mfa": _mfa_advice(request, decision),
            "needs_boundary": _needs_boundary(decision),
        },
        status=403,
    )


def _mfa_advice(request, decision) -> str | None:
    """ "assign" or "sign_in_again" when MFA would decide otherwise, else None."""
    engine = getattr(decision, "engine", None)
    if engine is None or not MFA_KEYS.intersection(engine.condition_keys):
        return None
    user = request.user
    if getattr(user, "kind", None) not in ("iam", "root"):
        return None  # an SSO role session: MFA is the identity provider's business
    from mfa.base.selectors import user_devices

    return "sign_in_again" if user_devices(user).exists() else "assign"


def _needs_boundary(decision) -> bool:
    """Whether the policies would allow it with another ``iam:PermissionsBoundary``: an
    administrator delegated user creation must give new users a given boundary."""
    engine = getattr(decision, "engine", None)
    return engine is not None and "iam:permissionsboundary" in engine.condition_keys


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """500, or 503 with Retry-After when a service did not answer. Rendered without the
    request's context (the session and the user may be what failed); the request id lets the
    person quote this failure to whoever reads the logs."""
    error = sys.exc_info()[1]
    down = isinstance(error, SERVICE_DOWN)
    context = {"request_id": structlog.contextvars.get_contextvars().get("request_id", "")}
    page = loader.render_to_string("errors/503.html" if down else "errors/500.html", context)
    response = HttpResponse(page, status=503 if down else 500)
    if down:
        response["Retry-After"] = RETRY_AFTER
    return response
