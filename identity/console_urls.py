from django.urls import path

from . import views

app_name = "console"

urlpatterns = [
    path("", views.console_home, name="home"),
    path("organization/accounts/new", views.account_create, name="account_create"),
    path("accounts/<str:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<str:account_id>/users/", views.user_list, name="user_list"),
    path("accounts/<str:account_id>/users/new", views.user_create, name="user_create"),
    path("accounts/<str:account_id>/users/<str:user_name>/", views.user_detail, name="user_detail"),
    path(
        "accounts/<str:account_id>/users/<str:user_name>/delete",
        views.user_delete,
        name="user_delete",
    ),
    path(
        "accounts/<str:account_id>/users/<str:user_name>/console-access",
        views.user_console_access,
        name="user_console_access",
    ),
    path("accounts/<str:account_id>/events/", views.audit_list, name="audit_list"),
]
