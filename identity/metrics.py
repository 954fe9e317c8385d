"""What an operator of an identity provider watches, as Prometheus counters.

django-prometheus measures the requests (latency by view, responses by status); these count the
outcomes behind them. They are incremented where the outcome is decided:

- ``tobira_signins_total{step, result}``: the password step (``accounts.flows``), the MFA step
  and passkey sign-ins (``mfa.signin``): ``ok``, ``failed`` or ``throttled``;
- ``tobira_mfa_failures_total{kind}``: a wrong TOTP code, passkey or security key assertion, or
  recovery code;
- ``tobira_audit_events_total{event, result}``: every audit event once its transaction has
  committed (``identity.audit``), ``ok`` or ``error``. Refusals of the policy engine count as one
  ``AccessDenied`` event name. The recovery steps are the ``Recovery*`` events:
  ``sum by (event, result) (rate(tobira_audit_events_total{event=~"Recovery.*"}[5m]))``;
- ``tobira_ratelimit_refusals_total{limit}`` and ``tobira_ratelimit_trips_total{limit}``:
  requests a limit refused, and the first refusal of each window;
- ``tobira_task_failures_total{task}`` and ``tobira_task_retries_total{task}``: Celery tasks,
  counted in the worker (``config.celery``);
- ``tobira_celery_queue_depth{queue}``: read from the broker at scrape time (``config.metrics``).

Labels are fixed names (steps, kinds, limits, tasks), never a user, an address or an id: a
label per person would be unbounded and would put identities into the metrics store.

Under gunicorn the counters live in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's
multiprocess mode), one file per worker, summed at scrape time.
"""

from __future__ import annotations

import functools

from django.db import transaction
from prometheus_client import Counter

SIGNINS = Counter("tobira_signins", "Sign-in attempts, by step and result.", ["step", "result"])
MFA_FAILURES = Counter("tobira_mfa_failures", "Failed MFA verifications, by kind.", ["kind"])
AUDIT_EVENTS = Counter(
    "tobira_audit_events", "Audit events committed, by event name and result.", ["event", "result"]
)
RATELIMIT_REFUSALS = Counter(
    "tobira_ratelimit_refusals", "Requests a rate limit refused, by limit.", ["limit"]
)
RATELIMIT_TRIPS = Counter(
    "tobira_ratelimit_trips", "The first refusal of a rate limit's window, by limit.", ["limit"]
)
TASK_FAILURES = Counter("tobira_task_failures", "Celery tasks that failed, by task.", ["task"])
TASK_RETRIES = Counter("tobira_task_retries", "Celery task retries, by task.", ["task"])


def counts_signin(step: str, *, mfa_kind: str | None = None):
    """Decorates a sign-in flow of ``step`` (password, mfa, passkey) whose outcome has
    ``throttled`` and ``user`` (and perhaps ``stage``, a sign-in held at a step): counted as
    ``throttled``, ``ok`` or ``failed``; a failed MFA step also as an MFA failure of
    ``mfa_kind`` (totp, webauthn, recovery_code)."""

    def decorate(flow):
        @functools.wraps(flow)
        def counted(*args, **kwargs):
            outcome = flow(*args, **kwargs)
            if outcome.throttled:
                result = "throttled"
            elif outcome.user is not None or getattr(outcome, "stage", None) is not None:
                result = "ok"
            else:
                result = "failed"
                if mfa_kind:
                    MFA_FAILURES.labels(kind=mfa_kind).inc()
            SIGNINS.labels(step=step, result=result).inc()
            return outcome

        return counted

    return decorate


def ratelimit(name: str, *, tripped: bool) -> None:
    """A request the limit ``name`` refused (``tripped``: the first of its window)."""
    RATELIMIT_REFUSALS.labels(limit=name).inc()
    if tripped:
        RATELIMIT_TRIPS.labels(limit=name).inc()


def audit_event(event_name: str, *, error: bool) -> None:
    """An audit event, counted once the transaction that wrote it commits (never a rolled-back
    one: the counter and the trail must agree, which the load test checks)."""
    counter = AUDIT_EVENTS.labels(event=event_name, result="error" if error else "ok")
    transaction.on_commit(counter.inc)
