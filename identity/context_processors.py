from django.conf import settings


def principal(request):
    """What every page's header needs: who is signed in, to which account."""
    user = getattr(request, "user", None)
    signed_in = bool(user is not None and user.is_authenticated)
    return {
        "principal": user if signed_in else None,
        "principal_account": user.account if signed_in else None,
        "signup_enabled": settings.SIGNUP_ENABLED,
        # Set by the middleware that holds a signed-in person at a step (a forced password
        # change, the root MFA prompt, SSO MFA registration): the top bar then offers no page
        # that would only lead back to that step.
        "signin_step_pending": getattr(request, "signin_step_pending", None),
    }
