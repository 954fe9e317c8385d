from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.http import require_safe
from django.views.i18n import set_language

from config import health, metrics
from console.views import home as views

urlpatterns = [
    # Probes for load balancers and orchestrators, outside every sign-in (config.health).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("console/", include("console.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus, for the scraper only
    # Browsers ask for /favicon.ico whatever the page's <link rel="icon"> says. The static URL is
    # looked up per request: in production it names the hashed file, known after collectstatic.
    path("favicon.ico", require_safe(lambda request: redirect(static("img/favicon.svg")))),
    path("recovery/", include("recovery.urls")),
    path("start/", include("sso.urls")),
    path("sso/oidc/", include("sso.oidc.urls")),
    path("o/<str:organization_id>/", include("sso.applications.urls")),
    path("", include("api.urls")),
    path("", include("mfa.urls")),
    path("", include("accounts.urls")),
]

handler403 = "console.views.errors.permission_denied"
handler404 = "console.views.errors.not_found"
handler500 = "console.views.errors.server_error"
