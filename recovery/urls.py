from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("start", views.start, name="start"),
    path("email-sent", views.email_sent, name="email_sent"),
    path("verify/<uuid:attempt_id>", views.verify, name="verify"),
    path("phone", views.phone, name="phone"),
    path("phone/status", views.phone_status, name="phone_status"),
    path("phone/dev-keypad", views.dev_keypad, name="dev_keypad"),
    path("twilio/voice/<uuid:attempt_id>", views.twilio_voice, name="twilio_voice"),
    path("twilio/gather/<uuid:attempt_id>", views.twilio_gather, name="twilio_gather"),
    path("twilio/status/<uuid:attempt_id>", views.twilio_status, name="twilio_status"),
]
