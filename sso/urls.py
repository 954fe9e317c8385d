from django.urls import path

from . import views

app_name = "sso"

urlpatterns = [
    path("<str:organization_id>", views.portal, name="portal"),
    path("<str:organization_id>/console", views.open_console, name="open_console"),
    path("<str:organization_id>/leave", views.end_console, name="end_console"),
    path("<str:organization_id>/mfa-required", views.mfa_required, name="mfa_required"),
]
