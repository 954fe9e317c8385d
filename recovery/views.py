"""The recovery pages. Step 1's link lands here; the rest of the flow arrives with the phone step."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import flows as signin_flows

from . import flow, voice
from .models import RecoveryAttempt

TOKEN_KEY = "tobira_recovery_token"
SHORTLY = gettext_lazy("We could not start that just now. Try again shortly: nothing is lost.")
DELAYED = gettext_lazy(
    "Sending is slower than usual just now: the email is on its way and may take a few "
    "minutes. You do not need to ask again."
)


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
        messages.success(request, _("Your email address is verified."))
        return redirect("recovery:phone")
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


def _ended(attempt):
    """Hang up on a call that is over, or never was the current one: the code is not the question."""
    from twilio.twiml.voice_response import VoiceResponse

    response = VoiceResponse()
    response.say(
        _("This call has ended. Ask for a new call in your browser. Goodbye."),
        language=_say_language(attempt),
    )
    response.hangup()
    return _twiml(response)


@csrf_exempt
@require_POST
def twilio_voice(request, attempt_id):
    """The call is answered: ask for the six digits the browser shows, if it is the live call
    (Twilio may place a call whose request went unanswered: it was never the live call)."""
    attempt = _attempt_for_call(attempt_id)
    if not _signed(request) or attempt is None:
        return HttpResponseForbidden()
    with translation.override(attempt.language):
        if not flow.call_is_live(attempt.pk, request.POST.get("CallSid", "")):
            return _ended(attempt)
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
    outcome = flow.digits_entered(
        attempt_id, request.POST.get("Digits", ""), call_sid=request.POST.get("CallSid", "")
    )
    with translation.override(attempt.language):
        if outcome == "again":
            return _gather(attempt, _("That code is not right. Enter the code again."))
        if outcome == "ended":  # timed out, or an earlier call
            return _ended(attempt)
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
    call_sid = request.POST.get("CallSid", "")  # a late callback of an earlier call changes nothing
    if not call_sid:  # Twilio always names the call; a call not placed yet has no id to match
        return HttpResponse(status=400)
    status = request.POST.get("CallStatus", "")
    if status in ("no-answer", "busy", "failed", "canceled"):
        flow.call_failed(attempt_id, status, call_sid=call_sid)
    elif status == "completed":
        flow.call_failed(attempt_id, "hung-up", call_sid=call_sid)  # if no code was entered
    return HttpResponse(status=204)


# --- The pages of the flow ------------------------------------------------------------------


def _pending_root(request):
    user = signin_flows.pending_signin_user(request)
    return user if user is not None and user.is_root else None


@never_cache
def start(request):
    """*Sign in using alternative factors*: what will happen, then the email is sent."""
    user = _pending_root(request)
    if user is None:
        return redirect("accounts:signin")
    account = user.account
    status = 200
    if request.method == "POST" and account.contact_phone:
        attempt = flow.start(request, user=user)
        if attempt is not None:
            request.session[flow.SESSION_KEY] = str(attempt.pk)
            if not attempt.queued:
                messages.warning(request, DELAYED)
            return redirect("recovery:email_sent")
        messages.error(request, _("Too many attempts. Wait a while, then try again."))
        status = 429
    return render(
        request,
        "recovery/start.html",
        {
            "email": _masked_email(account.root_email),
            "phone": voice.masked(account.contact_phone) if account.contact_phone else "",
        },
        status=status,
    )


def _masked_email(address: str) -> str:
    local, _sep, domain = address.partition("@")
    return f"{local[:1]}{'•' * max(1, len(local) - 1)}@{domain}"


def _session_attempt(request):
    attempt_id = request.session.get(flow.SESSION_KEY)
    return flow.current(request, attempt_id) if attempt_id else None


@never_cache
def email_sent(request):
    attempt = _session_attempt(request)
    if attempt is None:
        return redirect("accounts:signin")
    if request.method == "POST":
        outcome = flow.resend(request, attempt)
        if outcome == "ok":
            messages.success(request, _("Another email is on its way."))
        elif outcome == "later":
            messages.warning(request, DELAYED)
        elif outcome == "cooldown":
            messages.error(request, _("Wait a minute before you ask for another email."))
        else:
            messages.error(request, _("No more emails for this attempt. Start again later."))
        return redirect("recovery:email_sent")
    return render(
        request,
        "recovery/email_sent.html",
        {"email": _masked_email(attempt.user.account.root_email)},
    )


def _dev_keypad_enabled() -> bool:
    return settings.DEBUG and settings.RECOVERY_VOICE_BACKEND.endswith("ConsoleVoice")


@never_cache
def phone(request):
    """Step 2: *Call me now*, the code to type on the phone, then *Sign in to the console*.

    Every POST redirects (a reload never places another call); the page shows the live
    call's code from the session, so coming back to it shows the code again.
    """
    attempt = _session_attempt(request)
    if attempt is None:
        return redirect("accounts:signin")
    attempt = flow.end_stale_call(attempt)
    if request.method == "POST":
        if request.POST.get("op") == "complete":
            if flow.complete(request, attempt):
                request.session.pop(flow.SESSION_KEY, None)
                return redirect("mfa:security_credentials")
            messages.error(request, _("The phone number is not verified yet."))
        elif attempt.state in flow.CALL_STATES:
            pass  # a call is on its way (a double click, an old tab): the page shows its code
        elif flow.request_call(request, attempt) is None:
            attempt.refresh_from_db()
            if attempt.call_error == "queue":
                messages.error(request, SHORTLY)
            elif attempt.state == RecoveryAttempt.State.EMAIL_VERIFIED:
                messages.error(request, _("No more calls for now. Try again later."))
        return redirect("recovery:phone")
    status = flow.status(attempt)
    return render(
        request,
        "recovery/phone.html",
        {
            "dev_keypad": _dev_keypad_enabled(),
            "attempt": attempt,
            "phone": voice.masked(attempt.user.account.contact_phone),
            "code": flow.shown_code(request, attempt),
            "status": status,
            "in_call": attempt.state in flow.CALL_STATES,
            "verified": attempt.state == RecoveryAttempt.State.PHONE_VERIFIED,
        },
    )


@never_cache
def phone_status(request):
    attempt_id = request.session.get(flow.SESSION_KEY)
    attempt = (
        RecoveryAttempt.objects.filter(
            pk=attempt_id, session_hash=flow.session_hash(request)
        ).first()
        if attempt_id
        else None
    )
    if attempt is None:
        return JsonResponse({"state": "gone"}, status=404)
    return JsonResponse(flow.status(attempt))


@never_cache
def dev_keypad(request):
    """DEBUG only, with the console voice backend: the phone's keypad, for the call placed.

    As Twilio's webhook does, it types into one call, named by its id: until the worker has
    placed the call there is no keypad yet (the phone has not rung), and a keypad of an
    earlier call types into nothing.
    """
    if not _dev_keypad_enabled():
        raise Http404
    attempt = _session_attempt(request)
    if attempt is None:
        return redirect("accounts:signin")
    attempt = flow.end_stale_call(attempt)
    outcome = None
    if request.method == "POST":
        outcome = flow.digits_entered(
            attempt.pk, request.POST.get("digits", "")[:6], call_sid=request.POST.get("call")
        )
        if outcome == "verified":
            return redirect("recovery:phone")
        attempt.refresh_from_db()
    ringing = attempt.state == RecoveryAttempt.State.CALL_REQUESTED
    return render(
        request,
        "recovery/dev_keypad.html",
        {
            "outcome": outcome,
            "ringing": ringing,
            "call_sid": attempt.call_sid
            if attempt.state == RecoveryAttempt.State.CALL_IN_PROGRESS
            else "",
        },
    )
