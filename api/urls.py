from django.conf import settings
from django.urls import path

from . import views

app_name = "api"

# With and without the trailing slash: a POST must never be redirected (APPEND_SLASH).
urlpatterns = [
    path("iam/", views.iam_endpoint, name="iam"),
    path("iam", views.iam_endpoint),
    path("sts/", views.sts_endpoint, name="sts"),
    path("sts", views.sts_endpoint),
]

if settings.TOBIRA_MOTO_COMPAT:  # the conformance mount (api.moto_compat); never in production
    from . import moto_compat

    urlpatterns += [
        path("moto/moto-api/reset", moto_compat.reset_view, name="moto-reset"),
        path("moto/moto-api/reset-auth", moto_compat.reset_auth_view, name="moto-reset-auth"),
        path("moto/", moto_compat.endpoint, name="moto"),
        path("moto", moto_compat.endpoint),
    ]
