"""The organization's SAML 2.0 identity provider: ``/o/<organization id>/saml/...``.

- ``metadata`` and ``certificate.pem``: what service providers are configured with;
- ``sso``: SP-initiated sign-in, an AuthnRequest by HTTP-Redirect (GET) or HTTP-POST;
- ``start/<application id>``: IdP-initiated sign-in (the access portal's tile).

A verified AuthnRequest is kept in the session, under a random token, while the person signs
in or passes an MFA step; the page they return to names the token only (``?resume=``), so the
request is not carried in URLs and is not checked against the replay cache a second time. A
request that came by HTTP-POST arrives without the session cookie (``SameSite=Lax``): it is
verified, handed over through the cache under a single-use token, and the browser is sent on
to a GET of this site, which has the cookie.
"""

from __future__ import annotations

import secrets
import time

from csp.decorators import csp_replace
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_safe
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT

from identity import audit, authn_state
from identity.audit_events import Event
from identity.models import Organization

from .. import access, selectors
from ..attributes import Attributes
from ..models import Application, SAMLCertificate, SAMLServiceProvider
from . import certificates, idp
from . import pending as pending_requests
from .idp import Reason, Refused

HANDOFF_TTL = 120  # seconds between an HTTP-POST request and the GET that picks it up
MAX_RELAY_STATE = 80 * 4  # SAML bindings 3.4.3: 80 bytes; some SPs send more, not much more


def _organization(organization_id: str) -> Organization:
    return get_object_or_404(Organization, pk=organization_id)


# --- Metadata ----------------------------------------------------------------------------------


@require_safe
def metadata(request, organization_id: str):
    """The organization's IdP metadata (its entity ID is this URL)."""
    organization = _organization(organization_id)
    response = HttpResponse(idp.metadata_xml(organization), content_type="application/xml")
    response["Cache-Control"] = "public, max-age=300"  # certificates.NEXT_MIN_AGE is longer
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def certificate(request, organization_id: str):
    """The current signing certificate, PEM (for service providers that take a file)."""
    organization = _organization(organization_id)
    row = certificates.published(organization)[SAMLCertificate.State.CURRENT]
    response = HttpResponse(row.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="tobira-saml-{organization.pk}.pem"'
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- Refusals ----------------------------------------------------------------------------------


def _refuse(request, organization, reason: str, *, provider=None, issuer: str = "", status=400):
    """Audit (``ApplicationSignInRefused``) and say why, on a page: nothing goes to the service
    provider, which may not be who the request claims."""
    application = provider.application if provider is not None else None
    audit.record(
        Event.APPLICATION_SIGNIN_REFUSED,
        request=request,
        actor=access.portal_user(request, organization),
        account_id=organization.management_account_id,
        request_parameters={
            "applicationId": application.application_id if application else None,
            "protocol": Application.Protocol.SAML,
            "spEntityId": (provider.entity_id if provider else issuer)[:256],
        },
        error_code=reason,
        error_message="Sign-in to the application refused.",
    )
    return render(
        request,
        "sso/saml/refused.html",
        {"organization": organization, "application": application, "reason": reason},
        status=status,
    )


# --- SP-initiated ------------------------------------------------------------------------------


def _verified_request(request, organization, binding: str, params) -> dict:
    """The checks of an AuthnRequest, in order; what of it is needed afterwards, or Refused.

    ``params`` holds SAMLRequest, RelayState and, for HTTP-Redirect, SigAlg and Signature."""
    relay_state = params.get("RelayState", "")
    if len(relay_state) > MAX_RELAY_STATE or not relay_state.isprintable():
        raise Refused(Reason.MALFORMED)
    xml = idp.decode_request(params.get("SAMLRequest", ""), binding)
    server = idp.server_for(organization)
    message = idp.parse_request(server, xml)
    issuer = message.issuer.text.strip()
    provider = (
        SAMLServiceProvider.objects.select_related("application__organization")
        .filter(organization=organization, entity_id=issuer)
        .first()
    )
    if provider is None:
        raise _WithIssuer(Reason.UNKNOWN_SP, issuer)
    try:
        signed = message.signature is not None  # verified by parse_request
        if binding == BINDING_HTTP_REDIRECT and "Signature" in params:
            if not idp.redirect_signature_ok(
                request.META.get("QUERY_STRING", ""),
                params.get("SigAlg", ""),
                params.get("Signature", ""),
                provider.signing_certificate,
            ):
                raise Refused(Reason.BAD_SIGNATURE)
            signed = True
        if not signed and not provider.allow_unsigned_requests:
            raise Refused(Reason.UNSIGNED)
        if not idp.issue_instant_ok(message):
            raise Refused(Reason.ISSUE_INSTANT)
        if message.protocol_binding not in (None, BINDING_HTTP_POST):
            raise Refused(Reason.UNSUPPORTED_BINDING)
        acs = _consumer_url(provider, message)
        if not idp.first_use(organization, issuer, message.id):
            raise Refused(Reason.REPLAYED)
    except Refused as refusal:
        raise _WithProvider(refusal.reason, provider) from None
    return {
        "sp": provider.pk,
        "id": message.id,
        "acs": acs,
        "relay": relay_state,
        "force": str(message.force_authn).lower() in ("true", "1"),
        "at": int(time.time()),
    }


class _WithIssuer(Refused):
    def __init__(self, reason, issuer):
        super().__init__(reason)
        self.issuer = issuer


class _WithProvider(Refused):
    def __init__(self, reason, provider):
        super().__init__(reason)
        self.provider = provider


def _consumer_url(provider: SAMLServiceProvider, message) -> str:
    """The ACS URL named in the request, only if registered exactly; by index; else the first
    registered."""
    url = message.assertion_consumer_service_url
    index = message.assertion_consumer_service_index
    if url is not None:
        if url not in provider.acs_urls:
            raise Refused(Reason.UNREGISTERED_ACS)
        return url
    if index is not None:
        try:
            position = int(index)
        except ValueError:
            raise Refused(Reason.UNREGISTERED_ACS) from None
        if not 0 <= position < len(provider.acs_urls):
            raise Refused(Reason.UNREGISTERED_ACS)
        return provider.acs_urls[position]
    return provider.acs_urls[0]


def _refusal_of(request, organization, refusal: Refused):
    return _refuse(
        request,
        organization,
        refusal.reason,
        provider=getattr(refusal, "provider", None),
        issuer=getattr(refusal, "issuer", ""),
    )


@csrf_exempt  # the HTTP-POST binding comes from the service provider's page, by design
@never_cache
@require_http_methods(["GET", "POST"])
def sso(request, organization_id: str):
    """SP-initiated single sign-on."""
    organization = _organization(organization_id)
    if request.method == "POST":
        try:
            pending = _verified_request(request, organization, BINDING_HTTP_POST, request.POST)
        except Refused as refusal:
            return _refusal_of(request, organization, refusal)
        handoff = secrets.token_urlsafe(24)
        cache.set(f"saml-handoff:{organization.pk}:{handoff}", pending, timeout=HANDOFF_TTL)
        url = reverse("applications:saml_sso", args=[organization.pk])
        response = redirect(url + "?" + urlencode({"handoff": handoff}))
        response.status_code = 303
        return response
    if "resume" in request.GET:
        token = request.GET["resume"]
        pending = pending_requests.get(request, token)
        if pending is None:
            return _refuse(request, organization, Reason.EXPIRED)
        return _continue(request, organization, token, pending)
    if "handoff" in request.GET:
        key = f"saml-handoff:{organization.pk}:{request.GET['handoff'][:64]}"
        pending = cache.get(key)
        if pending is None or not cache.delete(key):  # single use: the first GET claims it
            return _refuse(request, organization, Reason.EXPIRED)
        return _continue(request, organization, pending_requests.keep(request, pending), pending)
    try:
        pending = _verified_request(request, organization, BINDING_HTTP_REDIRECT, request.GET)
    except Refused as refusal:
        return _refusal_of(request, organization, refusal)
    return _continue(request, organization, pending_requests.keep(request, pending), pending)


def _continue(request, organization, token: str, pending: dict):
    """The access decision for a verified request; the response once it is PROCEED."""
    provider = (
        SAMLServiceProvider.objects.select_related("application__organization")
        .filter(organization=organization, pk=pending["sp"])
        .first()
    )
    if provider is None:  # deleted meanwhile
        pending_requests.drop(request, token)
        return _refuse(request, organization, Reason.UNKNOWN_SP)
    application = provider.application
    resume_url = (
        reverse("applications:saml_sso", args=[organization.pk])
        + "?"
        + urlencode({"resume": token})
    )
    # ForceAuthn: a sign-in since the request satisfies it (no loop once it happened).
    force = pending["force"] and not pending.get("signed_in")
    decision = access.decide(request, application, force_login=force)
    if decision.outcome == access.Outcome.SIGN_IN:
        return access.sign_in(request, organization, resume_url, again=force)
    if decision.outcome == access.Outcome.STEP_UP:
        return access.step_up(request, decision.user, application, resume_url)
    pending_requests.drop(request, token)
    if decision.outcome == access.Outcome.DENIED:
        return access.refuse(request, application, decision)
    return _issue(
        request,
        provider,
        decision.user,
        in_response_to=pending["id"],
        acs=pending["acs"],
        relay_state=pending["relay"],
    )


# --- The response ------------------------------------------------------------------------------


def _authn_class(request) -> str:
    return idp.MFA_CLASS if authn_state.mfa_present(request) else idp.PASSWORD_CLASS


def _issue(request, provider, user, *, in_response_to, acs, relay_state):
    """Sign (and encrypt) the response, audit it, and hand it to the browser for the ACS."""
    organization = provider.organization
    subject = idp.name_id(organization, provider, user)
    if subject is None:
        return _refuse(request, organization, Reason.NO_EMAIL, provider=provider, status=403)
    record = authn_state.signin_record(request)
    authn_class = _authn_class(request)
    saml_response = idp.create_response(
        idp.server_for(organization),
        provider,
        subject=subject,
        attributes=Attributes(user).mapped(provider.attribute_mappings),
        in_response_to=in_response_to,
        destination=acs,
        authn_class=authn_class,
        authn_instant=int(record["at"]),
    )
    application = provider.application
    audit.record(
        Event.SAML_ASSERTION_ISSUED,
        request=request,
        actor=user,
        account_id=organization.management_account_id,
        request_parameters={
            "applicationId": application.application_id,
            "spEntityId": provider.entity_id,
            "initiatedBy": "SP" if in_response_to else "IdP",
            "acsUrl": acs,
        },
        response_elements={
            "nameIdFormat": provider.name_id_format,
            "authnContextClassRef": authn_class,
            "encrypted": provider.encrypt_assertion,
        },
        additional_event_data={"amr": list(record.get("amr", []))},
    )
    return _post_page(
        request,
        {
            "application": application,
            "acs": acs,
            "saml_response": saml_response,
            "relay_state": relay_state,
        },
    )


# The one page whose policy has no form-action: its form goes to the service provider's ACS, and
# form-action also governs every redirect that follows the POST (Chromium checks each hop), so
# the ACS's own redirect into the application, often to another origin (signin.aws.amazon.com/saml
# to console.aws.amazon.com), would be blocked and the person left here, signed in at the service
# provider but not let through. No list of origins can name where a service provider sends people
# next. Everything on the page is escaped (the relay state that came with the request too), and
# the rest of the policy stays: no inline script, 'self' only. (tests/browser/test_csp_browser.py)
@csp_replace({"form-action": None})
def _post_page(request, context: dict):
    response = render(request, "sso/saml/post.html", context)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- IdP-initiated -----------------------------------------------------------------------------

# Navigations a person made on this site (the portal's tile, a bookmark, the address bar):
# Fetch metadata says so. Anything else (another site's link, a browser without the header)
# gets a button to press first, so no other site can have a response posted to the
# application without the person meaning it.
USER_INITIATED = {"same-origin", "none"}


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def start(request, organization_id: str, application_id: str):
    """IdP-initiated single sign-on to ``application_id`` (a SAML application)."""
    organization = _organization(organization_id)
    application = selectors.application_get(organization, application_id)
    if application.protocol != Application.Protocol.SAML:
        raise Http404
    provider = application.saml
    decision = access.decide(request, application)
    if decision.outcome == access.Outcome.SIGN_IN:
        return access.sign_in(request, organization, request.path)
    if decision.outcome == access.Outcome.STEP_UP:
        return access.step_up(request, decision.user, application, request.path)
    if decision.outcome == access.Outcome.DENIED:
        return access.refuse(request, application, decision)
    if request.method == "GET" and request.headers.get("Sec-Fetch-Site") not in USER_INITIATED:
        return render(request, "sso/saml/start.html", {"application": application})
    return _issue(
        request,
        provider,
        decision.user,
        in_response_to=None,
        acs=provider.acs_urls[0],
        relay_state=provider.default_relay_state,
    )
