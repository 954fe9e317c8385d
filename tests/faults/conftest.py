"""The integration tests' services, for the fault tests: a real Celery worker and SMTP server."""

from tests.integration.conftest import celery_worker, smtp_server, worker_env  # noqa: F401
