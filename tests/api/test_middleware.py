"""The API skips the console's middleware (api.middleware) but keeps what protects it."""

import pytest
from django.utils import translation

from tests.support import aws


@pytest.mark.django_db
def test_a_signed_call_gets_no_session_cookie_and_keeps_the_security_headers(
    client, management_root
):
    keys = aws.access_key(management_root)
    response = aws.signed_client_call(client, keys, "ListUsers")
    assert response.status_code == 200
    assert not response.cookies  # no session, CSRF or device cookie
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware still runs
    assert "Vary" not in response  # neither the session nor the language middleware ran
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_the_api_answers_in_english_whatever_the_thread_last_spoke(client, management_root):
    keys = aws.access_key(management_root)
    translation.activate("ja")  # what a Japanese console request leaves behind in the thread
    try:
        response = aws.signed_client_call(client, keys, "GetUser", UserName="nobody")
    finally:
        translation.deactivate()
    assert response.status_code == 404
    assert b"cannot be found" in response.content


@pytest.mark.django_db
def test_a_host_outside_allowed_hosts_is_refused(client, management_root, settings):
    settings.ALLOWED_HOSTS = ["tobira.example"]
    keys = aws.access_key(management_root)
    signed = aws.sign(
        "http://evil.example/iam/", *keys, service="iam", body=aws.form("iam", "ListUsers")
    )
    headers = {**signed.headers, "Host": "evil.example"}
    response = client.post(
        "/iam/", data=signed.body, content_type=headers.pop("Content-Type"), headers=headers
    )
    assert response.status_code == 400
