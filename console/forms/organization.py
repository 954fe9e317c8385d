"""Forms of the organization's pages: sign-up, a new account, root MFA enforcement and reset."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import password_field
from identity.models import ACCOUNT_ALIAS_VALIDATOR, E164_VALIDATOR
from identity.selectors import organizational_unit_paths, organizational_units_in_tree_order

from .common import DeleteConfirmForm, _PasswordPairMixin


class AliasField(forms.CharField):
    """An account alias: lowercased before it is validated, None when left empty."""

    def __init__(self, **kwargs):
        super().__init__(
            max_length=63, required=False, validators=[ACCOUNT_ALIAS_VALIDATOR], **kwargs
        )

    def to_python(self, value):
        value = super().to_python(value).lower()
        return value or None


class SignUpForm(_PasswordPairMixin, forms.Form):
    organization_name = forms.CharField(label=_("Organization name"), max_length=128)
    account_name = forms.CharField(
        label=_("Management account name"),
        max_length=50,
        help_text=_("For example: Example Corp management"),
    )
    root_email = forms.EmailField(label=_("Root user email address"), max_length=254)
    alias = AliasField(
        label=_("Account alias (optional)"),
        help_text=_("Used in the sign-in URL instead of the 12-digit account ID."),
    )
    password1 = password_field(_("Root user password"), "new-password")
    password2 = password_field(_("Confirm root user password"), "new-password")


class AccountCreateForm(_PasswordPairMixin, forms.Form):
    name = forms.CharField(label=_("Account name"), max_length=50)
    root_email = forms.EmailField(
        label=_("Email address of the account's root user"),
        max_length=254,
        help_text=_("Must not belong to any other account."),
    )
    alias = AliasField(label=_("Account alias (optional)"))
    contact_phone = forms.CharField(
        label=_("Contact phone (optional)"),
        max_length=16,
        required=False,
        validators=[E164_VALIDATOR],
        help_text=_(
            "International form, for example +81312345678. Used to confirm identity during recovery."
        ),
    )
    password1 = password_field(_("Root user password (optional)"), "new-password", required=False)
    password2 = password_field(_("Confirm root user password"), "new-password", required=False)


class RootMFAWaveForm(forms.Form):
    """Schedule root MFA enforcement for the management account or a wave of member accounts:
    all of them, chosen ones, or those in chosen OUs (their whole subtrees)."""

    scope = forms.ChoiceField(label=_("Accounts"), widget=forms.RadioSelect)
    accounts = forms.ModelMultipleChoiceField(
        label=_("Member accounts"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only with “Chosen member accounts”."),
    )
    organizational_units = forms.MultipleChoiceField(
        label=_("Organizational units"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only with “Member accounts in chosen OUs”: every member account in these OUs and "
            "in the OUs below them, including accounts moved or added there later."
        ),
    )
    start = forms.DateField(
        label=_("Start date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "Root users of these accounts are asked to register MFA from this day. A wave can "
            "be cancelled until it starts: one that starts today starts at once."
        ),
    )
    grace_days = forms.IntegerField(
        label=_("Grace period (days)"),
        min_value=1,
        max_value=365,
        help_text=_("Counted from each root user's first prompt. After it, MFA is mandatory."),
    )

    def __init__(self, organization, units, *args, **kwargs):
        """``units``: the organization's OUs (``identity.selectors.organizational_units``)."""
        from mfa.models import RootMFAWave

        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = RootMFAWave.Scope.choices
        self.fields["accounts"].queryset = (
            organization.accounts.exclude(pk=organization.management_account_id)
            .select_related("organization")
            .order_by("name", "id")
        )
        self.fields["accounts"].label_from_instance = lambda account: (
            f"{account.name} ({account.id})"
        )
        paths = organizational_unit_paths(units)
        self.units = {unit.pk: unit for unit in units}
        self.fields["organizational_units"].choices = [
            (unit.pk, f"{paths[unit.pk]} ({unit.pk})")
            for unit, _depth in organizational_units_in_tree_order(units)
        ]
        if not units:  # nothing to choose: the scope is not offered either
            self.fields["scope"].choices = [
                choice for choice in RootMFAWave.Scope.choices if choice[0] != RootMFAWave.Scope.OUS
            ]
            del self.fields["organizational_units"]

    def clean_organizational_units(self):
        return [self.units[pk] for pk in self.cleaned_data["organizational_units"]]


class RootMFAResetForm(DeleteConfirmForm):
    """The account ID typed, and the acting root user's password again."""

    password = forms.CharField(
        label=_("Your password"),
        max_length=4096,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, account_id: str, *args, **kwargs):
        super().__init__(account_id, *args, label=_("To confirm, enter the account ID"), **kwargs)


class OrganizationalUnitNameForm(forms.Form):
    """A new OU's name, or an OU's new name."""

    name = forms.CharField(
        label=_("OU name"),
        max_length=128,
        help_text=_(
            "1 to 128 characters. Two OUs in the same place cannot share a name, whatever "
            "the capitals."
        ),
    )


class OrganizationalUnitDeleteForm(DeleteConfirmForm):
    """Deleting an OU: its name typed."""

    def __init__(self, name: str, *args, **kwargs):
        super().__init__(name, *args, label=_("To confirm, enter the OU's name"), **kwargs)


class AccountMoveForm(forms.Form):
    """Where an account goes: the root or an OU (shown with its path)."""

    destination = forms.ChoiceField(label=_("Move to"))

    def __init__(self, root_id: str, units, current_id: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        paths = organizational_unit_paths(units)
        self.units = {unit.pk: unit for unit in units}
        self.root_id = root_id
        choices = [(root_id, _("Root (%(id)s)") % {"id": root_id})] + [
            (unit.pk, f"{paths[unit.pk]} ({unit.pk})")
            for unit, _depth in organizational_units_in_tree_order(units)
        ]
        self.fields["destination"].choices = [
            (value, _("%(place)s — where it is now") % {"place": label})
            if value == current_id
            else (value, label)
            for value, label in choices
        ]

    def clean_destination(self):
        """The OU, or None for the root."""
        value = self.cleaned_data["destination"]
        return None if value == self.root_id else self.units[value]


class RootAccessKeysForm(forms.Form):
    """Allow or forbid root users' access keys: the setting's new value (the opposite of the
    current one, in a hidden field) and the administrator's acknowledgement."""

    allowed = forms.TypedChoiceField(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        widget=forms.HiddenInput,
    )
    understand = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm the change.")},
    )

    def __init__(self, currently_allowed: bool, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allowed"].initial = "false" if currently_allowed else "true"
        self.fields["understand"].label = (
            _(
                "I understand that no root user of the organization's accounts can create an "
                "access key any more, and that the root access keys that exist keep working "
                "until their root users delete them."
            )
            if currently_allowed
            else _(
                "I understand that the root users of every account of the organization can "
                "then create access keys, which no policy can limit."
            )
        )
