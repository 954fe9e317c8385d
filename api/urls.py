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
