"""The stages of signing in hold a signed-in person at the stage they must finish first.

One middleware for every stage (``accounts.stages``): while a stage is pending, only its own
pages and ``stages.ALWAYS_OPEN`` open; anything else redirects to the stage's page, so a new user
is never locked out (the "deadlock" of seed 003) and never gets past the stage either.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import Resolver404, resolve

from . import stages


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


class StageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.static)
        ):
            view_name = None
            for stage in stages.after_login():
                if not stage.is_pending(request, user):
                    continue
                # The top bar then offers no page that would only lead back to the stage.
                request.signin_step_pending = stage.key
                if view_name is None:
                    view_name = _view_name(request)
                if view_name not in stages.ALWAYS_OPEN | stage.open_pages:
                    next_url = request.get_full_path() if request.method == "GET" else ""
                    return stage.redirect(request, user, next_url=next_url)
        return self.get_response(request)


class NoStoreForSignedInMiddleware:
    """Pages shown to a signed-in person are never kept by the browser or a proxy.

    Otherwise the Back button after signing out would show user lists and
    email addresses from the cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response
