"""Identity Center: the organization's applications (OpenID Connect clients and SAML 2.0
service providers), who may sign in to them, and their client secrets.

A client secret is in the clear only in the one response that shows it, after the creation of
a confidential client or a rotation: rendered straight from the POST (never put in the
session or a redirect), with ``Cache-Control: no-store``; the database keeps its SHA-256, and
the audit events name the client, never the secret. The methods that hold it are
``sensitive_variables`` so that an error report cannot show it either.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.debug import sensitive_variables

from sso import selectors as sso_selectors
from sso.applications import selectors as app_selectors
from sso.applications import services as app_services
from sso.applications.models import Application, OIDCClient
from sso.applications.oidc.validator import issuer_of

from ..base import page_of
from ..forms.common import DeleteConfirmForm
from ..forms.sso_applications import (
    SECRET_OVERLAP_HOURS,
    ApplicationAssignmentForm,
    OIDCApplicationForm,
    SAMLApplicationForm,
)
from ..lists import Column, ListPage
from .sso_base import DirectoryPage, on_instance

# --- Where relying parties and service providers find the organization ------------------------


def _base_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def issuer_url(request, organization) -> str:
    """The organization's OpenID Connect issuer, as the provider names it (same host)."""
    return issuer_of(request, organization.pk)


def endpoints(request, application: Application) -> dict:
    """What the application's administrator configures on the other side."""
    organization = application.organization
    if application.protocol == Application.Protocol.OIDC:
        issuer = issuer_url(request, organization)
        return {
            "issuer": issuer,
            "discovery": issuer + "/.well-known/openid-configuration",
            "jwks": issuer + "/jwks",
        }
    base = _base_url(request)
    return {
        "saml_metadata": base + reverse("applications:saml_metadata", args=[organization.pk]),
        "saml_certificate": base + reverse("applications:saml_certificate", args=[organization.pk]),
        "saml_start": base
        + reverse("applications:saml_start", args=[organization.pk, application.application_id]),
    }


@dataclass(frozen=True)
class Created:
    application: Application
    client: OIDCClient | None = None
    secret: str | None = None


# --- Pages --------------------------------------------------------------------------------------


class ApplicationPage(DirectoryPage):
    """A page of one application (``application_id`` in the URL), looked up within the
    organization once the page's action is allowed on the instance."""

    active = "applications"

    def load_within(self):
        self.application = app_selectors.application_get(
            self.organization, self.kwargs["application_id"]
        )

    def get_context_data(self, **context):
        return super().get_context_data(application=self.application, **context)

    def detail_url(self) -> str:
        return reverse("console:sso_application_detail", args=[self.application.application_id])


def _client_or_entity_id(application) -> str:
    return (
        application.oidc.client_id if application.protocol == "oidc" else application.saml.entity_id
    )


APPLICATION_COLUMNS = (
    Column("name", _l("Application"), (Lower("name"),), lambda app: app.name),
    Column("protocol", _l("Protocol"), ("protocol",), lambda app: app.protocol),
    Column("client_or_entity_id", _l("Client ID or entity ID"), (), _client_or_entity_id),
    Column(
        "assigned",
        _l("Assigned users and groups"),
        ("assignment_count",),
        lambda app: app.assignment_count,
    ),
    Column("sign_in_rules", _l("Sign-in rules"), (), None),
    Column(
        "application_id", _l("Application ID"), (), lambda app: app.application_id, in_table=False
    ),
)


class ApplicationList(ListPage, DirectoryPage):
    permission = on_instance("sso:ListApplications")
    template_name = "console/sso/application_list.html"
    active = "applications"
    columns = APPLICATION_COLUMNS
    default_sort = "name"
    csv_name = "applications"

    def rows(self):
        return app_selectors.applications_listed(self.organization)


class _SecretShown:
    """Pages whose POST may answer with a client secret: never cached, and the secret kept
    out of error reports."""

    never_cache = True
    secret_template = "console/sso/application_secret.html"

    @sensitive_variables()
    def form_valid(self, form):
        return super().form_valid(form)

    def show_secret(self, created: Created, *, rotated: bool = False):
        response = self.render_page(
            created=created,
            rotated=rotated,
            overlap_hours=SECRET_OVERLAP_HOURS,
            **endpoints(self.request, created.application),
        )
        response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        response["Pragma"] = "no-cache"
        return response


class OIDCApplicationCreate(_SecretShown, DirectoryPage):
    permission = on_instance("sso:CreateApplication")
    template_name = "console/sso/application_oidc_form.html"
    active = "applications"
    form_class = OIDCApplicationForm

    def get_context_data(self, **context):
        context.setdefault("issuer", issuer_url(self.request, self.organization))
        return super().get_context_data(**context)

    @sensitive_variables()
    def perform(self, data):
        options = self.form.service_options()
        application, client, secret = app_services.oidc_application_create(
            actor=self.request.user,
            organization=self.organization,
            client_type=data["client_type"],
            request=self.request,
            **options,
        )
        return Created(application, client, secret)

    @sensitive_variables()
    def succeeded(self, created):
        messages.success(
            self.request,
            _("Application %(name)s was created.") % {"name": created.application.name},
        )
        self.template_name = self.secret_template
        return self.show_secret(created)


class SAMLApplicationCreate(DirectoryPage):
    permission = on_instance("sso:CreateApplication")
    template_name = "console/sso/application_saml_form.html"
    active = "applications"
    form_class = SAMLApplicationForm

    def get_form(self, data=None):
        if data is None:
            return SAMLApplicationForm()
        return SAMLApplicationForm(data, self.request.FILES)

    def perform(self, data):
        application, _provider = app_services.saml_application_create(
            actor=self.request.user,
            organization=self.organization,
            request=self.request,
            **self.form.service_options(),
        )
        return application

    def success_message(self, application):
        return _(
            "Application %(name)s was created. Give the service provider the identity "
            "provider's metadata below, then assign people."
        ) % {"name": application.name}

    def success_url(self, application):
        return reverse("console:sso_application_detail", args=[application.application_id])


class ApplicationDetail(ApplicationPage):
    """An application: its settings, where the other side finds the organization, and who may
    sign in (added here by user or group name)."""

    permission = on_instance("sso:DescribeApplication")
    post_permission = on_instance("sso:CreateApplicationAssignment", "(assign a user or group)")
    template_name = "console/sso/application_detail.html"
    form_class = ApplicationAssignmentForm
    service_fields = {"principal": "principal_name"}

    def form_valid(self, form):
        name = form.cleaned_data["principal_name"].strip()
        if form.cleaned_data["principal_type"] == ApplicationAssignmentForm.PRINCIPAL_GROUP:
            self.principal = {"group": sso_selectors.group_named(self.organization, name)}
            missing = _("There is no group with this name in the directory.")
        else:
            self.principal = {"user": sso_selectors.directory_user_named(self.organization, name)}
            missing = _("There is no user with this name in the directory.")
        if next(iter(self.principal.values())) is None:
            form.add_error("principal_name", missing)
            return None
        return super().form_valid(form)

    def perform(self, data):
        return app_services.assignment_add(
            actor=self.request.user,
            application=self.application,
            request=self.request,
            **self.principal,
        )

    def success_message(self, assignment):
        principal = assignment.user or assignment.group
        return _("%(principal)s may now sign in to %(application)s.") % {
            "principal": principal.name,
            "application": self.application.name,
        }

    def success_url(self, assignment):
        return self.detail_url() + "#assignments"

    def get_context_data(self, **context):
        values = super().get_context_data(**context)
        if values["can"]["list_app_assignments"]:
            values["assignment_page"] = page_of(
                self.request, app_selectors.assignments_of(self.application)
            )
        values.update(endpoints(self.request, self.application))
        application = self.application
        if application.protocol == Application.Protocol.OIDC:
            client = application.oidc
            grants = dict(OIDCClient.Grant.choices)
            values.update(
                oidc=client,
                redirect_uris=client.redirect_uris.split(),
                post_logout_uris=client.post_logout_redirect_uris.split(),
                grant_labels=[grants.get(grant, grant) for grant in client.grant_types],
                now=timezone.now(),
            )
        else:
            values["saml"] = application.saml
        return values


class ApplicationEdit(ApplicationPage):
    permission = on_instance("sso:UpdateApplication")
    form_class = OIDCApplicationForm  # get_form chooses the protocol's form

    @property
    def template_name(self):
        if self.application.protocol == Application.Protocol.OIDC:
            return "console/sso/application_oidc_form.html"
        return "console/sso/application_saml_form.html"

    def get_form(self, data=None):
        application = self.application
        if application.protocol == Application.Protocol.OIDC:
            if data is None:
                return OIDCApplicationForm(
                    initial=OIDCApplicationForm.initial_from(application), editing=True
                )
            return OIDCApplicationForm(data, editing=True)
        if data is None:
            return SAMLApplicationForm(
                initial=SAMLApplicationForm.initial_from(application), editing=True
            )
        return SAMLApplicationForm(data, self.request.FILES, editing=True)

    def perform(self, data):
        options = self.form.service_options()
        # A fresh copy: the page keeps showing what is stored if the service refuses.
        changed = app_selectors.application_get(self.organization, self.application.application_id)
        app_services.application_update(
            actor=self.request.user, application=changed, changes=options, request=self.request
        )
        return changed

    def success_message(self, application):
        return _("Application %(name)s was saved.") % {"name": application.name}

    def success_url(self, application):
        return self.detail_url()

    def get_context_data(self, **context):
        context.setdefault("issuer", issuer_url(self.request, self.organization))
        return super().get_context_data(**context)


class ApplicationDelete(ApplicationPage):
    permission = on_instance("sso:DeleteApplication")
    template_name = "console/sso/application_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.application.name,)

    def form_kwargs(self):
        return {"label": gettext_lazy("To confirm deletion, enter the application name")}

    def perform(self, data):
        app_services.application_delete(
            actor=self.request.user, application=self.application, request=self.request
        )

    def success_message(self, result):
        return _("Application %(name)s was deleted.") % {"name": self.application.name}

    def success_url(self, result):
        return reverse("console:sso_application_list")

    def get_context_data(self, **context):
        return super().get_context_data(
            assignment_count=app_selectors.assignments_of(self.application).count(), **context
        )


class ClientSecretRotate(_SecretShown, ApplicationPage):
    """A new client secret: a confirmation first (the current one keeps working for a day),
    then the new secret, once."""

    permission = on_instance("sso:UpdateApplication", "(rotate the client secret)")
    template_name = "console/sso/application_secret_rotate.html"

    def load_within(self):
        super().load_within()
        client = getattr(self.application, "oidc", None)
        # Only a confidential client has a secret; anything else has no such page.
        if client is None or client.client_type != OIDCClient.CLIENT_CONFIDENTIAL:
            raise Http404
        self.client = client

    @sensitive_variables()
    def post(self, request, *args, **kwargs):
        secret = app_services.client_secret_rotate(
            actor=request.user, client=self.client, request=request
        )
        self.client.refresh_from_db(fields=["secret_rotated", "previous_secret_expires"])
        messages.success(
            request,
            _("The client secret of %(name)s was rotated.") % {"name": self.application.name},
        )
        self.template_name = self.secret_template
        return self.show_secret(Created(self.application, self.client, secret), rotated=True)

    def get_context_data(self, **context):
        context.setdefault("overlap_hours", SECRET_OVERLAP_HOURS)
        return super().get_context_data(client=self.client, **context)


class ApplicationAssignmentRemove(ApplicationPage):
    permission = on_instance("sso:DeleteApplicationAssignment")
    template_name = "console/sso/application_assignment_remove.html"

    def load_within(self):
        super().load_within()
        self.assignment = app_selectors.assignment_get(
            self.application, self.kwargs["assignment_id"]
        )

    def post(self, request, *args, **kwargs):
        assignment = self.assignment
        principal = assignment.user or assignment.group
        app_services.assignment_remove(actor=request.user, assignment=assignment, request=request)
        messages.success(
            request,
            _("%(principal)s may no longer sign in to %(application)s.")
            % {"principal": principal.name, "application": self.application.name},
        )
        return redirect(self.detail_url() + "#assignments")

    def get_context_data(self, **context):
        return super().get_context_data(assignment=self.assignment, **context)
