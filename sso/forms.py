from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PortalSignInForm(forms.Form):
    user_name = forms.CharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "spellcheck": "false",
                "autocapitalize": "none",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OpenSessionForm(forms.Form):
    account = forms.RegexField(regex=r"^[0-9]{12}$")
    permission_set = forms.IntegerField(min_value=1)
