"""Security headers beside Django's and django-csp's, and what the Content-Security-Policy asks
of the views that send people to other sites.

- ``PermissionsPolicyMiddleware``: no page of Tobira uses the camera, the microphone, the
  location, payments or USB, so none may, not even a script that got in. WebAuthn is left to the
  browser's default (``publickey-credentials-get`` and ``-create`` allowed for this origin).
- ``hand_over_cross_origin_redirects``: the policy's ``form-action 'self'`` also governs every
  redirect that follows a form's POST (Chromium checks each hop), so a sign-in, an MFA step or a
  consent that ends in a redirect to an application (or to an external identity provider) would
  be blocked on its last hop. A view that may redirect to another origin is wrapped: when the
  navigation started on one of Tobira's pages, the redirect becomes a page that goes on by
  ``<meta http-equiv="refresh">`` (with a link), a navigation no form started.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import render

PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response


def _origin(scheme: str, host: str) -> tuple[str, str, int] | None:
    parts = urlsplit(f"{scheme}://{host}")
    try:
        port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None
    return (parts.scheme, (parts.hostname or "").lower(), port)


def _started_here(request: HttpRequest) -> bool:
    """Whether this navigation started on one of Tobira's pages (a form or a link) and came
    through same-origin redirects only, as Fetch Metadata says (every current browser sends it).
    Without it (a script, an old browser) nothing is changed."""
    return (
        request.headers.get("Sec-Fetch-Site") == "same-origin"
        and request.headers.get("Sec-Fetch-Mode") == "navigate"
    )


def hand_over(request: HttpRequest, response):
    """``response`` itself, unless it redirects a navigation that started here to another
    origin: then the page that goes on there (``templates/handover.html``), with its cookies."""
    if not isinstance(response, HttpResponseRedirectBase) or not _started_here(request):
        return response
    location = response["Location"]
    target = urlsplit(location)
    scheme = (target.scheme or request.scheme).lower()
    if not target.netloc or scheme not in _DEFAULT_PORTS:
        return response  # a path of this site, or a scheme no meta refresh should follow
    if _origin(scheme, target.netloc) == _origin(request.scheme, request.get_host()):
        return response
    page = render(request, "handover.html", {"url": location, "host": target.hostname})
    for morsel in response.cookies.values():
        page.cookies[morsel.key] = morsel
    # The address may carry an authorization code: kept by neither the browser nor a proxy.
    page["Cache-Control"] = "no-store"
    return page


def hand_over_cross_origin_redirects(view):
    """Wrap a view that may redirect to another origin (see the module's docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return hand_over(request, view(request, *args, **kwargs))

    return wrapped
