from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("console/", include("identity.console_urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("recovery/", include("recovery.urls")),
    path("start/", include("sso.urls")),
    path("sso/oidc/", include("sso.oidc.urls")),
    path("", include("accounts.urls")),
]

handler403 = "identity.errors.permission_denied"
handler404 = "identity.errors.not_found"
