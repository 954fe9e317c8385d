"""Identity Center: permission sets, what a role session opened in an account may do."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from identity.authorization import Permission
from identity.policies.catalog import aws_managed
from sso import selectors as sso_selectors
from sso import services
from sso.models import PermissionSet

from ..forms.common import DeleteConfirmForm
from ..forms.sso import PermissionSetForm
from ..lists import Column, ListPage
from .sso_base import PS, DirectoryPage, on_instance


def _on_set(action: str, note: str = "") -> Permission:
    return Permission(action, lambda page: page.permission_set.arn, PS, note=note)


class PermissionSetPage(DirectoryPage):
    """A page of one permission set (``permission_set_id`` in the URL): its ARN is the
    resource, so it is looked up before the question."""

    active = "permission_sets"

    def load(self):
        super().load()
        self.permission_set = sso_selectors.permission_set_get(
            self.organization, self.kwargs["permission_set_id"]
        )

    def get_context_data(self, **context):
        return super().get_context_data(permission_set=self.permission_set, **context)


def _managed_names(permission_set) -> list[str]:
    return [
        policy.name
        for arn in permission_set.managed_policy_arns
        if (policy := aws_managed(arn)) is not None
    ]


PERMISSION_SET_COLUMNS = (
    Column("name", _l("Name"), (Lower("name"),), lambda ps: ps.name),
    Column("description", _l("Description"), (), lambda ps: ps.description),
    Column(
        "session_duration_hours",
        _l("Session duration"),
        ("session_duration_hours",),
        lambda ps: ps.session_duration_hours,
    ),
    Column("policies", _l("Policies"), (), lambda ps: " ".join(_managed_names(ps))),
    Column("accounts", _l("AWS accounts"), ("account_count",), lambda ps: ps.account_count),
    Column("arn", "ARN", (), lambda ps: ps.arn, in_table=False),
)


class PermissionSetList(ListPage, DirectoryPage):
    permission = on_instance("sso:ListPermissionSets")
    template_name = "console/sso/permission_set_list.html"
    active = "permission_sets"
    columns = PERMISSION_SET_COLUMNS
    default_sort = "name"
    csv_name = "permission-sets"

    def rows(self):
        return sso_selectors.permission_sets_listed(self.organization)

    def list_context(self, page) -> dict:
        for permission_set in page:
            permission_set.managed_names = _managed_names(permission_set)
        return {}


def _fill(permission_set: PermissionSet, data: dict) -> PermissionSet:
    permission_set.description = data["description"]
    permission_set.session_duration_hours = data["session_duration_hours"]
    permission_set.managed_policy_arns = list(data["managed_policy_arns"])
    permission_set.customer_policy_refs = data["customer_policy_refs"]
    permission_set.inline_policy = data["document"]
    return permission_set


class PermissionSetCreate(DirectoryPage):
    permission = on_instance("sso:CreatePermissionSet")
    template_name = "console/sso/permission_set_form.html"
    active = "permission_sets"
    form_class = PermissionSetForm
    service_fields = PermissionSetForm.SERVICE_FIELDS

    def perform(self, data):
        permission_set = _fill(
            PermissionSet(organization=self.organization, name=data["name"].strip()), data
        )
        return (
            services.permission_set_save(
                actor=self.request.user, permission_set=permission_set, request=self.request
            )
            or permission_set
        )

    def success_message(self, permission_set):
        return _("Permission set %(name)s was created.") % {"name": permission_set.name}

    def success_url(self, permission_set):
        return reverse("console:sso_permission_set_detail", args=[permission_set.permission_set_id])

    def get_context_data(self, **context):
        return super().get_context_data(permission_set=None, **context)


class PermissionSetDetail(PermissionSetPage):
    """A permission set, edited in place (its name stays), and the accounts it is assigned in."""

    permission = _on_set("sso:DescribePermissionSet")
    post_permission = _on_set("sso:UpdatePermissionSet")
    template_name = "console/sso/permission_set_form.html"
    form_class = PermissionSetForm
    service_fields = PermissionSetForm.SERVICE_FIELDS

    def get_form(self, data=None):
        if data is None:
            return PermissionSetForm(
                initial=PermissionSetForm.initial_from(self.permission_set), editing=True
            )
        return PermissionSetForm(data, editing=True, initial={"name": self.permission_set.name})

    def perform(self, data):
        # A copy: what the page shows of the stored set stays as stored if this fails.
        self.changed = _fill(sso_selectors.permission_set_reloaded(self.permission_set), data)
        services.permission_set_save(
            actor=self.request.user, permission_set=self.changed, request=self.request
        )

    def success_message(self, result):
        return _("Permission set %(name)s was saved. Sessions opened from now on use it.") % {
            "name": self.changed.name
        }

    def success_url(self, result):
        return reverse(
            "console:sso_permission_set_detail", args=[self.permission_set.permission_set_id]
        )

    def get_context_data(self, **context):
        return super().get_context_data(
            assignments=sso_selectors.permission_set_assignments(self.permission_set), **context
        )


class PermissionSetDelete(PermissionSetPage):
    permission = _on_set("sso:DeletePermissionSet", "(refused while the set is assigned)")
    template_name = "console/sso/permission_set_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.permission_set.name,)

    def form_kwargs(self):
        return {"label": gettext_lazy("To confirm deletion, enter the permission set name")}

    def perform(self, data):
        services.permission_set_delete(
            actor=self.request.user, permission_set=self.permission_set, request=self.request
        )

    def service_refused(self, form, error):
        super().service_refused(form, error)
        self.status = 409

    def success_message(self, result):
        return _("Permission set %(name)s was deleted.") % {"name": self.permission_set.name}

    def success_url(self, result):
        return reverse("console:sso_permission_set_list")

    def get_context_data(self, **context):
        return super().get_context_data(
            accounts=sso_selectors.permission_set_accounts(self.permission_set), **context
        )
