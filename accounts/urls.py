from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signin", views.signin, name="signin"),
    path("signin/<str:account_identifier>", views.signin, name="signin_account"),
    path("signout", views.signout, name="signout"),
    path("mfa", views.signin_mfa, name="signin_mfa"),
    path("mfa/webauthn-options", views.signin_mfa_options, name="signin_mfa_options"),
    path("mfa/troubleshoot", views.signin_troubleshoot, name="signin_troubleshoot"),
    path("mfa/required", views.root_mfa_prompt, name="root_mfa_prompt"),
    path("security-credentials/mfa/assign", views.mfa_assign, name="mfa_assign"),
    path("security-credentials/mfa/passkey", views.mfa_passkey, name="mfa_passkey"),
    path(
        "security-credentials/mfa/passkey/options",
        views.mfa_passkey_options,
        name="mfa_passkey_options",
    ),
    path("security-credentials/mfa/<int:device_id>/rename", views.mfa_rename, name="mfa_rename"),
    path("security-credentials/mfa/<int:device_id>/enable", views.mfa_enable, name="mfa_enable"),
    path("security-credentials/mfa/<int:device_id>/remove", views.mfa_remove, name="mfa_remove"),
    path("security-credentials/mfa/<int:device_id>/resync", views.mfa_resync, name="mfa_resync"),
    path("password/change", views.change_password, name="change_password"),
    path("security-credentials", views.security_credentials, name="security_credentials"),
    path(
        "security-credentials/recovery-codes",
        views.recovery_codes_page,
        name="recovery_codes",
    ),
]
