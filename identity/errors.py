import re

from django.shortcuts import render
from django.views.debug import SafeExceptionReporterFilter


def permission_denied(request, exception=None):
    """403 page that shows why: the decision's explanation, never another tenant's data."""
    decision = getattr(exception, "decision", None)
    return render(
        request,
        "errors/403.html",
        {
            "explanation": decision.explanation if decision else "",
            "action": getattr(exception, "action", ""),
            "resource": getattr(exception, "resource_arn", ""),
        },
        status=403,
    )


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter, also hiding every ``*_URL`` setting: broker and cache URLs carry passwords."""

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|URL", flags=re.IGNORECASE
    )
