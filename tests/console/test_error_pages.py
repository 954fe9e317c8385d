"""The 500 and 503 pages (console.views.errors.server_error): a service that does not answer is
"try again shortly" with Retry-After, never a 500, and a guess never slips past a limit then."""

import pytest
import redis.exceptions
from django.db import OperationalError
from django.urls import reverse

from accounts import flows
from identity import ratelimit
from tests.conftest import PASSWORD, signin_iam

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client):
    client.raise_request_exception = False  # what a person sees, not the test's traceback
    return client


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.ConnectionError("Error 111 connecting to redis.internal:6379."),
        redis.exceptions.TimeoutError("Timeout reading from socket"),
        OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["redis down", "redis hangs", "postgresql gone"],
)
def test_a_service_that_does_not_answer_is_a_503_to_try_again(browser, alice, monkeypatch, error):
    signin_iam(browser, "example-corp", "alice")

    def fail(*args, **kwargs):
        raise error

    # The console home asks the engine, which loads the principal's policies.
    monkeypatch.setattr("identity.policies.loading.principal_policies", fail)
    response = browser.get(reverse("console:home"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    page = response.content.decode()
    assert "Try again shortly" in page
    assert response["X-Request-ID"] in page  # to quote
    assert "redis.internal" not in page and "Traceback" not in page


def test_any_other_failure_is_a_500_page_that_says_what_to_do(browser, alice, monkeypatch):
    signin_iam(browser, "example-corp", "alice")

    def fail(*args, **kwargs):
        raise RuntimeError("a bug, with a secret: hunter2")

    monkeypatch.setattr("identity.policies.loading.principal_policies", fail)
    response = browser.get(reverse("console:home"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page and "hunter2" not in page
    assert response["X-Request-ID"] in page


def test_with_the_rate_limits_unreachable_no_password_is_checked(
    browser, alice, monkeypatch, settings
):
    """Fail closed: when the counters cannot be reached, the sign-in stops before the password
    is looked at, so no guess is ever tried without being counted."""
    settings.RATELIMIT_ENABLED = True
    checked = []
    monkeypatch.setattr(flows, "authenticate", lambda *a, **k: checked.append(1))

    def unreachable(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to redis.internal:6379.")

    monkeypatch.setattr(ratelimit, "attempt", unreachable)
    response = signin_iam(browser, "example-corp", "alice", password=PASSWORD)
    assert response.status_code == 503
    assert checked == []
