"""Forms every kind of MFA device shares, and the sign-in's MFA step."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import password_field
from mfa.models import DEVICE_NAME_VALIDATOR


class DeviceNameField(forms.CharField):
    """An MFA device name, trimmed and checked against AWS's pattern."""

    def __init__(self, **kwargs):
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


class MFARemoveForm(forms.Form):
    """The owner re-enters their password before a device goes."""

    password = password_field(_("Your password"), "current-password", autofocus=True)
