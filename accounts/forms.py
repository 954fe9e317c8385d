from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from .backends import canonical

SIGNIN_FAILED_MESSAGE = _("Your authentication information is incorrect. Please try again.")
SIGNIN_THROTTLED_MESSAGE = _("Too many sign-in attempts. Wait a few minutes, then try again.")


def _password_field(label, autocomplete: str, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, **attrs}),
    )


class DeviceNameField(forms.CharField):
    """An MFA device name, trimmed and checked against AWS's pattern."""

    def __init__(self, **kwargs):
        from .mfa.models import DEVICE_NAME_VALIDATOR

        kwargs.setdefault("label", _("Device name"))
        kwargs.setdefault(
            "help_text", _("Unique within the account. Letters, digits and + = , . @ _ -.")
        )
        super().__init__(max_length=128, validators=[DEVICE_NAME_VALIDATOR], **kwargs)


def code_field(label, *, help_text=None, autocomplete="one-time-code") -> forms.CharField:
    """One TOTP code (6 digits; the service says what is wrong with it)."""
    return forms.CharField(
        label=label,
        max_length=16,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, "inputmode": "numeric"}),
    )


class RootSignInForm(forms.Form):
    mode = "root"
    email = forms.CharField(
        label=_("Root user email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = _password_field(_("Password"), "current-password")

    def rate_limit_key(self, account_id: str | None) -> str:
        return "root:" + canonical(self.cleaned_data["email"])


class IAMSignInForm(forms.Form):
    mode = "iam"
    account = forms.CharField(
        label=_("Account ID (12 digits) or account alias"),
        max_length=63,
        widget=forms.TextInput(
            attrs={"autocomplete": "organization", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    user_name = forms.CharField(
        label=_("IAM user name"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    password = _password_field(_("Password"), "current-password")

    def rate_limit_key(self, account_id: str | None) -> str:
        # Keyed by the resolved account when there is one, so the id and the
        # alias of one account share a bucket.
        account = account_id or canonical(self.cleaned_data["account"])
        return f"iam:{account}:{canonical(self.cleaned_data['user_name'])}"


class ChangePasswordForm(forms.Form):
    old_password = _password_field(_("Current password"), "current-password", autofocus=True)
    new_password1 = _password_field(_("New password"), "new-password")
    new_password1.help_text = password_validation.password_validators_help_text_html()  # lazy
    new_password2 = _password_field(_("Confirm new password"), "new-password")

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        old, new1, new2 = (
            cleaned.get(k) for k in ("old_password", "new_password1", "new_password2")
        )
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", _("The two new passwords do not match."))
        elif new1:
            if old and new1 == old:
                self.add_error(
                    "new_password1", _("The new password must be different from the current one.")
                )
            else:
                try:
                    password_validation.validate_password(new1, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned


class RefusedCodesMixin:
    """A refused TOTP code is never right again: the page says why and shows empty fields."""

    code_fields: tuple[str, ...] = ()

    def refuse(self, message) -> None:
        self.add_error(None, message)
        self.data = self.data.copy()  # the request's QueryDict is immutable
        for name in self.code_fields:
            self.data[name] = ""


class MFACodeForm(RefusedCodesMixin, forms.Form):
    code_fields = ("code",)
    device = forms.TypedChoiceField(label=_("MFA device"), coerce=int, widget=forms.RadioSelect)
    code = forms.CharField(
        label=_("MFA code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, devices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (device.pk, f"{device.name} ({device.get_kind_display()})") for device in devices
        ]
        self.fields["device"].choices = choices
        if choices:
            self.fields["device"].initial = choices[0][0]


class MFAAssignForm(forms.Form):
    WEBAUTHN, APP = "webauthn", "app"
    device_type = forms.ChoiceField(
        label=_("Device type"),
        choices=[
            (WEBAUTHN, _("Passkey or security key")),
            (APP, _("Authenticator app")),
        ],
        initial=APP,
        required=False,  # an authenticator app when not chosen
        widget=forms.RadioSelect,
    )
    name = DeviceNameField(
        required=False,
        help_text=_(
            "Unique within the account. Letters, digits and + = , . @ _ -. "
            "Leave it empty for a passkey or security key: it is named after the authenticator, "
            "for example alice-YubiKey-5-NFC."
        ),
    )

    def __init__(self, *args, app_suggestion: str, allowed: frozenset[str] | None = None, **kwargs):
        kwargs.setdefault("initial", {"device_type": self.APP, "name": app_suggestion})
        super().__init__(*args, **kwargs)
        if allowed is not None:  # an SSO organization's allowed kinds
            kind_of = {self.WEBAUTHN: "webauthn", self.APP: "virtual"}
            field = self.fields["device_type"]
            field.choices = [c for c in field.choices if kind_of[c[0]] in allowed]
            if "virtual" not in allowed:
                self.initial["device_type"] = self.WEBAUTHN
        self.app_suggestion = app_suggestion
        self.fields["name"].widget.attrs["data-app-suggestion"] = app_suggestion

    def clean(self):
        cleaned = super().clean()
        name, kind = cleaned.get("name", ""), cleaned.get("device_type") or self.APP
        cleaned["device_type"] = kind
        if kind == self.WEBAUTHN and name == self.app_suggestion:
            name = ""  # the app's suggestion does not name a passkey
        elif kind == self.APP and not name:
            name = self.app_suggestion
        cleaned["name"] = name
        return cleaned


class MFARenameForm(forms.Form):
    name = DeviceNameField()


class WebAuthnResponseForm(forms.Form):
    """What the page's script posts: the browser's ``PublicKeyCredential.toJSON()``."""

    credential = forms.CharField(max_length=65536, widget=forms.HiddenInput, strip=False)


class MFAEnableForm(RefusedCodesMixin, forms.Form):
    code_fields = ("code1", "code2")
    code1 = code_field(_("MFA code 1"))
    code2 = code_field(
        _("MFA code 2"),
        help_text=_("Wait for the next code (about 30 seconds), then type it here."),
    )


class MFARemoveForm(forms.Form):
    """The owner re-enters their password before a device goes."""

    password = _password_field(_("Your password"), "current-password", autofocus=True)


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
