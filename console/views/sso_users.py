"""Identity Center: the directory's users."""

from __future__ import annotations

from django.contrib import messages
from django.db.models.functions import Lower
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from mfa.base import selectors as mfa_selectors
from sso import selectors as sso_selectors
from sso import services

from ..forms.common import DeleteConfirmForm
from ..forms.sso import SSOUserCreateForm
from ..lists import Column, ListPage
from .sso_base import DirectoryPage, on_instance, on_store
from .user_mfa import DeviceRemoval


class SSOUserPage(DirectoryPage):
    """A page of one directory user (``unique_id`` in the URL), looked up once the page's
    action is allowed on the directory."""

    active = "users"

    def load_within(self):
        self.sso_user = sso_selectors.directory_user_get(
            self.organization, self.kwargs["unique_id"]
        )

    def get_context_data(self, **context):
        return super().get_context_data(sso_user=self.sso_user, **context)

    def back(self):
        return redirect("console:sso_user_detail", unique_id=self.sso_user.unique_id)


SSO_USER_COLUMNS = (
    Column("user_name", _l("Username"), (Lower("name"),), lambda user: user.name),
    Column(
        "email", _l("Email address"), (Lower("contact_email"),), lambda user: user.contact_email
    ),
    Column("enabled", _l("Status"), ("is_active",), lambda user: user.is_active),
    Column("password", _l("Password"), (), lambda user: user.has_usable_password()),
    Column("mfa_devices", _l("MFA devices"), ("device_count",), lambda user: user.device_count),
    Column("groups", _l("Groups"), ("group_count",), lambda user: user.group_count),
    Column("created", _l("Created"), ("created",), lambda user: user.created),
    Column("user_id", _l("User ID"), (), lambda user: user.unique_id, in_table=False),
)


class SSOUserList(ListPage, DirectoryPage):
    permission = on_store("identitystore:ListUsers")
    template_name = "console/sso/user_list.html"
    active = "users"
    columns = SSO_USER_COLUMNS
    default_sort = "user_name"
    csv_name = "directory-users"

    def rows(self):
        self.search = self.request.GET.get("q", "").replace("\x00", "")[:64].strip()
        return sso_selectors.directory_users_listed(self.organization, self.search)

    def list_context(self, page) -> dict:
        return {"search": self.search}


class SSOUserCreate(DirectoryPage):
    permission = on_store("identitystore:CreateUser")
    template_name = "console/sso/user_create.html"
    active = "users"
    form_class = SSOUserCreateForm
    bare_errors_to = "password1"  # the service's bare errors are the password validators'
    sensitive_post_parameters = ("password1", "password2")

    def perform(self, data):
        return services.sso_user_create(
            actor=self.request.user,
            organization=self.organization,
            name=data["name"],
            email=data["email"],
            password=data["password1"] or None,
            request=self.request,
        )

    def success_message(self, user):
        if self.form.cleaned_data["password1"]:
            text = _(
                "User %(name)s was created. They must change the initial password "
                "when they first sign in to the access portal."
            )
        else:
            text = _(
                "User %(name)s was created. They sign in through the external identity provider."
            )
        return text % {"name": user.name}

    def success_url(self, user):
        return reverse("console:sso_user_detail", args=[user.unique_id])


class SSOUserDetail(SSOUserPage):
    permission = on_store("identitystore:DescribeUser")
    template_name = "console/sso/user_detail.html"

    def get(self, request, *args, **kwargs):
        user = self.sso_user
        return self.render_page(
            groups=sso_selectors.user_groups(user),
            assignments=services.assignments_of(user).select_related("group"),
            mfa_devices=mfa_selectors.user_devices(user),
            external_identities=sso_selectors.user_external_identities(user),
        )


class SSOUserStatus(SSOUserPage):
    """Enable or disable a user: a disabled user cannot sign in, and their sessions end."""

    permission = on_store("identitystore:UpdateUser", "(enable or disable)")
    template_name = "console/sso/user_status.html"

    def get(self, request, *args, **kwargs):
        return self.render_page(enable=not self.sso_user.is_active)

    def post(self, request, *args, **kwargs):
        user = self.sso_user
        # The state the page asked for, so that a second click does not undo the first.
        default = "disable" if user.is_active else "enable"
        enable = request.POST.get("status", default) == "enable"
        if enable != user.is_active:
            services.sso_user_set_active(
                actor=request.user, user=user, active=enable, request=request
            )
        if enable:
            messages.success(request, _("User %(name)s is enabled.") % {"name": user.name})
        else:
            messages.success(
                request,
                _("User %(name)s is disabled: they cannot sign in, and their sessions ended.")
                % {"name": user.name},
            )
        return self.back()


class SSOUserMFARemove(DeviceRemoval, SSOUserPage):
    """An administrator removes a user's MFA device (the way back for someone who lost it)."""

    permission = on_instance("sso:DeleteMfaDeviceForUser")
    template_name = "console/sso/user_mfa_remove.html"

    def load_within(self):
        super().load_within()
        self.device_of(self.sso_user)

    def success_url(self, result):
        return reverse("console:sso_user_detail", args=[self.sso_user.unique_id])


class SSOUserIdentityUnlink(SSOUserPage):
    """Forget a user's link to the external provider (after moving to another provider, or
    when the link is wrong); with confirmation."""

    permission = on_store("identitystore:UpdateUser", "(forget the link to the external provider)")
    template_name = "console/sso/user_identity_unlink.html"

    def load_within(self):
        super().load_within()
        self.identity = sso_selectors.user_external_identity_get(
            self.sso_user, self.kwargs["identity_id"]
        )

    def post(self, request, *args, **kwargs):
        identity = self.identity
        services.external_identity_unlink(actor=request.user, identity=identity, request=request)
        messages.success(
            request,
            _("%(name)s is no longer linked to %(subject)s.")
            % {"name": self.sso_user.name, "subject": identity.subject},
        )
        return self.back()

    def get_context_data(self, **context):
        return super().get_context_data(identity=self.identity, **context)


class SSOUserDelete(SSOUserPage):
    permission = on_store("identitystore:DeleteUser")
    template_name = "console/sso/user_delete.html"
    form_class = DeleteConfirmForm

    def form_args(self):
        return (self.sso_user.name,)

    def perform(self, data):
        services.sso_user_delete(actor=self.request.user, user=self.sso_user, request=self.request)

    def success_message(self, result):
        return _("User %(name)s was deleted.") % {"name": self.sso_user.name}

    def success_url(self, result):
        return reverse("console:sso_user_list")
