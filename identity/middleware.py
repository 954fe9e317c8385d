"""Requests that carry a NUL character are refused before any view or query sees them.

No identifier, name or form value of Tobira may contain NUL, and PostgreSQL refuses it in text
(psycopg raises ``DataError``, a 500). Checking once here covers every path converter, every
``request.POST.get()`` and every query parameter, instead of each of them.
A NUL in the path is a page that does not exist (404); in the query or a form a bad request (400);
a cookie that holds one is ignored.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import translation

from . import browser_sessions

NUL = "\x00"
_API_PATHS = ("/iam", "/sts")  # and below them; the moto conformance mount too (settings)


def _api_path(path: str) -> bool:
    return path in _API_PATHS or path.startswith(("/iam/", "/sts/", "/moto/"))


def _has_nul(values) -> bool:
    return any(NUL in key or any(NUL in value for value in values.getlist(key)) for key in values)


def request_has_nul(request: HttpRequest) -> bool:
    """Outside the path: the query, the form fields and file names.

    Headers are left to the code that reads them: the user agent is cleaned before it reaches the
    trail and a forwarded address that does not parse is "unknown", so a hostile header still
    leaves its failed sign-in in the trail.
    """
    if _has_nul(request.GET):
        return True
    if request.method == "POST":
        if _has_nul(request.POST):
            return True
        if any(
            NUL in key or NUL in (upload.name or "")
            for key in request.FILES
            for upload in request.FILES.getlist(key)
        ):
            return True
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if NUL in request.path_info or NUL in request.path:
            return self._refuse(request, "errors/404.html", 404)
        # A cookie with a NUL is dropped, not refused: any script or sibling domain can set one
        # (Django reads "\\000" as NUL), and refusing would shut the browser out of every page.
        request.COOKIES = {
            key: value
            for key, value in request.COOKIES.items()
            if NUL not in key and NUL not in value
        }
        # The IAM and STS APIs read their own bodies and answer in AWS's XML (``api.views``).
        if not _api_path(request.path_info) and request_has_nul(request):
            return self._refuse(request, "errors/400.html", 400, reason="nul")
        return self.get_response(request)

    @staticmethod
    def _refuse(request, template: str, status: int, **context):
        # Before the locale middleware: the page speaks the browser's language all the same.
        with translation.override(translation.get_language_from_request(request)):
            return render(request, template, context, status=status)


class BrowserSessionMiddleware:
    """Keeps each signed-in session's ``BrowserSession`` row current after the view: the
    session key when it changed (``cycle_key``), the expiry when the session was saved, and
    "last active" at most once a minute (``identity.browser_sessions.browser_session_seen``).
    Below the authentication middleware, so that its answer runs before the session is saved."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        browser_sessions.browser_session_seen(
            request,
            previous_key=request.COOKIES.get(settings.SESSION_COOKIE_NAME),
            status_code=response.status_code,
        )
        return response
