"""GET /metrics (config.metrics) and the outcome counters behind it (identity.metrics)."""

import re
import time

import pytest
from celery.signals import task_failure
from django.db import transaction
from django.urls import reverse
from prometheus_client.parser import text_string_to_metric_families

from config.celery import ping
from identity import audit
from identity.audit_events import Event
from mfa.recovery_codes import flows as recovery_codes
from tests.conftest import signin_iam
from tests.support.mfa import enabled_app

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict:
    """{(name, labels as a sorted tuple): value} from GET /metrics."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Delta:
    """What a block adds to the counters (the registry lives as long as the test process)."""

    def __init__(self, client, on_commit):
        self.client = client
        self.on_commit = on_commit  # django_capture_on_commit_callbacks: the test's transaction

    def __enter__(self):
        self.before = scrape(self.client)
        self.callbacks = self.on_commit(execute=True)
        self.callbacks.__enter__()
        return self

    def __exit__(self, *exc):
        self.callbacks.__exit__(*exc)
        self.after = scrape(self.client)

    def __call__(self, name: str, **labels) -> float:
        return value(self.after, name, **labels) - value(self.before, name, **labels)


# --- who may read it ---------------------------------------------------------------------------


def test_the_node_itself_may_read_it_and_sees_the_request_metrics(client):
    client.get(reverse("accounts:signin"))
    samples = scrape(client)
    assert any(
        name == "django_http_requests_latency_seconds_by_view_method_count"
        and dict(labels).get("view") == "accounts:signin"
        for name, labels in samples
    )


def test_through_a_proxy_or_from_elsewhere_it_is_not_there(client):
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert client.post("/metrics").status_code in (404, 405)


def test_with_a_token_only_the_bearer_may_read_it(client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    assert client.get("/metrics").status_code == 404  # loopback is not enough any more
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert (
        client.get("/metrics", headers={"Authorization": "scrape-token-0123456789"}).status_code
        == 404
    )
    response = client.get(
        "/metrics",
        headers={"Authorization": "Bearer scrape-token-0123456789"},
        REMOTE_ADDR="10.0.0.7",
    )
    assert response.status_code == 200
    assert b"scrape-token" not in response.content


# --- the outcome counters ----------------------------------------------------------------------


def test_sign_ins_are_counted_by_step_and_result(client, django_capture_on_commit_callbacks, alice):
    with Delta(client, django_capture_on_commit_callbacks) as delta:
        signin_iam(client, "example-corp", "alice", password="Wrong-password-1")
        signin_iam(client, "example-corp", "nobody", password="Wrong-password-1")
        signin_iam(client, "example-corp", "alice")
    assert delta("tobira_signins_total", step="password", result="failed") == 2
    assert delta("tobira_signins_total", step="password", result="ok") == 1
    assert delta("tobira_audit_events_total", event="ConsoleLogin", result="error") == 2
    assert delta("tobira_audit_events_total", event="ConsoleLogin", result="ok") == 1


def test_mfa_results_and_failures_are_counted_by_kind(
    client, client_factory, django_capture_on_commit_callbacks, alice
):
    device, app = enabled_app(alice)
    recovery_codes.generate(user=alice)
    other = client_factory()
    signin_iam(client, "example-corp", "alice")
    signin_iam(other, "example-corp", "alice")
    wrong = str((int(app.now()) + 1) % 1_000_000).zfill(6)
    with Delta(client, django_capture_on_commit_callbacks) as delta:
        response = client.post(reverse("mfa:signin"), {"device": device.pk, "code": app.now()})
        assert response.status_code == 302
        other.post(reverse("mfa:signin"), {"device": device.pk, "code": wrong})
        wrong_recovery = {"method": "recovery_code", "recovery_code": "AAAAA-BBBBB-CCCCC"}
        other.post(reverse("mfa:signin"), wrong_recovery)
    assert delta("tobira_signins_total", step="mfa", result="ok") == 1
    assert delta("tobira_signins_total", step="mfa", result="failed") == 2
    assert delta("tobira_mfa_failures_total", kind="totp") == 1
    assert delta("tobira_mfa_failures_total", kind="recovery_code") == 1


def test_a_throttled_sign_in_and_the_limit_that_tripped_are_counted(
    client, django_capture_on_commit_callbacks, alice, ratelimits_on, settings
):
    settings.RATELIMITS = {**settings.RATELIMITS, "signin_failed": "3/m/user"}
    with Delta(client, django_capture_on_commit_callbacks) as delta:
        for _ in range(5):
            signin_iam(client, "example-corp", "alice", password="Wrong-password-1")
    assert delta("tobira_signins_total", step="password", result="failed") == 3
    assert delta("tobira_signins_total", step="password", result="throttled") == 2
    assert delta("tobira_ratelimit_refusals_total", limit="signin_failed") == 2
    assert delta("tobira_ratelimit_trips_total", limit="signin_failed") == 1


def test_an_audit_event_counts_only_once_its_transaction_commits(
    client, django_capture_on_commit_callbacks, alice
):
    with Delta(client, django_capture_on_commit_callbacks) as delta:
        with pytest.raises(RuntimeError), transaction.atomic():
            audit.record(Event.CHANGE_PASSWORD, actor=alice)
            raise RuntimeError("rolled back")
        with transaction.atomic():
            audit.record(Event.CHANGE_PASSWORD, actor=alice)
    assert delta("tobira_audit_events_total", event="ChangePassword", result="ok") == 1


def test_task_failures_are_counted_by_task(client, django_capture_on_commit_callbacks):
    with Delta(client, django_capture_on_commit_callbacks) as delta:
        task_failure.send(sender=ping, task_id="t1", exception=RuntimeError("x"))
    assert delta("tobira_task_failures_total", task="tobira.ping") == 1


def test_no_label_holds_a_person_or_an_address(client, alice):
    signin_iam(client, "example-corp", "alice", password="Wrong-password-1")
    text = client.get("/metrics").content.decode()
    assert "alice" not in text
    assert alice.account_id not in text
    assert not re.search(r"\b127\.0\.0\.1\b", text)


# --- the broker's queue -----------------------------------------------------------------------


def test_the_queue_depth_is_read_from_the_broker(client, settings):
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        pytest.fail("the queue depth is read from Redis here: run through bin/test")
    from config.celery import app

    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(app.conf.task_default_queue)
        before = value(scrape(client), "tobira_celery_queue_depth", queue="celery")
        for _ in range(3):
            app.send_task("tobira.ping", args=["x"], connection=connection)
        samples = scrape(client)
        connection.default_channel.queue_purge(app.conf.task_default_queue)
    assert value(samples, "tobira_celery_broker_up") == 1
    assert value(samples, "tobira_celery_queue_depth", queue="celery") == before + 3


def test_a_broker_that_does_not_answer_is_reported_quickly(client, monkeypatch):
    from config.celery import app

    for name in ("broker_url", "broker_read_url"):
        monkeypatch.setattr(app.conf, name, "redis://127.0.0.1:9/0")  # nothing listens there
    started = time.monotonic()
    samples = scrape(client)
    assert time.monotonic() - started < 5
    assert value(samples, "tobira_celery_broker_up") == 0
    assert not any(name == "tobira_celery_queue_depth" for name, _labels in samples)
