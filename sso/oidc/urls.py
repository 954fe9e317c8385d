from django.urls import path

from . import views

app_name = "sso_oidc"

urlpatterns = [
    path("<slug:provider_id>/login", views.login, name="login"),
    path("<slug:provider_id>/callback", views.callback, name="callback"),
]
