"""The forms of credentials for programs, on the Security credentials page and on an
administrator's user page alike: create an access key, upload an SSH public key or a signing
certificate, change a status, and the typed confirmation before deleting an access key."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.credentials.models import Status


class AccessKeyCreateForm(forms.Form):
    """Nothing to fill in, except for a root user: AWS's acknowledgement first."""

    def __init__(self, *args, root: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if root:
            self.fields["understand"] = forms.BooleanField(
                label=_(
                    "I understand creating a root access key is not a best practice, but I "
                    "still want to create one."
                ),
                error_messages={
                    "required": _("Tick the box to confirm that you still want a root access key.")
                },
            )


class _PastedBodyForm(forms.Form):
    """A pasted key or certificate. A refused paste is never shown back: it may be a private
    key pasted by mistake, or a megabyte of anything."""

    def forget_body(self) -> None:
        data = self.data.copy()
        data.pop("body", None)
        self.data = data


class SSHPublicKeyUploadForm(_PastedBodyForm):
    body = forms.CharField(
        label=_("SSH public key"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Paste the content of your public key file, for example ~/.ssh/id_ed25519.pub: one "
            "line that starts with ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp256. A PEM public key "
            "works too. RSA keys need at least 2048 bits. Never paste the private key (the "
            "file without .pub)."
        ),
    )


class SigningCertificateUploadForm(_PastedBodyForm):
    body = forms.CharField(
        label=_("Certificate body"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "Paste the PEM-encoded X.509 certificate, from -----BEGIN CERTIFICATE----- to "
            "-----END CERTIFICATE-----. Only the certificate: never its private key."
        ),
    )


class StatusForm(forms.Form):
    """The Activate and Deactivate buttons: the status the button asks for."""

    status = forms.ChoiceField(choices=Status.choices)
    # Deactivating from the delete page goes back there, to delete.
    then = forms.ChoiceField(choices=[("", ""), ("delete", "delete")], required=False)


class TypedConfirmationForm(forms.Form):
    """Deleting an access key: the person types its id, as AWS asks."""

    confirmation = forms.CharField(label=_("Access key ID"), max_length=128)

    def __init__(self, expected: str, *args, **kwargs):
        self.expected = expected
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].widget.attrs.update(
            {"autocomplete": "off", "spellcheck": "false"}
        )

    def clean_confirmation(self):
        value = self.cleaned_data["confirmation"].strip()
        if value != self.expected:
            raise ValidationError(
                _("The access key ID you entered does not match."), code="mismatch"
            )
        return value
