"""An account's IAM groups: the list (and a new group), a group's members and policies."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from identity import arns, selectors, services
from identity.authorization import AnyOf, Permission
from identity.policies import services as policy_services

from ..base import AccountPage
from ..forms.groups import GroupCreateForm, GroupMemberForm
from ..forms.policies import AttachPolicyForm
from ..lists import Column, ListPage
from .permissions import attach_choices, attach_questions, attached_policies


def _new_group_arn(page) -> str:
    data = page.form.cleaned_data
    return arns.group(page.account.id, data["path"] or "/", data["name"].strip())


GROUP_COLUMNS = (
    Column("group_name", _l("Group name"), (Lower("name"),), lambda group: group.name),
    Column("path", _l("Path"), ("path",), lambda group: group.path),
    Column("members", _l("Members"), ("member_count",), lambda group: group.member_count),
    Column("created", _l("Created"), ("created",), lambda group: group.created),
    Column("arn", "ARN", (), lambda group: group.arn, in_table=False),
)


class GroupList(ListPage, AccountPage):
    permission = Permission(
        "iam:ListGroups",
        lambda page: arns.group(page.account.id, "/", "*"),
        "`arn:aws:iam::ACCOUNT:group/*`",
    )
    form_permission = Permission("iam:CreateGroup", _new_group_arn, "the new group's ARN")
    template_name = "console/group_list.html"
    form_class = GroupCreateForm
    columns = GROUP_COLUMNS
    default_sort = "group_name"
    csv_name = "groups"

    def rows(self):
        return selectors.account_groups(account=self.account)

    def list_context(self, page) -> dict:
        return {
            "can": self.permitted(
                {"create_group": ("iam:CreateGroup", arns.group(self.account.id, "/", "*"))}
            )
        }

    def perform(self, data):
        return services.group_create(
            actor=self.request.user,
            account=self.account,
            name=data["name"].strip(),
            path=data["path"] or "/",
            request=self.request,
        )

    def success_message(self, group):
        return _("Group %(name)s was created.") % {"name": group.name}

    def success_url(self, group):
        return reverse("console:group_detail", args=[self.account.id, group.name])


def _group_arn(page) -> str:
    return page.group.arn


def _with_posted_policy(page) -> dict:
    return {"iam:PolicyARN": page.form.cleaned_data["policy_arn"]}


class GroupDetail(AccountPage):
    """A group: its members, its managed and inline policies."""

    permission = Permission("iam:GetGroup", _group_arn, "the group's ARN")
    post_permission = AnyOf(
        {
            "add": Permission("iam:AddUserToGroup", _group_arn),
            "remove": Permission("iam:RemoveUserFromGroup", _group_arn),
            "attach": Permission("iam:AttachGroupPolicy", _group_arn, context=_with_posted_policy),
            "detach": Permission("iam:DetachGroupPolicy", _group_arn, context=_with_posted_policy),
        },
        doc="`iam:AddUserToGroup`, `iam:RemoveUserFromGroup`, or `iam:AttachGroupPolicy` / "
        "`iam:DetachGroupPolicy` with `iam:PolicyARN`",
        resource_doc="the group's ARN",
    )
    template_name = "console/group_detail.html"

    def load(self):
        super().load()
        self.group = selectors.account_group_get(
            account=self.account, group_name=self.kwargs["group_name"]
        )

    def get(self, request, *args, **kwargs):
        self.users = selectors.account_users_by_name(self.account, 1000)
        return self.render_page(
            member_form=GroupMemberForm(self.users),
            attach_form=AttachPolicyForm(attach_choices(self.account)),
        )

    def post(self, request, *args, **kwargs):
        self.users = users = selectors.account_users_by_name(self.account, 1000)
        member_form = GroupMemberForm(users)
        attach_form = AttachPolicyForm(attach_choices(self.account))
        op = request.POST.get("op")
        if op in ("add", "remove"):
            self.form = member_form = GroupMemberForm(users, request.POST)
            if member_form.is_valid():
                user = next(u for u in users if u.name == member_form.cleaned_data["user"])
                self.require(self.post_permission[op])
                services.group_member_set(
                    actor=request.user,
                    group=self.group,
                    user=user,
                    member=op == "add",
                    request=request,
                )
                messages.success(request, _("The group's members were updated."))
                return self.back()
        elif op in ("attach", "detach"):
            self.form = attach_form = AttachPolicyForm(attach_choices(self.account), request.POST)
            if attach_form.is_valid():
                self.require(self.post_permission[op])
                service = (
                    policy_services.policy_attach
                    if op == "attach"
                    else policy_services.policy_detach
                )
                try:
                    service(
                        actor=request.user,
                        account=self.account,
                        policy_arn=attach_form.cleaned_data["policy_arn"],
                        group=self.group,
                        request=request,
                    )
                except ValidationError as error:
                    self.service_refused(attach_form, error)
                else:
                    messages.success(request, _("The group's policies were updated."))
                    return self.back()
        else:
            raise Http404
        return self.render_page(member_form=member_form, attach_form=attach_form)

    def back(self):
        return redirect(
            "console:group_detail", account_id=self.account.id, group_name=self.group.name
        )

    def get_context_data(self, attach_form, **context):
        group = self.group
        attached = attached_policies(self.account, group=group)
        can = attach_questions(
            self,
            attach_form,
            attached,
            "Group",
            group.arn,
            extra={
                "add_member": ("iam:AddUserToGroup", group.arn),
                "remove_member": ("iam:RemoveUserFromGroup", group.arn),
                "put_inline": ("iam:PutGroupPolicy", group.arn),
            },
        )
        return super().get_context_data(
            can=can,
            group=group,
            members=selectors.group_members(group),
            attach_form=attach_form,
            attached=attached,
            inline=selectors.inline_policies_of(group=group),
            **context,
        )
