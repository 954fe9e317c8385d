from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class PasswordPolicyForm(forms.Form):
    """AWS's settings; the service checks the ranges (and so does the API)."""

    minimum_password_length = forms.IntegerField(
        label=_("Minimum password length"),
        initial=8,
        help_text=_("From 8 to 128 characters. Tobira itself never accepts fewer than 12."),
    )
    require_uppercase_characters = forms.BooleanField(
        label=_("Require at least one uppercase letter from the Latin alphabet (A–Z)"),
        required=False,
    )
    require_lowercase_characters = forms.BooleanField(
        label=_("Require at least one lowercase letter from the Latin alphabet (a–z)"),
        required=False,
    )
    require_numbers = forms.BooleanField(
        label=_("Require at least one number (0–9)"), required=False
    )
    require_symbols = forms.BooleanField(
        label=_(
            "Require at least one non-alphanumeric character ( ! @ # $ % ^ & * ( ) _ + - = [ ] { } | ' )"
        ),
        required=False,
    )
    allow_users_to_change_password = forms.BooleanField(
        label=_("Allow users to change their own password"),
        required=False,
        help_text=_(
            "Off: a user changes their own password only when a policy allows iam:ChangePassword."
        ),
    )
    max_password_age = forms.IntegerField(
        label=_("Password expires after (days)"),
        required=False,
        help_text=_("From 1 to 1095 days; empty: passwords never expire."),
    )
    hard_expiry = forms.BooleanField(
        label=_("Password expiration requires administrator reset"),
        required=False,
        help_text=_("An expired password cannot be changed by its user, nor used to sign in."),
    )
    password_reuse_prevention = forms.IntegerField(
        label=_("Prevent password reuse: the number of previous passwords"),
        required=False,
        help_text=_("From 1 to 24; empty: previous passwords may be used again."),
    )


class PasswordPolicyDeleteForm(forms.Form):
    pass
