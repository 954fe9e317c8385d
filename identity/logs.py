"""Structured logs: one JSON object per line, with the request's id, the principal and the account,
and never a secret.

Every record goes through structlog's ``ProcessorFormatter``: django-structlog's own events
(``request_finished``, ``task_started``, ...) and the standard library's records alike (Django,
Celery, Tobira's ``logging.getLogger`` calls). The request's context is bound in contextvars by
:class:`RequestLogMiddleware` and carried into the Celery tasks it queues (django-structlog's
Celery receiver puts it in the task's headers), so a task's lines carry the request id of the
request that queued it.

What keeps secrets out:

- A request is logged as its method and path with the query string's **names only**
  (``GET /recovery/verify/<id>?t=``): recovery links, authorization codes, presigned
  signatures and SAML hand-offs travel in query strings. No header, cookie or body is logged.
- :func:`redact` replaces the value of any key that names a secret (password, token, code,
  secret, key, credential, cookie, authorization, session, SAML messages), at any depth, and
  masks the password of any ``scheme://user:password@host`` URL inside a string, as a
  backstop for what a library might put in an exception's text.
- ``tests/identity/test_logs.py`` runs sign-ins, MFA, recovery, access keys and signed API calls
  and looks for every secret they used in the log output.
"""

from __future__ import annotations

import contextvars
import re
import time
from typing import Any

import structlog
from django.dispatch import receiver
from django.utils.functional import empty
from django_structlog import signals as django_structlog_signals
from django_structlog.celery import signals as celery_signals
from django_structlog.middlewares import RequestMiddleware

from identity.errors import SERVICE_DOWN
from identity.requestinfo import client_ip

REDACTED = "[redacted]"

# Key names (lower case, compared after removing "-" and "_") whose values are secrets. A key
# that contains one of these words is redacted too: "password_hash", "aws_secret_access_key".
_SECRET_WORDS = (
    "password",
    "passwd",
    "pwd",
    "secret",
    "token",
    "authorization",
    "cookie",
    "credential",
    "sessionid",
    "sessionkey",
    "otp",
    "samlresponse",
    "samlrequest",
    "privatekey",
    "apikey",
    "signature",
)
# Keys that are secrets only as a whole word, and only when they hold text: "code" is an MFA or
# authorization code as a string, but django-structlog's HTTP status as a number.
_SECRET_KEYS = frozenset({"code", "key", "pin", "seed", "t", "state", "nonce"})
# The password runs to the last "@" before the host's "/": a password may hold an "@" itself.
_URL_PASSWORD = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:@/\s]*):[^/\s]*@")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MAX_DEPTH = 4


def is_secret(name: Any, value: Any) -> bool:
    """Whether a key names a secret (for the whole words, a value that is not a number)."""
    if not isinstance(name, str):
        return False
    folded = name.lower().replace("-", "").replace("_", "")
    if folded in _SECRET_KEYS or folded.endswith("code"):  # "mfa_code", "totp_code"...
        return not isinstance(value, (int, float, bool)) and value is not None
    return any(word in folded for word in _SECRET_WORDS)


def _scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _URL_PASSWORD.sub(r"\g<scheme>\g<user>:" + REDACTED + "@", value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {
            key: REDACTED if is_secret(key, item) else _scrub(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(_scrub(item, depth + 1) for item in value)
    return value


def redact(logger, method_name: str, event_dict: dict) -> dict:
    """structlog processor: the values of secret-named keys replaced, URL passwords masked."""
    for key, value in list(event_dict.items()):
        if is_secret(key, value):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = _scrub(value)
    return event_dict


def safe_request_line(request) -> str:
    """``METHOD /path?name=&other=``: the query string's names without their values."""
    line = f"{request.method} {request.path}"
    if request.GET:
        line += "?" + "&".join(f"{name}=" for name in request.GET)
    return line


def _stdlib_record_name(logger, method_name: str, event_dict: dict) -> dict:
    """The standard library's logger name as ``logger`` (structlog's own events carry it too)."""
    record = event_dict.get("_record")
    if record is not None:
        event_dict.setdefault("logger", record.name)
    return event_dict


# The processors every record goes through before it is rendered, structlog's or the standard
# library's ("foreign") alike.
SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.processors.StackInfoRenderer(),
]


def _one_line(logger, method_name: str, event_dict: dict) -> dict:
    """key=value lines: control characters escaped, so that no value (a path someone chose)
    starts a line of its own. JSON escapes them itself."""
    for key, value in event_dict.items():
        if key == "exception":  # a traceback keeps its lines on a terminal
            continue
        if isinstance(value, str) and any(ch < " " or ch == "\x7f" for ch in value):
            event_dict[key] = value.encode("unicode_escape").decode("ascii")
    return event_dict


def formatter(renderer: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The logging formatter (LOGGING's ``"()"``): JSON lines, or key=value for a terminal."""
    if renderer == "json":
        final = [structlog.processors.JSONRenderer(sort_keys=False)]
    else:
        final = [_one_line, structlog.dev.ConsoleRenderer(colors=False)]
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED_PROCESSORS, _stdlib_record_name],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact,
            *final,
        ],
    )


def configure() -> None:
    """structlog's own loggers hand their events to the standard library (and so to LOGGING)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


class RequestLogMiddleware(RequestMiddleware):
    """django-structlog's request logging, made safe for an identity provider:

    - the request line keeps the query string's names, not their values;
    - the client address is Tobira's (``identity.requestinfo.client_ip``, which honours
      ``TRUSTED_PROXY_COUNT``), not ipware's guess from headers anyone can send;
    - an upstream ``X-Request-ID`` is kept only when it is short and plain (the proxy's own id);
      otherwise a fresh one;
    - the principal's ARN and account are bound once the request has loaded its user, never
      by loading it here (that would cost a session read on requests that need none);
    - the response carries ``X-Request-ID``, so a person can quote it to support.
    """

    def __call__(self, request):
        upstream = request.META.get("HTTP_X_REQUEST_ID")
        if upstream is not None and not _REQUEST_ID.fullmatch(upstream):
            del request.META["HTTP_X_REQUEST_ID"]
        return super().__call__(request)

    def prepare(self, request) -> None:
        structlog.contextvars.clear_contextvars()  # nothing left from another request
        request.tobira_started = time.perf_counter()
        _current_request.set(request)
        super().prepare(request)
        structlog.contextvars.bind_contextvars(ip=client_ip(request))

    def handle_response(self, request, response) -> None:
        bind_principal(request)
        request_id = structlog.contextvars.get_contextvars().get("request_id")
        if request_id and "X-Request-ID" not in response:
            response["X-Request-ID"] = request_id
        super().handle_response(request, response)
        _current_request.set(None)

    def _process_exception(self, request, exception) -> None:
        bind_principal(request)
        super()._process_exception(request, exception)

    @staticmethod
    def format_request(request) -> str:
        return safe_request_line(request)

    @staticmethod
    def bind_user_id(request) -> None:
        """Not django-structlog's (it loads the user): :func:`bind_principal` instead."""


# The request being handled in this thread (or task), for the principal of the tasks it queues.
_current_request: contextvars.ContextVar = contextvars.ContextVar("tobira_request", default=None)


@receiver(celery_signals.modify_context_before_task_publish)
def _task_context(sender, context, **kwargs) -> None:
    """A task queued by a signed-in request carries its principal and account too."""
    request = _current_request.get()
    if request is not None:
        context.update(principal_context(request))


@receiver(django_structlog_signals.bind_extra_request_finished_metadata)
def _finished(sender, request, logger, response, log_kwargs, **kwargs) -> None:
    """What an access log holds: the view's name and the time the request took."""
    started = getattr(request, "tobira_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    match = getattr(request, "resolver_match", None)
    if match is not None:
        log_kwargs["view"] = match.view_name


def principal_context(request) -> dict:
    """The principal's ARN and account, if the request has loaded its user (never loads it)."""
    user = getattr(request, "user", None)
    wrapped = getattr(user, "_wrapped", user)  # django.contrib.auth's SimpleLazyObject
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return {}
    return {
        "principal_arn": getattr(wrapped, "arn", None) or None,
        "account_id": getattr(wrapped, "account_id", None),
    }


@receiver(django_structlog_signals.bind_extra_request_failed_metadata)
def _failed(sender, request, logger, exception, log_kwargs, **kwargs) -> None:
    """The status the person got: a service that did not answer is a 503, not a 500."""
    if isinstance(exception, SERVICE_DOWN):
        log_kwargs["code"] = 503


def bind_principal(request) -> None:
    structlog.contextvars.bind_contextvars(**principal_context(request))
