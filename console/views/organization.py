"""The organization's pages: a new member account, root MFA enforcement, and whether root
users may hold access keys."""

from __future__ import annotations

from functools import cached_property

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from identity import selectors, services
from identity.authorization import Permission
from identity.credentials import selectors as credential_selectors
from identity.credentials import services as credential_services
from mfa.enforcement import services as enforcement
from mfa.models import RootMFAWave

from ..base import OrganizationPage, organization_arn, page_of
from ..forms.organization import AccountCreateForm, RootAccessKeysForm, RootMFAWaveForm


def _on_organization(action: str, note: str = "") -> Permission:
    return Permission(action, organization_arn, "`ORG`", note=note)


class AccountCreate(OrganizationPage):
    """Only the management account's principals may add accounts to an organization."""

    permission = _on_organization("organizations:CreateAccount")
    template_name = "console/account_create.html"
    form_class = AccountCreateForm
    bare_errors_to = "password1"
    sensitive_post_parameters = ("password1", "password2")

    def perform(self, data):
        return services.account_create(
            actor=self.request.user,
            organization=self.organization,
            name=data["name"],
            root_email=data["root_email"],
            alias=data["alias"],
            contact_phone=data["contact_phone"],
            root_password=data["password1"] or None,
            request=self.request,
        )

    def success_message(self, account):
        return _("Account %(id)s (%(name)s) was added.") % {"id": account.id, "name": account.name}

    def success_url(self, account):
        return reverse("console:account_detail", kwargs={"account_id": account.id})


class RootMFA(OrganizationPage):
    """Root MFA enforcement of the organization: the waves, a new wave, every account's status."""

    permission = _on_organization("organizations:DescribeRootMFAEnforcement")
    post_permission = _on_organization("organizations:EnableRootMFAEnforcement")
    template_name = "console/root_mfa.html"
    form_class = RootMFAWaveForm

    @cached_property
    def units(self):
        """The organization's OUs: the form's choices, and where each account sits."""
        return selectors.organizational_units(self.organization)

    def form_args(self):
        return (self.organization, self.units)

    def get_initial(self):
        return {
            "scope": RootMFAWave.Scope.ALL_MEMBERS
            if enforcement.has_management_wave(self.organization)
            else RootMFAWave.Scope.MANAGEMENT,
            "start": timezone.localdate(),
            "grace_days": enforcement.default_grace_days(),
        }

    def perform(self, data):
        return enforcement.wave_create(
            actor=self.request.user,
            organization=self.organization,
            scope=data["scope"],
            accounts=list(data["accounts"]),
            organizational_units=data.get("organizational_units", []),
            start=data["start"],
            grace_days=data["grace_days"],
            request=self.request,
        )

    def success_message(self, wave):
        return _("Root MFA enforcement was scheduled from %(date)s.") % {
            "date": date_format(timezone.localdate(wave.starts_at), "DATE_FORMAT")
        }

    def success_url(self, wave):
        return reverse("console:root_mfa")

    def get_context_data(self, **context):
        waves = enforcement.organization_waves(self.organization.pk)
        page = page_of(
            self.request, enforcement.organization_accounts_with_status(self.organization)
        )
        return super().get_context_data(
            waves=waves,
            now=timezone.now(),
            page=page,
            rows=enforcement.statuses(page.object_list, waves, units=self.units),
            **context,
        )


class RootMFAWaveCancel(OrganizationPage):
    """Cancel a wave that has not started (409 with the reason when it has)."""

    permission = _on_organization("organizations:DisableRootMFAEnforcement")
    template_name = "console/root_mfa_wave_cancel.html"

    @cached_property
    def wave(self):
        return enforcement.organization_wave_get(self.organization, self.kwargs["wave_id"])

    def load_within(self):
        self.wave  # noqa: B018 - looked up once the principal may cancel waves at all

    def get(self, request, *args, **kwargs):
        return self.render_page(error=None)

    def post(self, request, *args, **kwargs):
        try:
            enforcement.wave_cancel(actor=request.user, wave=self.wave, request=request)
        except ValidationError as exc:
            self.status = 409
            return self.render_page(error=exc.messages[0])
        return self.succeeded(self.wave)

    def success_message(self, wave):
        return _("The enforcement wave was cancelled.")

    def success_url(self, wave):
        return reverse("console:root_mfa")

    def get_context_data(self, **context):
        return super().get_context_data(wave=self.wave, **context)


class RootAccessKeys(OrganizationPage):
    """Whether the root users of the organization's accounts may create access keys (AWS lets
    them, with a warning). Allowed by default; only the management account's root user
    changes it (the service refuses anyone else), with a confirmation, audited."""

    permission = _on_organization("organizations:DescribeOrganization")
    post_permission = _on_organization(
        "organizations:UpdateRootAccessKeysSetting",
        note="(and only the management account's root user)",
    )
    template_name = "console/root_access_keys.html"
    form_class = RootAccessKeysForm
    bare_errors_to = None

    def form_args(self):
        return (self.organization.root_access_keys_allowed,)

    def perform(self, data):
        credential_services.root_access_keys_setting_set(
            actor=self.request.user,
            organization=self.organization,
            allowed=data["allowed"],
            request=self.request,
        )
        return data["allowed"]

    def success_message(self, allowed):
        if allowed:
            return _("Root users of the organization's accounts can create access keys again.")
        return _("Root users of the organization's accounts can no longer create access keys.")

    def success_url(self, allowed):
        return reverse("console:root_access_keys")

    def get_context_data(self, **context):
        principal = self.request.user
        return super().get_context_data(
            can_change=principal.is_root
            and principal.account_id == self.organization.management_account_id,
            root_key_count=credential_selectors.organization_root_access_key_count(
                self.organization
            ),
            **context,
        )
