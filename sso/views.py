"""The access portal: ``/start/<organization id>``."""

from __future__ import annotations

import time
from urllib.parse import unquote

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.forms import SIGNIN_FAILED_MESSAGE, SIGNIN_THROTTLED_MESSAGE
from identity import authn_state
from identity.models import Organization
from mfa.signin import views as signin_views
from mfa.webauthn.forms import WebAuthnResponseForm

from . import access, flows, services, sessions
from .applications import selectors as app_selectors
from .applications.models import Application
from .forms import OpenSessionForm, PortalSignInForm
from .models import ExternalIdentityProvider, SSOSettings
from .stages import SSOMFARegistration


def _organization(organization_id: str) -> Organization:
    organization = (
        Organization.objects.select_related("sso_settings").filter(pk=organization_id).first()
    )
    if organization is None:
        raise Http404
    return organization


def _portal_user(request, organization: Organization):
    """The SSO user of ``organization`` signed in on this browser, or None."""
    user = request.user
    if (
        user.is_authenticated
        and user.is_sso
        and user.account_id == organization.management_account_id
    ):
        return user
    return None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def portal(request, organization_id: str):
    organization = _organization(organization_id)
    user = _portal_user(request, organization)
    next_url = application_next(request, organization)
    # ``reauth``: an application asked for a new sign-in (prompt=login, max_age, ForceAuthn).
    reauth = next_url is not None and request.GET.get("reauth") == "1"
    if user is not None and not reauth:
        if next_url is not None:
            return redirect(next_url)
        return _portal_home(request, organization, user)
    settings_ = services.settings_for(organization)
    idp = None
    if settings_.identity_source == SSOSettings.IdentitySource.EXTERNAL:
        idp = ExternalIdentityProvider.objects.filter(organization=organization).first()
    form = PortalSignInForm()
    status = 200
    passkey_error = None
    if request.method == "POST" and idp is None and request.POST.get("method") == "passkey":
        key_form = WebAuthnResponseForm(request.POST)
        result = flows.portal_passkey_signin(
            request,
            organization,
            credential_json=key_form.cleaned_data["credential"] if key_form.is_valid() else "",
        )
        target = next_url or reverse("sso:portal", args=[organization.pk])
        if result.user is not None:
            if result.user.password_reset_required:
                return redirect(
                    reverse("accounts:change_password") + "?" + urlencode({"next": target})
                )
            return redirect(target)
        passkey_error, status = signin_views.passkey_error(result)
    elif request.method == "POST" and idp is None:
        form = PortalSignInForm(request.POST)
        if form.is_valid():
            outcome = flows.portal_signin(
                request,
                organization,
                user_name=form.cleaned_data["user_name"],
                password=form.cleaned_data["password"],
            )
            target = next_url or reverse("sso:portal", args=[organization.pk])
            if outcome == flows.Outcome.MFA:
                return redirect(reverse("mfa:signin") + "?" + urlencode({"next": target}))
            if outcome == flows.Outcome.REGISTER:
                return redirect("sso:mfa_required", organization_id=organization.pk)
            if outcome == flows.Outcome.SIGNED_IN:
                if request.user.password_reset_required:
                    return redirect(
                        reverse("accounts:change_password") + "?" + urlencode({"next": target})
                    )
                return redirect(target)
            if outcome == flows.Outcome.BLOCKED:
                form.add_error(
                    None,
                    _(
                        "Your organization requires an MFA device to sign in, and you have none. "
                        "Ask your administrator to register one for you."
                    ),
                )
                status = 403
            else:
                throttled = outcome == flows.Outcome.THROTTLED
                form.add_error(
                    None, SIGNIN_THROTTLED_MESSAGE if throttled else SIGNIN_FAILED_MESSAGE
                )
                status = 429 if throttled else 200
    passkey = idp is None and flows.passkey_offered(organization)
    if passkey:  # the browser's autofill offers this site's passkeys in the user name box
        form.fields["user_name"].widget.attrs["autocomplete"] = "username webauthn"
    return render(
        request,
        "sso/signin.html",
        {
            "organization": organization,
            "form": form,
            "passkey": passkey,
            "passkey_action": request.get_full_path(),  # this page (its ?next= and ?reauth=)
            "passkey_error": passkey_error,
            "idp": idp,
            "next": next_url or "",
            "reauth": reauth,
            "signed_in_as": user,
        },
        status=status,
    )


def application_next(request, organization) -> str | None:
    """Where the portal sign-in returns: only the organization's own application endpoints
    (``/o/<organization id>/...``, a path of this site), never an arbitrary URL."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    path = unquote(target.partition("?")[0])
    segments = path.split("/")
    if (
        path.startswith(f"/o/{organization.pk}/")
        and "\\" not in path
        and "//" not in path
        and not {".", ".."} & set(segments)
        and target.isprintable()
    ):
        return target
    return None


def application_tiles(user) -> list[tuple[Application, str | None]]:
    """The applications ``user`` may sign in to, each with where its tile goes: an OpenID
    Connect application's start URL, a SAML application's IdP-initiated sign-in; None when it
    has none (the tile says so)."""
    tiles = []
    for application in app_selectors.applications_for(user):
        if application.protocol == Application.Protocol.OIDC:
            target = application.start_url or None
        else:  # IdP-initiated SAML sign-in
            target = reverse(
                "applications:saml_start",
                args=[application.organization_id, application.application_id],
            )
        tiles.append((application, target))
    return tiles


def _portal_home(request, organization, user):
    sso_settings = services.settings_for(organization)
    response = render(
        request,
        "sso/portal.html",
        {
            "organization": organization,
            "sso_user": user,
            "accounts": sessions.accounts_for_portal(user),
            "applications": application_tiles(user),
            "mfa_present": authn_state.mfa_present(request),
            "can_manage_devices": sso_settings.users_manage_devices,
        },
    )
    mfa = authn_state.mfa_record(request)
    if (
        mfa
        and mfa.get("device") != authn_state.EXTERNAL
        # Only right after the MFA step, in the context where it happened: a session used
        # later from elsewhere does not make that place remembered.
        and time.time() - int(mfa.get("at", 0)) < flows.CONTEXT_MINT_WINDOW
        and sso_settings.mfa_prompt == SSOSettings.MFAPrompt.CONTEXT_CHANGE
        and not flows.context_remembered(request, user)
    ):
        response.set_cookie(
            flows.CONTEXT_COOKIE,
            flows.context_cookie_value(request, user),
            max_age=flows.CONTEXT_MAX_AGE,
            secure=settings.SSO_CONTEXT_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
            path=reverse("sso:portal", args=[organization.pk]),
        )
    return response


@require_POST
def open_console(request, organization_id: str):
    """*Management console* next to a permission set: a role session in that account."""
    organization = _organization(organization_id)
    user = _portal_user(request, organization)
    if user is None:
        return redirect("sso:portal", organization_id=organization.pk)
    form = OpenSessionForm(request.POST)
    role_session = None
    if form.is_valid():
        role_session = sessions.open_session(
            request,
            user=user,
            account_id=form.cleaned_data["account"],
            permission_set_id=form.cleaned_data["permission_set"],
        )
    if role_session is None:
        raise Http404  # not assigned: indistinguishable from an account that does not exist
    return redirect("console:account_detail", account_id=role_session.account_id)


@require_POST
def end_console(request, organization_id: str):
    """Leave the account and go back to the portal, still signed in there."""
    organization = _organization(organization_id)
    ended = sessions.end_session(request)
    if ended is not None:
        sessions.record_end(request, ended, "LeftAccount")
    messages.info(request, _("You left the account."))
    return redirect("sso:portal", organization_id=organization.pk)


@never_cache
def mfa_required(request, organization_id: str):
    """Signed in, but the organization requires an MFA device before anything else."""
    organization = _organization(organization_id)
    user = _portal_user(request, organization)
    if user is None:
        return redirect("sso:portal", organization_id=organization.pk)
    if not authn_state.stage_required(request, SSOMFARegistration.key):
        return redirect("sso:portal", organization_id=organization.pk)
    kinds = access.allowed_device_kinds(user)
    return render(
        request,
        "sso/mfa_required.html",
        {
            "organization": organization,
            "allow_apps": "virtual" in kinds,
            "allow_keys": "webauthn" in kinds,
        },
    )
