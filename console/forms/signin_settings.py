from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SigninSettingsForm(forms.Form):
    """The account's sign-in settings (``identity.services.account_signin_settings_set``)."""

    passkey_signin = forms.BooleanField(
        label=_("IAM users may sign in with a passkey alone"),
        required=False,
        help_text=_(
            "Off by default. When on, an IAM user with console access who registered a passkey "
            "can sign in with it without typing a user name or password. The passkey must "
            "verify the person (PIN, fingerprint or face): it then counts as both the password "
            "and MFA. Keys that only detect a touch still work as MFA after the password."
        ),
    )
