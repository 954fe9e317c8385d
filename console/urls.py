from django.urls import path

from . import converters  # noqa: F401 - registers account_id and iam_name
from .views import policies as policy_views
from .views import sso as sso_views
from .views import users as views

app_name = "console"

urlpatterns = [
    path("", views.console_home, name="home"),
    path("organization/accounts/new", views.account_create, name="account_create"),
    path("organization/root-mfa", views.root_mfa, name="root_mfa"),
    path("organization/scps", policy_views.scp_list, name="scp_list"),
    path(
        "organization/root-mfa/waves/<int:wave_id>/cancel",
        views.root_mfa_wave_cancel,
        name="root_mfa_wave_cancel",
    ),
    path("accounts/<account_id:account_id>/", views.account_detail, name="account_detail"),
    path(
        "accounts/<account_id:account_id>/root-mfa/reset",
        views.account_root_mfa_reset,
        name="account_root_mfa_reset",
    ),
    path("accounts/<account_id:account_id>/users/", views.user_list, name="user_list"),
    path("accounts/<account_id:account_id>/users/new", views.user_create, name="user_create"),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/",
        views.user_detail,
        name="user_detail",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/password",
        views.user_password_shown,
        name="user_password_shown",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/delete",
        views.user_delete,
        name="user_delete",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/console-access",
        views.user_console_access,
        name="user_console_access",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/mfa/<int:device_id>/remove",
        views.user_mfa_remove,
        name="user_mfa_remove",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/mfa/hardware",
        views.user_mfa_hardware,
        name="user_mfa_hardware",
    ),
    path(
        "accounts/<account_id:account_id>/policies/",
        policy_views.policy_list,
        name="policy_list",
    ),
    path(
        "accounts/<account_id:account_id>/policies/new",
        policy_views.policy_create,
        name="policy_create",
    ),
    path(
        "accounts/<account_id:account_id>/policies/aws/<iam_name:name>",
        policy_views.aws_policy_detail,
        name="aws_policy_detail",
    ),
    path(
        "accounts/<account_id:account_id>/policies/<iam_name:name>/",
        policy_views.policy_detail,
        name="policy_detail",
    ),
    path(
        "accounts/<account_id:account_id>/policies/<iam_name:name>/attach",
        policy_views.policy_attach,
        name="policy_attach",
    ),
    path(
        "accounts/<account_id:account_id>/policies/<iam_name:name>/versions/<str:version_id>",
        policy_views.policy_version_action,
        name="policy_version_action",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/permissions",
        policy_views.user_permissions,
        name="user_permissions",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/permissions/detach",
        policy_views.user_policy_detach,
        name="user_policy_detach",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/inline/new",
        policy_views.user_inline_policy,
        name="user_inline_policy_new",
    ),
    path(
        "accounts/<account_id:account_id>/users/<iam_name:user_name>/inline/<iam_name:name>",
        policy_views.user_inline_policy,
        name="user_inline_policy",
    ),
    path("accounts/<account_id:account_id>/groups/", policy_views.group_list, name="group_list"),
    path(
        "accounts/<account_id:account_id>/groups/<iam_name:group_name>/",
        policy_views.group_detail,
        name="group_detail",
    ),
    path(
        "accounts/<account_id:account_id>/groups/<iam_name:group_name>/inline/new",
        policy_views.group_inline_policy,
        name="group_inline_policy_new",
    ),
    path(
        "accounts/<account_id:account_id>/groups/<iam_name:group_name>/inline/<iam_name:name>",
        policy_views.group_inline_policy,
        name="group_inline_policy",
    ),
    path(
        "accounts/<account_id:account_id>/simulator",
        policy_views.simulator,
        name="simulator",
    ),
    path("accounts/<account_id:account_id>/events/", views.audit_list, name="audit_list"),
]

# The organization's IAM Identity Center (the SSO directory): console:sso_* pages.
PREFIX = "organization/sso/"


urlpatterns += [
    path(PREFIX, sso_views.home, name="sso_home"),
    path(f"{PREFIX}settings", sso_views.settings_page, name="sso_settings"),
    path(f"{PREFIX}identity-provider", sso_views.idp, name="sso_idp"),
    path(f"{PREFIX}users/", sso_views.user_list, name="sso_user_list"),
    path(f"{PREFIX}users/new", sso_views.user_create, name="sso_user_create"),
    path(f"{PREFIX}users/<str:unique_id>/", sso_views.user_detail, name="sso_user_detail"),
    path(f"{PREFIX}users/<str:unique_id>/delete", sso_views.user_delete, name="sso_user_delete"),
    path(f"{PREFIX}users/<str:unique_id>/status", sso_views.user_status, name="sso_user_status"),
    path(
        f"{PREFIX}users/<str:unique_id>/mfa/<int:device_id>/remove",
        sso_views.user_mfa_remove,
        name="sso_user_mfa_remove",
    ),
    path(
        f"{PREFIX}users/<str:unique_id>/identities/<int:identity_id>/unlink",
        sso_views.user_identity_unlink,
        name="sso_user_identity_unlink",
    ),
    path(f"{PREFIX}groups/", sso_views.group_list, name="sso_group_list"),
    path(f"{PREFIX}groups/<str:group_id>/", sso_views.group_detail, name="sso_group_detail"),
    path(f"{PREFIX}groups/<str:group_id>/delete", sso_views.group_delete, name="sso_group_delete"),
    path(
        f"{PREFIX}groups/<str:group_id>/members/<str:unique_id>/remove",
        sso_views.group_member_remove,
        name="sso_group_member_remove",
    ),
    path(
        f"{PREFIX}permission-sets/", sso_views.permission_set_list, name="sso_permission_set_list"
    ),
    path(
        f"{PREFIX}permission-sets/new",
        sso_views.permission_set_create,
        name="sso_permission_set_create",
    ),
    path(
        f"{PREFIX}permission-sets/<str:permission_set_id>/",
        sso_views.permission_set_detail,
        name="sso_permission_set_detail",
    ),
    path(
        f"{PREFIX}permission-sets/<str:permission_set_id>/delete",
        sso_views.permission_set_delete,
        name="sso_permission_set_delete",
    ),
    path(f"{PREFIX}accounts/", sso_views.assignment_list, name="sso_assignment_list"),
    path(
        f"{PREFIX}accounts/assignments/<int:assignment_id>/delete",
        sso_views.assignment_delete,
        name="sso_assignment_delete",
    ),
]
