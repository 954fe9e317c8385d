"""Identity Center: its home, its settings and the external identity provider."""

from __future__ import annotations

from functools import cached_property

from django.urls import reverse
from django.utils.translation import gettext as _

from identity.authorization import AnyOf
from sso import selectors as sso_selectors
from sso import services
from sso.applications import selectors as app_selectors

from ..forms.sso import ExternalIdPForm, SettingsForm
from .sso_base import INSTANCE, DirectoryPage, on_instance


class SSOHome(DirectoryPage):
    permission = on_instance("sso:DescribeInstance")
    template_name = "console/sso/home.html"
    active = "home"

    def get(self, request, *args, **kwargs):
        organization = self.organization
        return self.render_page(
            portal_url=request.build_absolute_uri(reverse("sso:portal", args=[organization.pk])),
            settings=services.settings_for(organization),
            idp=sso_selectors.external_idp(organization),
            counts=sso_selectors.directory_counts(organization),
            application_count=app_selectors.application_count(organization),
            instance_arn=self.directory.instance_arn,
            store_arn=self.directory.store_arn,
        )


class SSOSettings(DirectoryPage):
    permission = on_instance("sso:DescribeInstance")
    post_permission = on_instance("sso:UpdateInstance")
    template_name = "console/sso/settings.html"
    active = "settings"
    form_class = SettingsForm

    def get_initial(self):
        return SettingsForm.initial_from(services.settings_for(self.organization))

    def perform(self, data):
        services.settings_update(
            actor=self.request.user,
            organization=self.organization,
            values={name: data[name] for name in SettingsForm.FIELDS},
            request=self.request,
        )

    def success_message(self, result):
        return _("The Identity Center settings were saved.")

    def success_url(self, result):
        return reverse("console:sso_settings")

    def get_context_data(self, **context):
        return super().get_context_data(
            has_idp=sso_selectors.has_external_idp(self.organization), **context
        )


class SSOIdentityProvider(DirectoryPage):
    permission = on_instance("sso:DescribeTrustedTokenIssuer")
    post_permission = AnyOf(
        {
            "create": on_instance("sso:CreateTrustedTokenIssuer"),
            "update": on_instance("sso:UpdateTrustedTokenIssuer"),
        },
        doc="`sso:CreateTrustedTokenIssuer` (first save) or `sso:UpdateTrustedTokenIssuer`",
        resource_doc=INSTANCE,
    )
    template_name = "console/sso/idp.html"
    active = "idp"
    form_class = ExternalIdPForm
    sensitive_post_parameters = ("client_secret",)

    @cached_property
    def current(self):
        return sso_selectors.external_idp(self.organization)

    def load_within(self):
        self.current  # noqa: B018

    def post(self, request, *args, **kwargs):
        self.require(self.post_permission["update" if self.current else "create"])
        return super().post(request, *args, **kwargs)

    def get_form(self, data=None):
        current = self.current
        if data is not None:
            return ExternalIdPForm(data, has_secret=current is not None)
        if current is None:
            return ExternalIdPForm()
        return ExternalIdPForm(
            has_secret=True,
            initial={
                "name": current.name,
                "issuer": current.issuer,
                "client_id": current.client_id,
                "match_by_email": current.match_by_email,
                "jit_provisioning": current.jit_provisioning,
            },
        )

    def perform(self, data):
        services.external_idp_put(
            actor=self.request.user,
            organization=self.organization,
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            client_secret=data["client_secret"],
            match_by_email=data["match_by_email"],
            jit_provisioning=data["jit_provisioning"],
            request=self.request,
        )

    def success_message(self, result):
        return _("The external identity provider was saved.")

    def success_url(self, result):
        return reverse("console:sso_idp")

    def get_context_data(self, **context):
        current, organization = self.current, self.organization
        provider_id = current.provider_id if current else organization.pk.replace("o-", "org-")
        callback_url = self.request.build_absolute_uri(
            reverse("sso_oidc:callback", args=[provider_id])
        )
        return super().get_context_data(
            idp=current,
            callback_url=callback_url,
            settings=services.settings_for(organization),
            **context,
        )
