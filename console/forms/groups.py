"""Forms of the IAM group pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class GroupCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Group name"),
        max_length=128,
        help_text=_("Letters, digits and + = , . @ _ -. Unique within the account."),
    )
    path = forms.CharField(label=_("Path (optional)"), max_length=512, initial="/", required=False)


class GroupMemberForm(forms.Form):
    user = forms.ChoiceField(label=_("User"))

    def __init__(self, users, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.name, u.name) for u in users]
