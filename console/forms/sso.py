"""Forms of the administrator's Identity Center pages (``console.views``).

They check the shape of what was typed; the services of ``sso.services`` decide the rest
(uniqueness, passwords, policies) and raise ``ValidationError`` that the views put back on
these forms.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.forms import password_field
from identity.models import USER_NAME_VALIDATOR
from identity.policies import catalog
from sso import services
from sso.models import SSOSettings

from .common import _PasswordPairMixin
from .policies import DocumentForm

_CODE_ATTRS = {"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"}


class SettingsForm(forms.Form):
    """The organization's ``SSOSettings``: identity source and MFA for its people."""

    identity_source = forms.ChoiceField(
        label=_("Where people sign in"),
        choices=SSOSettings.IdentitySource.choices,
        widget=forms.RadioSelect,
    )
    mfa_prompt = forms.ChoiceField(
        label=_("Prompt users for MFA"),
        choices=SSOSettings.MFAPrompt.choices,
        widget=forms.RadioSelect,
    )
    mfa_no_device = forms.ChoiceField(
        label=_("If a user does not yet have a registered MFA device"),
        choices=SSOSettings.NoDevice.choices,
        widget=forms.RadioSelect,
    )
    allow_authenticator_apps = forms.BooleanField(label=_("Authenticator apps"), required=False)
    allow_security_keys = forms.BooleanField(
        label=_("Security keys and built-in authenticators (passkeys)"), required=False
    )
    users_manage_devices = forms.BooleanField(
        label=_("Users can add and manage their own MFA devices"), required=False
    )
    passkey_signin = forms.BooleanField(
        label=_("People may sign in to the access portal with a passkey alone"),
        required=False,
        help_text=_(
            "Off by default. For the Identity Center directory only (an external identity "
            "provider signs people in itself). The passkey must verify the person (PIN, "
            "fingerprint or face): it then counts as both the password and MFA."
        ),
    )

    FIELDS = services.SETTINGS_FIELDS

    @classmethod
    def initial_from(cls, current: SSOSettings) -> dict:
        return {name: getattr(current, name) for name in cls.FIELDS}


def validate_issuer(value: str) -> None:
    """An OpenID Connect issuer: https, or plain http on this machine while developing."""
    parts = urlsplit(value)
    local = (
        settings.SSO_OIDC_ALLOW_HTTP
        and parts.scheme == "http"
        and parts.hostname in ("127.0.0.1", "localhost")
    )
    if parts.scheme != "https" and not local:
        raise ValidationError(
            _("The issuer URL must start with https:// (http:// only for localhost or 127.0.0.1)."),
            code="scheme",
        )
    if not parts.hostname:
        raise ValidationError(_("Enter the issuer URL with its host name."), code="host")
    if parts.query or parts.fragment:
        raise ValidationError(
            _("An issuer URL has no query string or fragment (no ? or #)."), code="query"
        )


class IssuerField(forms.URLField):
    default_validators = []  # Django's URLValidator refuses http://localhost; ours decides

    def __init__(self, **kwargs):
        super().__init__(assume_scheme="https", validators=[validate_issuer], **kwargs)


class ExternalIdPForm(forms.Form):
    name = forms.CharField(
        label=_("Display name"),
        max_length=64,
        help_text=_("Shown on the sign-in button of the access portal, for example Okta."),
    )
    issuer = IssuerField(
        label=_("Issuer URL"),
        max_length=512,
        help_text=_(
            "The provider's issuer; its discovery document is at "
            "ISSUER/.well-known/openid-configuration."
        ),
        widget=forms.URLInput(attrs={**_CODE_ATTRS, "placeholder": "https://"}),
    )
    client_id = forms.CharField(
        label=_("Client ID"), max_length=255, widget=forms.TextInput(attrs=_CODE_ATTRS)
    )
    client_secret = forms.CharField(
        label=_("Client secret"),
        max_length=1024,
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}, render_value=False),
    )
    match_by_email = forms.BooleanField(
        label=_("Match existing users by their verified email address"),
        required=False,
        help_text=_(
            "Only with a provider where nobody but your organization's people can have a "
            "verified address of your domains: the first person to show an address gets the "
            "directory user who has it."
        ),
    )
    jit_provisioning = forms.BooleanField(
        label=_("Create a directory user at their first sign-in (just-in-time provisioning)"),
        required=False,
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["client_secret"]
        if has_secret:
            field.help_text = _("Stored encrypted and never shown. Leave empty to keep it.")
        else:
            field.help_text = _("Stored encrypted and never shown again.")


class SSOUserCreateForm(_PasswordPairMixin, forms.Form):
    name = forms.CharField(
        label=_("Username"),
        max_length=64,
        validators=[USER_NAME_VALIDATOR],
        help_text=_(
            "What the person types in the access portal. Up to 64 letters, digits and "
            "+ = , . @ _ - characters; not case-sensitive."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Unique in the directory. The external identity provider matches it."),
    )
    password1 = password_field(_("Initial password (optional)"), "new-password", required=False)
    password2 = password_field(_("Confirm the initial password"), "new-password", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = _(
            "With a password, the user signs in to the access portal and must change it at "
            "first sign-in. Without one, they sign in only through the external identity "
            "provider."
        )


class SSOGroupCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Group name"),
        max_length=128,
        help_text=_("Unique in the directory; not case-sensitive."),
    )
    description = forms.CharField(
        label=_("Description (optional)"), max_length=1024, required=False
    )


class GroupMemberAddForm(forms.Form):
    user_name = forms.CharField(
        label=_("Add a member by username"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )


def _duration_choices():
    """Evaluated each time the choices are read: in the language of the request."""
    return [
        (hours, ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
        for hours in range(1, 13)
    ]


def parse_policy_references(text: str) -> list[dict]:
    """``/path/Name`` or ``Name`` per line to ``[{"name", "path"}]`` (the service validates)."""
    refs = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        path, _sep, name = line.rpartition("/")
        if path:
            path = "/" + path.strip("/") + "/"
        refs.append({"name": name, "path": path or "/"})
    return refs


def format_policy_references(refs: list[dict]) -> str:
    return "\n".join(
        f"{ref['path']}{ref['name']}" if ref.get("path", "/") != "/" else ref["name"]
        for ref in refs
    )


class PermissionSetForm(DocumentForm):
    """Create (with a name) or edit (the name stays, as AWS) a permission set. Its inline policy
    shows the editor's warnings, and saves with them once they are seen (``DocumentForm``)."""

    name = forms.CharField(
        label=_("Permission set name"),
        max_length=32,
        help_text=_(
            "Up to 32 letters, digits and + = , . @ _ - characters. It cannot be changed later: "
            "the role in each account is named after it."
        ),
    )
    description = forms.CharField(label=_("Description (optional)"), max_length=700, required=False)
    session_duration_hours = forms.TypedChoiceField(
        label=_("Session duration"),
        coerce=int,
        choices=_duration_choices,
        initial=1,
        help_text=_("How long a console session opened from the access portal lasts."),
    )
    managed_policy_arns = forms.MultipleChoiceField(
        label=_("AWS managed policies"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    customer_policy_refs = forms.CharField(
        label=_("Customer managed policy references (optional)"),
        max_length=8000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, **_CODE_ATTRS}),
        help_text=_(
            "One per line: the policy name, or its path and name such as /engineering/ReadLogs. "
            "Each account needs a customer managed policy with that path and name; where it has "
            "none, the reference grants nothing."
        ),
    )
    document = forms.CharField(
        label=_("Inline policy (JSON, optional)"),
        max_length=65536,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14, "class": "code-editor", **_CODE_ATTRS}),
    )

    # The service names the fields after the model; the form, after what people see.
    SERVICE_FIELDS = {"inline_policy": "document"}

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["managed_policy_arns"].choices = [
            (p.arn, p.name) for p in catalog.aws_managed_policies()
        ]
        if editing:
            name = self.fields["name"]
            name.disabled = True
            name.help_text = _("A permission set's name cannot be changed.")

    def clean_customer_policy_refs(self):
        return parse_policy_references(self.cleaned_data["customer_policy_refs"])

    @staticmethod
    def initial_from(permission_set) -> dict:
        return {
            "name": permission_set.name,
            "description": permission_set.description,
            "session_duration_hours": permission_set.session_duration_hours,
            "managed_policy_arns": list(permission_set.managed_policy_arns),
            "customer_policy_refs": format_policy_references(permission_set.customer_policy_refs),
            "document": permission_set.inline_policy,
        }


class AssignmentForm(forms.Form):
    """Who (a user or a group, by name) may use which permission set in which account."""

    PRINCIPAL_USER = "user"
    PRINCIPAL_GROUP = "group"

    account = forms.ChoiceField(label=_("AWS account"))
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
    permission_set = forms.ChoiceField(label=_("Permission set"))

    def __init__(self, accounts, permission_sets, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(a.pk, f"{a.name} ({a.pk})") for a in accounts]
        self.fields["permission_set"].choices = [
            (ps.permission_set_id, ps.name) for ps in permission_sets
        ]
