"""The integration tests' services, for the fault tests: a real Celery worker and SMTP server."""

from tests.integration.conftest import (  # noqa: F401
    celery_worker,
    real_queue,
    smtp_server,
    worker_env,
)
