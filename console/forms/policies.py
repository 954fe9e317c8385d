"""Forms of the policy pages: the JSON editor, attachments, the simulator, SCPs."""

from __future__ import annotations

import hashlib
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.policies import services as policy_services

_EXAMPLE_POLICY = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadUsers",
      "Effect": "Allow",
      "Action": ["iam:GetUser", "iam:ListUsers"],
      "Resource": "*"
    }
  ]
}"""


def _document_field(**kwargs):
    return forms.CharField(
        label=_("Policy document (JSON)"),
        max_length=32768,  # the largest policy is 6,144 characters without whitespace
        strip=False,
        widget=forms.Textarea(
            attrs={"rows": 18, "spellcheck": "false", "class": "code-editor", "autocomplete": "off"}
        ),
        **kwargs,
    )


class DocumentForm(forms.Form):
    """A form with the JSON policy editor (``console/_policy_editor.html``).

    What the engine refuses is an error on the document, from the service. A valid document
    may have parts that match nothing, or not as they seem (``identity.policy.warnings``): AWS
    stores such documents and its console shows Access Analyzer's findings beside the editor
    before one saves. Here the first submission of such a document comes back with its warnings
    and a box to tick; ticked, the same text is saved with them. The box carries a digest of the
    text it was shown for, so a document changed since needs a new look.
    """

    scp = False  # SCPs: the SCP editor's warnings
    save_with_warnings = forms.CharField(required=False, widget=forms.HiddenInput)
    document_warnings: tuple[tuple[str, str], ...] = ()
    warnings_seen = ""  # the digest of the text whose warnings are shown

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields.get("document")
        if field is not None and not self.is_bound:  # a stored document opened: its warnings
            self._find_warnings(self.get_initial_for_field(field, "document"))

    def _find_warnings(self, document) -> None:
        if document:
            self.document_warnings = tuple(
                policy_services.document_warnings(document, scp=self.scp)
            )
            if self.document_warnings:
                self.warnings_seen = hashlib.sha256(document.encode()).hexdigest()

    def clean(self):
        cleaned = super().clean()
        self._find_warnings(cleaned.get("document"))
        if self.document_warnings and cleaned.get("save_with_warnings") != self.warnings_seen:
            self.add_error(
                "save_with_warnings",
                _(
                    "Change these parts, or tick “Save with these warnings” to save the "
                    "policy as it is."
                ),
            )
        return cleaned

    @property
    def warnings_acknowledged(self) -> bool:
        return (
            bool(self.warnings_seen) and self.data.get("save_with_warnings") == self.warnings_seen
        )


class PolicyCreateForm(DocumentForm):
    name = forms.CharField(
        label=_("Policy name"),
        max_length=128,
        help_text=_("Letters, digits and + = , . @ _ -. Unique within the account."),
    )
    description = forms.CharField(
        label=_("Description (optional)"), max_length=1000, required=False
    )
    document = _document_field(initial=_EXAMPLE_POLICY)


class PolicyVersionForm(DocumentForm):
    document = _document_field()
    set_default = forms.BooleanField(
        label=_("Set as the default version"), required=False, initial=True
    )


class InlinePolicyForm(DocumentForm):
    name = forms.CharField(label=_("Policy name"), max_length=128)
    document = _document_field(initial=_EXAMPLE_POLICY)


class AttachPolicyForm(forms.Form):
    """Which managed policy to attach: nothing is chosen until the person chooses.

    ``choices`` are ``(group label, [(arn, name), ...])`` pairs (customer managed first); the
    empty "Choose a policy" comes first and is refused, so a careless click grants nothing.
    ``static/js/policy-picker.js`` adds a filter box; without JavaScript the select works alone.
    """

    policy_arn = forms.ChoiceField(
        label=_("Policy"),
        error_messages={"required": _("Choose a policy to attach.")},
        widget=forms.Select(attrs={"data-filter": _("Filter policies by name")}),
    )

    def __init__(self, choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["policy_arn"].choices = [("", _("Choose a policy")), *choices]

    def offer_only(self, allowed_arns) -> None:
        """Show only the policies the principal may attach (after validation: display only)."""
        field = self.fields["policy_arn"]
        field.choices = [
            (label, [(arn, name) for arn, name in group if arn in allowed_arns])
            if isinstance(group, (list, tuple))
            else (label, group)
            for label, group in field.choices
        ]


class PolicyAttachTargetForm(forms.Form):
    """Attach a policy from its own page: to one user or one group, nothing chosen at first."""

    target = forms.ChoiceField(
        label=_("Attach to"),
        error_messages={"required": _("Choose a user or group to attach the policy to.")},
        widget=forms.Select(attrs={"data-filter": _("Filter users and groups by name")}),
    )

    def __init__(self, users, groups, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [
            ("", _("Choose a user or group")),
            *([(_("Users"), [(f"user:{u.name}", u.name) for u in users])] if users else []),
            *([(_("Groups"), [(f"group:{g.name}", g.name) for g in groups])] if groups else []),
        ]


class SimulatorForm(forms.Form):
    user = forms.ChoiceField(label=_("User"))
    actions = forms.CharField(
        label=_("Actions"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text=_("One per line, for example iam:CreateUser."),
    )
    resource = forms.CharField(
        label=_("Resource ARN"),
        max_length=2048,
        initial="*",
        help_text=_("For example arn:aws:iam::123456789012:user/alice, or * for any."),
    )
    mfa = forms.BooleanField(label=_("Signed in with MFA"), required=False)
    context = forms.CharField(
        label=_("Other context keys (optional)"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("One per line: key=value, for example aws:SourceIp=203.0.113.7."),
    )

    def __init__(self, users, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(u.name, u.name) for u in users]

    def clean_actions(self):
        actions = [a.strip() for a in self.cleaned_data["actions"].splitlines() if a.strip()]
        if not actions or len(actions) > 50:
            raise ValidationError(_("Enter 1 to 50 actions."))
        for action in actions:
            if not re.fullmatch(r"[A-Za-z0-9-]+:[A-Za-z0-9]+", action):
                raise ValidationError(
                    _("%(action)s is not service:Action.") % {"action": action[:64]}
                )
        return actions

    def clean_context(self):
        values = {}
        for line in self.cleaned_data["context"].splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not re.fullmatch(r"[A-Za-z0-9:/_.\-]{1,128}", key.strip()):
                raise ValidationError(_("Write each context key as key=value."))
            values[key.strip()] = value.strip()
        return values


class SCPCreateForm(DocumentForm):
    scp = True
    name = forms.CharField(label=_("Policy name"), max_length=128)
    description = forms.CharField(label=_("Description (optional)"), max_length=512, required=False)
    document = _document_field(
        initial="""{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyLeavingTheOrganization",
      "Effect": "Deny",
      "Action": "organizations:LeaveOrganization",
      "Resource": "*"
    }
  ]
}"""
    )
