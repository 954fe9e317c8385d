"""The integration tests' services, for the fault tests: a real Celery worker and SMTP server,
and the Twilio stand-in with a proxy that spoils its answers."""

from tests.integration.conftest import (  # noqa: F401
    celery_worker,
    real_queue,
    smtp_server,
    worker_env,
)
from tests.support.twilio import faulty_twilio, twilio_standin  # noqa: F401
