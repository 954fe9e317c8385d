"""The administrator's Identity Center pages, appended to the console's URLs
(``identity.console_urls``): their names are ``console:sso_*``."""

from django.urls import path

from . import admin_views as views

PREFIX = "organization/sso/"

urlpatterns = [
    path(PREFIX, views.home, name="sso_home"),
    path(f"{PREFIX}settings", views.settings_page, name="sso_settings"),
    path(f"{PREFIX}identity-provider", views.idp, name="sso_idp"),
    path(f"{PREFIX}users/", views.user_list, name="sso_user_list"),
    path(f"{PREFIX}users/new", views.user_create, name="sso_user_create"),
    path(f"{PREFIX}users/<str:unique_id>/", views.user_detail, name="sso_user_detail"),
    path(f"{PREFIX}users/<str:unique_id>/delete", views.user_delete, name="sso_user_delete"),
    path(f"{PREFIX}users/<str:unique_id>/status", views.user_status, name="sso_user_status"),
    path(
        f"{PREFIX}users/<str:unique_id>/mfa/<int:device_id>/remove",
        views.user_mfa_remove,
        name="sso_user_mfa_remove",
    ),
    path(
        f"{PREFIX}users/<str:unique_id>/identities/<int:identity_id>/unlink",
        views.user_identity_unlink,
        name="sso_user_identity_unlink",
    ),
    path(f"{PREFIX}groups/", views.group_list, name="sso_group_list"),
    path(f"{PREFIX}groups/<str:group_id>/", views.group_detail, name="sso_group_detail"),
    path(f"{PREFIX}groups/<str:group_id>/delete", views.group_delete, name="sso_group_delete"),
    path(
        f"{PREFIX}groups/<str:group_id>/members/<str:unique_id>/remove",
        views.group_member_remove,
        name="sso_group_member_remove",
    ),
    path(f"{PREFIX}permission-sets/", views.permission_set_list, name="sso_permission_set_list"),
    path(
        f"{PREFIX}permission-sets/new",
        views.permission_set_create,
        name="sso_permission_set_create",
    ),
    path(
        f"{PREFIX}permission-sets/<str:permission_set_id>/",
        views.permission_set_detail,
        name="sso_permission_set_detail",
    ),
    path(
        f"{PREFIX}permission-sets/<str:permission_set_id>/delete",
        views.permission_set_delete,
        name="sso_permission_set_delete",
    ),
    path(f"{PREFIX}accounts/", views.assignment_list, name="sso_assignment_list"),
    path(
        f"{PREFIX}accounts/assignments/<int:assignment_id>/delete",
        views.assignment_delete,
        name="sso_assignment_delete",
    ),
]
