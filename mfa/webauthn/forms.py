from __future__ import annotations

from django import forms


class WebAuthnResponseForm(forms.Form):
    """What the page's script posts: the browser's ``PublicKeyCredential.toJSON()``."""

    credential = forms.CharField(max_length=65536, widget=forms.HiddenInput, strip=False)
