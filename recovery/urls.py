from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("verify/<uuid:attempt_id>", views.verify, name="verify"),
]
