"""SSO users reach the console only as a role session (a permission set in an account), opened
from the access portal. (Their MFA registration at sign-in is a stage: ``sso.stages``.)"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import sessions


class RoleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_sso:
            return self.get_response(request)
        if request.path_info.startswith(self.static):
            return self.get_response(request)
        organization_id = user.account.organization_id
        if request.path_info.startswith("/console/"):
            role, why = sessions.current(request, user)
            if role is None:
                if why == "expired":
                    messages.info(request, _("Your console session ended. Open the account again."))
                elif why == "revoked":
                    messages.info(request, _("Your console session is no longer valid."))
                return redirect("sso:portal", organization_id=organization_id)
            request.user = role
        return self.get_response(request)
