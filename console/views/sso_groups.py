"""Identity Center: the directory's groups and their members."""

from __future__ import annotations

from django.contrib import messages
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _l

from identity.requestinfo import safe_next
from sso import selectors as sso_selectors
from sso import services

from ..base import page_of
from ..forms.common import DeleteConfirmForm
from ..forms.sso import GroupMemberAddForm, SSOGroupCreateForm
from ..lists import Column, ListPage
from .sso_base import DirectoryPage, on_store


class SSOGroupPage(DirectoryPage):
    """A page of one directory group (``group_id`` in the URL)."""

    active = "groups"

    def load_within(self):
        self.group = sso_selectors.group_get(self.organization, self.kwargs["group_id"])

    def get_context_data(self, **context):
        return super().get_context_data(group=self.group, **context)


SSO_GROUP_COLUMNS = (
    Column("group_name", _l("Group name"), (Lower("name"),), lambda group: group.name),
    Column("description", _l("Description"), (), lambda group: group.description),
    Column("members", _l("Members"), ("member_count",), lambda group: group.member_count),
    Column(
        "assignments",
        _l("Account assignments"),
        ("assignment_count",),
        lambda group: group.assignment_count,
    ),
    Column("created", _l("Created"), ("created",), lambda group: group.created),
    Column("group_id", _l("Group ID"), (), lambda group: group.group_id, in_table=False),
)


class SSOGroupList(ListPage, DirectoryPage):
    permission = on_store("identitystore:ListGroups")
    post_permission = on_store("identitystore:CreateGroup")
    template_name = "console/sso/group_list.html"
    active = "groups"
    form_class = SSOGroupCreateForm
    columns = SSO_GROUP_COLUMNS
    default_sort = "group_name"
    csv_name = "directory-groups"

    def rows(self):
        return sso_selectors.groups_listed(self.organization)

    def perform(self, data):
        return services.sso_group_create(
            actor=self.request.user,
            organization=self.organization,
            name=data["name"],
            description=data["description"],
            request=self.request,
        )

    def success_message(self, group):
        return _("Group %(name)s was created.") % {"name": group.name}

    def success_url(self, group):
        return reverse("console:sso_group_detail", args=[group.group_id])


class SSOGroupDetail(SSOGroupPage):
    """A group: its members (added by user name) and the accounts it may open."""

    permission = on_store("identitystore:DescribeGroup")
    post_permission = on_store("identitystore:CreateGroupMembership", "(add a member)")
    template_name = "console/sso/group_detail.html"
    form_class = GroupMemberAddForm

    def form_valid(self, form):
        name = form.cleaned_data["user_name"].strip()
        self.member = sso_selectors.directory_user_named(self.organization, name)
        if self.member is None:
            form.add_error("user_name", _("There is no user with this name in the directory."))
        elif sso_selectors.group_has_member(self.group, self.member):
            form.add_error("user_name", _("This user is already a member of the group."))
        else:
            return super().form_valid(form)
        return None

    def perform(self, data):
        services.sso_group_membership_set(
            actor=self.request.user,
            group=self.group,
            user=self.member,
            member=True,
            request=self.request,
        )

    def success_message(self, result):
        return _("%(user)s was added to %(group)s.") % {
            "user": self.member.name,
            "group": self.group.name,
        }

    def success_url(self, result):
        return reverse("console:sso_group_detail", args=[self.group.group_id])

    def get_context_data(self, **context):
        group = self.group
        return super().get_context_data(
            page=page_of(self.request, sso_selectors.group_members(group)),
            assignments=sso_selectors.group_assignments(group),
            **context,
        )


class SSOGroupMemberRemove(SSOGroupPage):
    permission = on_store("identitystore:DeleteGroupMembership")
    template_name = "console/sso/group_member_remove.html"

    def load_within(self):
        super().load_within()
        self.member = sso_selectors.group_member_get(self.group, self.kwargs["unique_id"])

    def post(self, request, *args, **kwargs):
        group, user = self.group, self.member
        services.sso_group_membership_set(
            actor=request.user, group=group, user=user, member=False, request=request
        )
        messages.success(
            request,
            _("%(user)s was removed from %(group)s.") % {"user": user.name, "group": group.name},
        )
        return redirect(
            safe_next(request, reverse("console:sso_group_detail", args=[group.group_id]))
        )

    def get_context_data(self, **context):
        return super().get_context_data(
            sso_user=self.member, next=safe_next(self.request, ""), **context
        )


class SSOGroupDelete(SSOGroupPage):
    permission = on_store("identitystore:DeleteGroup")
    template_name = "console/sso/group_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.group.name,)

    def form_kwargs(self):
        return {"label": gettext_lazy("To confirm deletion, enter the group name")}

    def perform(self, data):
        services.sso_group_delete(actor=self.request.user, group=self.group, request=self.request)

    def success_message(self, result):
        return _("Group %(name)s was deleted.") % {"name": self.group.name}

    def success_url(self, result):
        return reverse("console:sso_group_list")

    def get_context_data(self, **context):
        return super().get_context_data(**sso_selectors.group_counts(self.group), **context)
