"""What the console's forms share: passwords, the typed confirmation, a service's errors."""

from __future__ import annotations

import secrets
import string

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "!@#$%^&*()_+-=[]{}|'"


def generate_password(length: int = 20) -> str:
    """A console password that passes the validators: every character class present."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if (
            candidate[0] not in "=+-@"  # a spreadsheet opening the .csv would run a formula
            and any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(not c.isalnum() for c in candidate)
        ):
            return candidate


class _PasswordPairMixin:
    """Two password fields that must match; validated by the service with the user."""

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and first != second:
            self.add_error("password2", _("The two passwords do not match."))
        return cleaned


class DeleteConfirmForm(forms.Form):
    """Destructive actions ask the person to type the object's name."""

    confirmation = forms.CharField(
        label=_("To confirm deletion, enter the user name"), max_length=128
    )

    def __init__(self, expected: str, *args, label=None, **kwargs):
        self.expected = expected
        super().__init__(*args, **kwargs)
        if label is not None:
            self.fields["confirmation"].label = label

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value.lower() != self.expected.lower():
            raise ValidationError(_("The name you entered does not match."), code="mismatch")
        return value


def apply_service_errors(
    form, error: ValidationError, *, bare_errors_to: str | None = None, rename: dict | None = None
) -> None:
    """Put a service's ``ValidationError`` on the form: each field's errors on that field (named
    as the form names it, through ``rename``), unknown fields' and bare errors at the top or on
    ``bare_errors_to``."""
    if not hasattr(error, "error_dict"):
        form.add_error(bare_errors_to, error.error_list)
        return
    for field, errors in error.error_dict.items():
        field = (rename or {}).get(field, field)
        form.add_error(field if field in form.fields else None, errors)
