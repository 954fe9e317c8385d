from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signin", views.signin, name="signin"),
    path("signin/<str:account_identifier>", views.signin, name="signin_account"),
    path("signout", views.signout, name="signout"),
    path("password/change", views.change_password, name="change_password"),
]
