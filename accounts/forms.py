from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from identity import passwords

from .backends import canonical

SIGNIN_FAILED_MESSAGE = _("Your authentication information is incorrect. Please try again.")
PASSWORD_EXPIRED_MESSAGE = _(
    "Your password has expired, and this account's password policy lets only an administrator "
    "reset it. Ask an administrator of the account to set a new password for you."
)
SIGNIN_THROTTLED_MESSAGE = _("Too many sign-in attempts. Wait a few minutes, then try again.")


def password_field(label, autocomplete: str, *, required: bool = True, **attrs) -> forms.CharField:
    """A password box: never stripped, never shown again, at most 4096 characters (argon2 hashes
    what it gets); ``autocomplete`` tells password managers what it is (current or new)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete, **attrs}),
    )


class RootSignInForm(forms.Form):
    mode = "root"
    email = forms.CharField(
        label=_("Root user email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = password_field(_("Password"), "current-password")

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
    password = password_field(_("Password"), "current-password")

    def rate_limit_key(self, account_id: str | None) -> str:
        # Keyed by the resolved account when there is one, so the id and the
        # alias of one account share a bucket.
        account = account_id or canonical(self.cleaned_data["account"])
        return f"iam:{account}:{canonical(self.cleaned_data['user_name'])}"


class ChangePasswordForm(forms.Form):
    old_password = password_field(_("Current password"), "current-password", autofocus=True)
    new_password1 = password_field(_("New password"), "new-password")
    new_password1.help_text = password_validation.password_validators_help_text_html()  # lazy
    new_password2 = password_field(_("Confirm new password"), "new-password")

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
                    passwords.validate_password(new1, self.user)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        return cleaned
