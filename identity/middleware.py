"""Requests that carry a NUL character are refused before any view or query sees them.

No identifier, name or form value of Tobira may contain NUL, and PostgreSQL refuses it in text
(psycopg raises ``DataError``, a 500). Checking once here covers every path converter, every
``request.POST.get()`` and every query parameter, instead of each of them.
A NUL in the path is a page that does not exist (404); anywhere else it is a bad request (400).
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render

NUL = "\x00"


def _has_nul(values) -> bool:
    return any(NUL in key or any(NUL in value for value in values.getlist(key)) for key in values)


def request_has_nul(request: HttpRequest) -> bool:
    """Outside the path: the query, the cookies, the form fields and file names.

    Headers are left to the code that reads them: the user agent is cleaned before it reaches the
    trail and a forwarded address that does not parse is "unknown", so a hostile header still
    leaves its failed sign-in in the trail.
    """
    if _has_nul(request.GET):
        return True
    if any(NUL in key or NUL in value for key, value in request.COOKIES.items()):
        return True
    if request.method == "POST":
        if _has_nul(request.POST):
            return True
        if any(NUL in key or NUL in (upload.name or "") for key, upload in request.FILES.items()):
            return True
    return False


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if NUL in request.path_info or NUL in request.path:
            return render(request, "errors/404.html", status=404)
        if request_has_nul(request):
            return render(request, "errors/400.html", {"reason": "nul"}, status=400)
        return self.get_response(request)
