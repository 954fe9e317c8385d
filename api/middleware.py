"""Signed API calls skip the console's middleware and URL resolver.

A call to ``/iam/`` or ``/sts/`` is its signature: it keeps no session, cookie, CSRF token,
message, language or sign-in stage. Listed right after ``SecurityMiddleware`` (the HTTPS
redirect, HSTS, ``nosniff``) and ``RejectNulMiddleware``, this answers those paths itself, so the
console's other middlewares and the URL resolver do not run for them: about 0.6 ms of a call
that otherwise costs 1.5–2 ms (docs/research/issue16-api-bench.md). Every other path goes on
down the stack as before; ``api.urls`` still names the endpoints, for ``reverse`` and for the
moto conformance mount, which this leaves alone.
"""

from __future__ import annotations

from . import views

ENDPOINTS = {
    "/iam/": views.iam_endpoint,
    "/iam": views.iam_endpoint,
    "/sts/": views.sts_endpoint,
    "/sts": views.sts_endpoint,
}


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is not None:
            # What CommonMiddleware did for these paths too: a Host outside ALLOWED_HOSTS is
            # refused (DisallowedHost, a 400) before anything reads the request.
            request.get_host()
            return endpoint(request)
        return self.get_response(request)
