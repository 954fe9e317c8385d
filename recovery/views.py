"""The recovery pages. Step 1's link lands here; the rest of the flow arrives with the phone step."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import flow
from .models import RecoveryAttempt

TOKEN_KEY = "tobira_recovery_token"


@never_cache
def verify(request, attempt_id):
    """The emailed link: a page with a button (mail scanners follow links; a POST spends it).

    As Django's password reset does, the token moves from the URL into the session
    and the browser is sent to the same page without it: the token stays out of
    logs, history and Referer headers.
    """
    token_key = f"{TOKEN_KEY}:{attempt_id}"
    if request.method == "GET" and "t" in request.GET:
        request.session[token_key] = request.GET["t"][:128]
        return redirect("recovery:verify", attempt_id=attempt_id)
    token = request.session.get(token_key, "")
    if request.method == "POST":
        attempt = flow.verify_email(request, attempt_id, token) if token else None
        request.session.pop(token_key, None)
        if attempt is None:
            return render(request, "recovery/verify.html", {"failed": True}, status=400)
        request.session[flow.SESSION_KEY] = str(attempt.pk)
        return render(request, "recovery/verified.html", {"attempt": attempt})
    if not token:
        return render(request, "recovery/verify.html", {"failed": True}, status=400)
    return render(request, "recovery/verify.html", {"attempt_id": attempt_id})


# --- Twilio's webhooks --------------------------------------------------------------------


def _signed(request) -> bool:
    """Whether Twilio signed this request (``X-Twilio-Signature`` over our public URL)."""
    from twilio.request_validator import RequestValidator

    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    url = settings.TOBIRA_BASE_URL + request.get_full_path()
    return RequestValidator(token).validate(url, request.POST.dict(), signature)


def _twiml(response) -> HttpResponse:
    return HttpResponse(str(response), content_type="text/xml")


def _say_language(attempt) -> str:
    return "ja-JP" if attempt.language.startswith("ja") else "en-US"


def _attempt_for_call(attempt_id):
    return RecoveryAttempt.objects.filter(pk=attempt_id).first()


def _gather(attempt, prompt: str):
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    gather = response.gather(
        num_digits=6,
        action=flow.webhook_url("recovery:twilio_gather", attempt),
        method="POST",
        timeout=15,
    )
    gather.say(prompt, language=_say_language(attempt))
    response.say(_("No code was entered. Goodbye."), language=_say_language(attempt))
    return _twiml(response)


@csrf_exempt
@require_POST
def twilio_voice(request, attempt_id):
    """The call is answered: ask for the six digits the browser shows."""
    attempt = _attempt_for_call(attempt_id)
    if not _signed(request) or attempt is None:
        return HttpResponseForbidden()
    with translation.override(attempt.language):
        return _gather(
            attempt,
            _(
                "This is Tobira. To sign in as the root user, enter the six-digit code shown "
                "on your screen."
            ),
        )


@csrf_exempt
@require_POST
def twilio_gather(request, attempt_id):
    """The digits typed on the keypad: compared in constant time, three tries per call."""
    from twilio.twiml.voice_response import VoiceResponse

    attempt = _attempt_for_call(attempt_id)
    if not _signed(request) or attempt is None:
        return HttpResponseForbidden()
    outcome = flow.digits_entered(attempt_id, request.POST.get("Digits", ""))
    with translation.override(attempt.language):
        if outcome == "again":
            return _gather(attempt, _("That code is not right. Enter the code again."))
        response = VoiceResponse()
        if outcome == "verified":
            response.say(_("Thank you. Continue in your browser."), language=_say_language(attempt))
        else:
            response.say(_("That code is not right. Goodbye."), language=_say_language(attempt))
        response.hangup()
        return _twiml(response)


@csrf_exempt
@require_POST
def twilio_status(request, attempt_id):
    """The call's end: no answer, busy or failed lets the person ask for another call."""
    if not _signed(request):
        return HttpResponseForbidden()
    status = request.POST.get("CallStatus", "")
    if status in ("no-answer", "busy", "failed", "canceled"):
        flow.call_failed(attempt_id, status)
    elif status == "completed":
        flow.call_failed(attempt_id, "hung-up")  # only if the code was not entered
    return HttpResponse(status=204)
