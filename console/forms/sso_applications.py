"""Forms of the Identity Center's *Applications* pages (``console.views.sso_applications``).

They check the shape of what was typed (one URI per line, ``claim = source`` lines, numbers in
range, a metadata document that parses); ``sso.applications.services`` decides the rest (https
redirect URIs, grant combinations, unique names and entity IDs) and raises ``ValidationError``
that the views put back on these fields.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from sso.applications import sp_metadata
from sso.applications.models import Application, OIDCClient, SAMLServiceProvider
from sso.applications.services import ATTRIBUTE_SOURCES, OIDC_FIELDS, SECRET_OVERLAP

_CODE_ATTRS = {"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"}
MAX_LINES_TEXT = 20_000


# --- Lines of text ------------------------------------------------------------------------


def parse_lines(text: str) -> list[str]:
    """One value per line, blank lines skipped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_mappings(text: str) -> dict[str, str]:
    """``name = source`` per line to ``{name: source}``; the sources are ATTRIBUTE_SOURCES."""
    mappings: dict[str, str] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        name, sep, source = line.partition("=")
        name, source = name.strip(), source.strip()
        if not sep or not name or not source:
            raise ValidationError(
                _("Line %(n)d: write name = source, for example department = groups."),
                params={"n": number},
                code="syntax",
            )
        if source not in ATTRIBUTE_SOURCES:
            raise ValidationError(
                _("Line %(n)d: %(source)s is not a source. Use one of: %(sources)s."),
                params={"n": number, "source": source[:64], "sources": sources_text()},
                code="source",
            )
        if name in mappings:
            raise ValidationError(
                _("Line %(n)d: %(name)s is mapped twice."),
                params={"n": number, "name": name[:64]},
                code="duplicate",
            )
        mappings[name] = source
    return mappings


def format_mappings(mappings: dict) -> str:
    return "\n".join(f"{name} = {source}" for name, source in (mappings or {}).items())


def sources_text() -> str:
    return ", ".join(ATTRIBUTE_SOURCES)


def _lines_field(label, help_text, rows=3, required=False):
    return forms.CharField(
        label=label,
        required=required,
        max_length=MAX_LINES_TEXT,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, **_CODE_ATTRS}),
    )


def _mappings_help(kind):
    # Evaluated when the form is built: in the request's language, with the current sources.
    return _("Optional. One per line, as name = source; the sources are %(sources)s. %(kind)s") % {
        "sources": sources_text(),
        "kind": kind,
    }


# --- What both protocols share --------------------------------------------------------------


class _ApplicationFields(forms.Form):
    name = forms.CharField(
        label=_("Application name"),
        max_length=128,
        help_text=_("Shown to people on their access portal tile. Unique in the organization."),
    )
    description = forms.CharField(label=_("Description (optional)"), max_length=512, required=False)
    require_mfa = forms.BooleanField(
        label=_("Require MFA to sign in to this application"),
        required=False,
        help_text=_("People who signed in without MFA are asked for it before they continue."),
    )
    mfa_max_age_minutes = forms.IntegerField(
        label=_("Require an MFA step within the last N minutes (optional)"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        help_text=_(
            "For sensitive applications: an older MFA step is asked again (step-up). "
            "Implies the rule above. From 1 to 1440 minutes."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mfa_max_age_minutes"):
            cleaned["require_mfa"] = True
        return cleaned

    APPLICATION_FIELDS = ("name", "description", "require_mfa", "mfa_max_age_minutes")


# --- OpenID Connect ---------------------------------------------------------------------------

CLIENT_TYPE_CHOICES = [
    (
        OIDCClient.CLIENT_CONFIDENTIAL,
        _("Confidential: a web application with a server that keeps a client secret"),
    ),
    (
        OIDCClient.CLIENT_PUBLIC,
        _("Public: a single-page or native app that cannot keep a secret (PKCE is required)"),
    ),
]

LIFETIMES = {
    "access_token_seconds": (60, 24 * 3600, 3600),
    "id_token_seconds": (60, 24 * 3600, 3600),
    "refresh_token_seconds": (300, 365 * 24 * 3600, 30 * 24 * 3600),
}


class OIDCApplicationForm(_ApplicationFields):
    """Create (with the client type) or edit (the client type stays) an OpenID Connect
    application."""

    client_type = forms.ChoiceField(
        label=_("Client type"),
        choices=CLIENT_TYPE_CHOICES,
        initial=OIDCClient.CLIENT_CONFIDENTIAL,
        widget=forms.RadioSelect,
    )
    redirect_uris = _lines_field(
        _("Redirect URIs"),
        _(
            "One per line: where the application receives the sign-in result. Matched exactly; "
            "https:// (http:// only for localhost or 127.0.0.1), no wildcard or fragment."
        ),
    )
    post_logout_redirect_uris = _lines_field(
        _("Post-logout redirect URIs (optional)"),
        _("One per line: where people may be sent back after signing out of the application."),
        rows=2,
    )
    grant_types = forms.MultipleChoiceField(
        label=_("Grant types"),
        choices=OIDCClient.Grant.choices,
        initial=[OIDCClient.Grant.AUTHORIZATION_CODE, OIDCClient.Grant.REFRESH_TOKEN],
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Authorization code is how people sign in. Client credentials is for a "
            "confidential client acting on its own behalf, without a person."
        ),
    )
    skip_authorization = forms.BooleanField(
        label=_("Skip the consent screen (first-party application)"),
        required=False,
        help_text=_(
            "Only for your organization's own applications: people are not asked to agree."
        ),
    )
    algorithm = forms.ChoiceField(
        label=_("ID token signing algorithm"),
        choices=OIDCClient.IDTokenAlgorithm.choices,
        initial=OIDCClient.IDTokenAlgorithm.RS256,
        help_text=_("RS256 is understood by every library; ES256 gives shorter tokens."),
    )
    require_pkce = forms.BooleanField(
        label=_("Require PKCE (S256)"),
        required=False,
        initial=True,
        help_text=_("Always on for public clients."),
    )
    access_token_seconds = forms.IntegerField(
        label=_("Access token lifetime (seconds)"), min_value=60, max_value=24 * 3600, initial=3600
    )
    id_token_seconds = forms.IntegerField(
        label=_("ID token lifetime (seconds)"), min_value=60, max_value=24 * 3600, initial=3600
    )
    refresh_token_seconds = forms.IntegerField(
        label=_("Refresh token lifetime (seconds)"),
        min_value=300,
        max_value=365 * 24 * 3600,
        initial=30 * 24 * 3600,
    )
    start_url = forms.URLField(
        label=_("Start URL (optional)"),
        max_length=1024,
        required=False,
        assume_scheme="https",
        validators=[URLValidator(schemes=["https", "http"])],
        help_text=_(
            "Where the access portal's tile opens the application, usually its sign-in page. "
            "Without one, the application has no tile link."
        ),
        widget=forms.URLInput(attrs={**_CODE_ATTRS, "placeholder": "https://"}),
    )
    claim_mappings = _lines_field(_("Custom claims"), "", rows=3)

    OIDC_FIELDS = OIDC_FIELDS  # the client's settings the service takes

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["claim_mappings"].help_text = _mappings_help(
            _(
                "Added to the ID token and userinfo; standard claims such as email cannot be replaced."
            )
        )
        if editing:
            del self.fields["client_type"]

    def clean_redirect_uris(self):
        return parse_lines(self.cleaned_data["redirect_uris"])

    def clean_post_logout_redirect_uris(self):
        return parse_lines(self.cleaned_data["post_logout_redirect_uris"])

    def clean_claim_mappings(self):
        return parse_mappings(self.cleaned_data["claim_mappings"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("client_type") == OIDCClient.CLIENT_PUBLIC:
            cleaned["require_pkce"] = True
        return cleaned

    def service_options(self) -> dict:
        """What the services take, from the cleaned data."""
        data = self.cleaned_data
        names = (*self.APPLICATION_FIELDS, "start_url", *self.OIDC_FIELDS)
        return {name: data[name] for name in names if name in data}

    @staticmethod
    def initial_from(application: Application) -> dict:
        client = application.oidc
        return {
            "name": application.name,
            "description": application.description,
            "require_mfa": application.require_mfa,
            "mfa_max_age_minutes": application.mfa_max_age_minutes,
            "start_url": application.start_url,
            "redirect_uris": "\n".join(client.redirect_uris.split()),
            "post_logout_redirect_uris": "\n".join(client.post_logout_redirect_uris.split()),
            "grant_types": list(client.grant_types),
            "skip_authorization": client.skip_authorization,
            "algorithm": client.algorithm,
            "require_pkce": client.require_pkce,
            "access_token_seconds": client.access_token_seconds,
            "id_token_seconds": client.id_token_seconds,
            "refresh_token_seconds": client.refresh_token_seconds,
            "claim_mappings": format_mappings(client.claim_mappings),
        }


# --- SAML 2.0 ---------------------------------------------------------------------------------


class SAMLApplicationForm(_ApplicationFields):
    """Create or edit a SAML 2.0 application: from the service provider's metadata (uploaded
    or pasted), or from its entity ID and ACS URLs typed by hand; what is typed wins."""

    metadata_file = forms.FileField(
        label=_("Service provider metadata file (optional)"),
        required=False,
        help_text=_("The XML file the application offers, often called metadata.xml."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )
    metadata_xml = forms.CharField(
        label=_("Or paste the metadata XML (optional)"),
        required=False,
        strip=False,
        max_length=sp_metadata.MAX_BYTES,
        widget=forms.Textarea(attrs={"rows": 5, "class": "code-editor", **_CODE_ATTRS}),
    )
    entity_id = forms.CharField(
        label=_("Entity ID"),
        required=False,
        max_length=1024,
        help_text=_(
            "The service provider's identifier (its Issuer). Taken from the metadata when you give it."
        ),
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )
    acs_urls = _lines_field(
        _("Assertion consumer service (ACS) URLs"),
        _(
            "One per line, HTTP-POST binding: where the signed response is posted. Taken from "
            "the metadata when you give it."
        ),
    )
    signing_certificate = forms.CharField(
        label=_("Service provider signing certificate (PEM, optional)"),
        required=False,
        max_length=16 * 1024,
        help_text=_("Verifies its signed AuthnRequests. Taken from the metadata when it has one."),
        widget=forms.Textarea(attrs={"rows": 3, **_CODE_ATTRS}),
    )
    encryption_certificate = forms.CharField(
        label=_("Service provider encryption certificate (PEM, optional)"),
        required=False,
        max_length=16 * 1024,
        help_text=_("Needed to encrypt assertions. Taken from the metadata when it has one."),
        widget=forms.Textarea(attrs={"rows": 3, **_CODE_ATTRS}),
    )
    name_id_format = forms.ChoiceField(
        label=_("NameID format"),
        choices=SAMLServiceProvider.NameIDFormat.choices,
        initial=SAMLServiceProvider.NameIDFormat.PERSISTENT,
        help_text=_(
            "Persistent: a stable random identifier per user (recommended). Email address: the "
            "user's address, which can change."
        ),
    )
    attribute_mappings = _lines_field(_("Attributes"), "", rows=3)
    sign_response = forms.BooleanField(label=_("Sign the response"), required=False, initial=True)
    sign_assertion = forms.BooleanField(label=_("Sign the assertion"), required=False, initial=True)
    encrypt_assertion = forms.BooleanField(
        label=_("Encrypt the assertion"),
        required=False,
        help_text=_("Needs the service provider's encryption certificate."),
    )
    allow_unsigned_requests = forms.BooleanField(
        label=_("Accept unsigned AuthnRequests"),
        required=False,
        help_text=_(
            "Only for service providers that cannot sign their requests: anyone could then "
            "start a sign-in to it in someone's name. Refused when the metadata says its "
            "requests are signed."
        ),
    )
    default_relay_state = forms.CharField(
        label=_("Default relay state (optional)"),
        required=False,
        max_length=1024,
        help_text=_("Where the application goes after a sign-in started from the access portal."),
        widget=forms.TextInput(attrs=_CODE_ATTRS),
    )

    SAML_FIELDS = (
        "entity_id",
        "acs_urls",
        "signing_certificate",
        "encryption_certificate",
        "name_id_format",
        "attribute_mappings",
        "sign_response",
        "sign_assertion",
        "encrypt_assertion",
        "allow_unsigned_requests",
        "default_relay_state",
        "metadata_xml",
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.editing = editing
        self.fields["attribute_mappings"].help_text = _mappings_help(
            _("Sent as attributes of the assertion.")
        )
        if editing:
            self.fields["metadata_xml"].help_text = _(
                "Paste or upload new metadata to replace the entity ID, URLs and certificates."
            )

    def clean_acs_urls(self):
        return parse_lines(self.cleaned_data["acs_urls"])

    def clean_attribute_mappings(self):
        return parse_mappings(self.cleaned_data["attribute_mappings"])

    def _certificate(self, name: str) -> str:
        try:
            return sp_metadata.pem_certificate(self.cleaned_data[name])
        except sp_metadata.MetadataError as error:
            raise ValidationError(str(error), code="certificate") from None

    def clean_signing_certificate(self):
        if not self.cleaned_data["signing_certificate"].strip():
            return ""
        return self._certificate("signing_certificate")

    def clean_encryption_certificate(self):
        if not self.cleaned_data["encryption_certificate"].strip():
            return ""
        return self._certificate("encryption_certificate")

    def clean_metadata_file(self):
        upload = self.cleaned_data.get("metadata_file")
        if not upload:
            return None
        if upload.size > sp_metadata.MAX_BYTES:
            raise ValidationError(
                _("The metadata is larger than %(kb)d KB: it cannot be a service provider's."),
                params={"kb": sp_metadata.MAX_BYTES // 1024},
                code="size",
            )
        return upload.read(sp_metadata.MAX_BYTES + 1)

    def _metadata(self, cleaned) -> sp_metadata.SPMetadata | None:
        """The metadata given (the file first, else the text), parsed; None when none was."""
        uploaded = cleaned.get("metadata_file")
        document = uploaded if uploaded is not None else cleaned.get("metadata_xml") or ""
        if not document.strip():
            return None
        field = "metadata_file" if uploaded is not None else "metadata_xml"
        try:
            metadata = sp_metadata.parse(document)
        except sp_metadata.MetadataError as error:
            self.add_error(field, str(error))
            return None
        if uploaded is not None:
            # Kept as text, so that a refusal elsewhere shows it again in the text area (a
            # browser never sends a file twice).
            text = uploaded.decode("utf-8", errors="replace")
            cleaned["metadata_xml"] = text
            self.data = self.data.copy()
            self.data[self.add_prefix("metadata_xml")] = text
        return metadata

    def clean(self):
        cleaned = super().clean()
        self.metadata = metadata = self._metadata(cleaned)
        if self.errors.get("metadata_file") or self.errors.get("metadata_xml"):
            return cleaned
        if metadata is None:
            cleaned["metadata_xml"] = ""
        else:
            # What the metadata says wins; what it lacks is taken from what was typed.
            cleaned["entity_id"] = metadata.entity_id
            cleaned["acs_urls"] = list(metadata.acs_urls)
            for name in ("signing_certificate", "encryption_certificate"):
                cleaned[name] = getattr(metadata, name) or cleaned.get(name, "")
            known = dict(SAMLServiceProvider.NameIDFormat.choices)
            offered = [f for f in metadata.name_id_formats if f in known]
            chosen = cleaned.get("name_id_format")
            if offered and chosen and chosen not in offered:
                self.add_error(
                    "name_id_format",
                    _("The service provider's metadata asks for: %(formats)s. Choose it.")
                    % {"formats": ", ".join(str(known[f]) for f in offered)},
                )
            if metadata.authn_requests_signed and cleaned.get("allow_unsigned_requests"):
                self.add_error(
                    "allow_unsigned_requests",
                    _("The metadata says this service provider signs its requests."),
                )
        if "entity_id" in cleaned and not cleaned["entity_id"]:
            self.add_error(
                "entity_id", _("Enter the entity ID, or give the service provider's metadata.")
            )
        if "acs_urls" in cleaned and not cleaned["acs_urls"]:
            self.add_error(
                "acs_urls",
                _("Enter at least one ACS URL, or give the service provider's metadata."),
            )
        if (
            "signing_certificate" in cleaned
            and not cleaned["signing_certificate"]
            and not cleaned.get("allow_unsigned_requests")
            and "allow_unsigned_requests" not in self.errors
        ):
            self.add_error(
                "signing_certificate",
                _(
                    "Without the service provider's signing certificate its requests cannot be "
                    "verified: give the certificate (or metadata that has it), or accept "
                    "unsigned AuthnRequests below."
                ),
            )
        return cleaned

    def service_options(self) -> dict:
        data = self.cleaned_data
        options = {name: data[name] for name in (*self.APPLICATION_FIELDS, *self.SAML_FIELDS)}
        if self.metadata is None and self.editing:
            del options["metadata_xml"]  # no new document: the stored one stays
        return options

    @staticmethod
    def initial_from(application: Application) -> dict:
        provider = application.saml
        return {
            "name": application.name,
            "description": application.description,
            "require_mfa": application.require_mfa,
            "mfa_max_age_minutes": application.mfa_max_age_minutes,
            "entity_id": provider.entity_id,
            "acs_urls": "\n".join(provider.acs_urls),
            "signing_certificate": provider.signing_certificate,
            "encryption_certificate": provider.encryption_certificate,
            "name_id_format": provider.name_id_format,
            "attribute_mappings": format_mappings(provider.attribute_mappings),
            "sign_response": provider.sign_response,
            "sign_assertion": provider.sign_assertion,
            "encrypt_assertion": provider.encrypt_assertion,
            "allow_unsigned_requests": provider.allow_unsigned_requests,
            "default_relay_state": provider.default_relay_state,
        }


# --- Assignments and the secret ---------------------------------------------------------------


class ApplicationAssignmentForm(forms.Form):
    PRINCIPAL_USER = "user"
    PRINCIPAL_GROUP = "group"

    principal_type = forms.ChoiceField(
        label=_("Assign to"),
        choices=[(PRINCIPAL_USER, _("User")), (PRINCIPAL_GROUP, _("Group"))],
        initial=PRINCIPAL_USER,
        widget=forms.RadioSelect,
    )
    principal_name = forms.CharField(
        label=_("Username or group name"),
        max_length=128,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


SECRET_OVERLAP_HOURS = int(SECRET_OVERLAP.total_seconds() // 3600)
