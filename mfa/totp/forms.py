from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mfa.base.forms import RefusedCodesMixin, code_field


class MFAEnableForm(RefusedCodesMixin, forms.Form):
    code_fields = ("code1", "code2")
    code1 = code_field(_("MFA code 1"))
    code2 = code_field(
        _("MFA code 2"),
        help_text=_("Wait for the next code (about 30 seconds), then type it here."),
    )
