import pytest
from kombu.exceptions import OperationalError

from identity import tasks
from identity.queue import enqueue_on_commit


@pytest.mark.django_db
def test_a_broker_outage_is_logged_not_raised(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_password_changed_notification, "apply_async", broken)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(tasks.send_password_changed_notification, 1, "2026-01-01T00:00:00", "en")
    assert "could not queue task accounts.send_password_changed_notification" in caplog.text
