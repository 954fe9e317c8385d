from django.urls import path

from . import (
    converters,  # noqa: F401 - registers account_id and iam_name
    policy_views,
    views,
)

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
from sso import admin_urls as sso_admin_urls  # noqa: E402

urlpatterns += sso_admin_urls.urlpatterns
