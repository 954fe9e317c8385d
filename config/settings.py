"""Tobira settings, read from the environment.

Two modes:

* **Embedded default** (no variables set): SQLite, a Celery broker on the local
  filesystem, a database-backed cache, mail printed to the console. A newcomer
  runs it at once.
* **Production** (``TOBIRA_PRODUCTION=1``): ``SECRET_KEY`` and ``ALLOWED_HOSTS`` are
  required, ``DEBUG`` is off, cookies are secure and HSTS is on, so that
  ``manage.py check --deploy`` is clean.

``DATABASE_URL`` (PostgreSQL through psycopg 3), ``CELERY_BROKER_URL`` (Redis) and
``CACHE_URL`` (Redis) switch the embedded parts for the real ones; CI uses them.
See ``docs/configuration.md`` for every variable.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TOBIRA_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in (env(name, default) or "").split(",") if item.strip()]


PRODUCTION = env_bool("TOBIRA_PRODUCTION", False)
DEBUG = env_bool("DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when TOBIRA_PRODUCTION=1")


def _secret_key() -> str:
    key = env("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when TOBIRA_PRODUCTION=1")
    # Embedded default: a random key kept in var/ so sessions survive restarts.
    path = VAR_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created with mode 0600 from the start, never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key)
    return key


SECRET_KEY = _secret_key()


def _field_encryption_keys() -> list[str]:
    """Fernet keys for secrets at rest, newest first (see ``identity.crypto``)."""
    keys = env_list("FIELD_ENCRYPTION_KEYS", "")
    if keys:
        return keys
    if PRODUCTION:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must be set when TOBIRA_PRODUCTION=1 "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
        )
    # Embedded default: derived from SECRET_KEY, so it survives restarts like the key does.
    import base64
    import hashlib

    digest = hashlib.sha256(b"tobira field encryption\x00" + SECRET_KEY.encode()).digest()
    return [base64.urlsafe_b64encode(digest).decode()]


FIELD_ENCRYPTION_KEYS = _field_encryption_keys()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when TOBIRA_PRODUCTION=1")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "identity",
    "identity.credentials",
    "identity.exports",
    "accounts",
    "mfa",
    "recovery",
    "sso",
    "sso.oidc",
    "sso.applications",
    "oauth2_provider",
    "console",
    "api",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "django_structlog",  # sends the request's log context with each Celery task (identity.logs)
]

MIDDLEWARE = [
    # Request latency by view, responses by status (django-prometheus; GET /metrics, config.metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response, the API's and the
    # refusals below included (see "Security headers").
    "csp.middleware.CSPMiddleware",
    "identity.headers.PermissionsPolicyMiddleware",
    # Before anything reads an id, a form or a cookie (the session's included).
    "identity.middleware.RejectNulMiddleware",
    # /healthz and /readyz answered here, whatever Host a probe sends, and not logged
    # (config.health).
    "config.health.ProbeMiddleware",
    # The request's JSON log line and its context (request id, address, principal), API included.
    "identity.logs.RequestLogMiddleware",
    # /iam/ and /sts/ answered here: nothing below concerns a signed call (api.middleware).
    "api.middleware.ApiMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Each signed-in session's row (identity.browser_sessions): key, expiry, last active.
    "identity.middleware.BrowserSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StageMiddleware",
    "sso.middleware.RoleSessionMiddleware",
    "accounts.middleware.NoStoreForSignedInMiddleware",
    "accounts.device_cookies.DeviceCookieMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

if PRODUCTION:
    # Static files from the web process itself, compressed and cache-busted
    # (collectstatic fills STATIC_ROOT); runserver serves them in development.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "identity.context_processors.principal",
                "console.navigation.navigation",
            ],
        },
    },
]
# Plain <input> widgets written in Python, byte for byte as Django's templates (docs/performance.md).
FORM_RENDERER = "identity.form_renderer.FastInputRenderer"

# --- Database -----------------------------------------------------------------
# Variables holding URLs with credentials start with an underscore: Django's
# debug page and settings dumps show only upper-case names.
_database_url = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tobira.sqlite3'}")
if _database_url.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so that concurrent writers (the dev server's
    # threads, the worker) wait for it instead of failing with "database is locked" on upgrade.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, with its health check skipped for a connection that just worked.
    DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by PostgreSQL, and a statement run a second time on a connection prepared
    # there: parsed and planned once per connection instead of once per run (docs/performance.md).
    # Behind PgBouncer in transaction mode, DATABASE_PREPARE_THRESHOLD=off (nothing prepared).
    _prepare = env("DATABASE_PREPARE_THRESHOLD", "2")
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=env_bool("DATABASE_SERVER_SIDE_BINDING", True),
        prepare_threshold=None if _prepare == "off" else int(_prepare),
    )
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (rate limits, throttles); shared between processes in every mode ----
_cache_url = env("CACHE_URL")
if _cache_url and _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "identity.cache.SharedClientRedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "tobira"),
            # A Redis that hangs (paused, failing over) makes a request fail in seconds with a
            # 503 "try again shortly" (console.views.errors), not hold a thread for minutes.
            "OPTIONS": {
                "socket_timeout": float(env("CACHE_SOCKET_TIMEOUT", "2")),
                "socket_connect_timeout": float(env("CACHE_CONNECT_TIMEOUT", "1")),
            },
        }
    }
elif _cache_url in (None, "db"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "tobira_cache",
        }
    }
elif _cache_url == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("CACHE_URL must be redis://..., 'db' or 'locmem'")

# --- Authentication -----------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.ConsoleSignInBackend"]

# Signing in after the password, in order (``accounts.stages``): the MFA step before the
# session, then the stages that hold a signed-in person until done. Dotted paths, so that
# accounts never imports the apps above it.
SIGNIN_STAGES = [
    "mfa.signin.stages.MFA",
    "sso.stages.SSOMFARegistration",
    "accounts.stages.PasswordChange",
    "mfa.enforcement.stages.RootMFAPrompt",
]
# What an SSO user's organization allows them (``sso.access``), asked by the layers below sso.
SSO_SELF_SERVICE = "sso.access.require_self_service"
SSO_DEVICE_KINDS = "sso.access.allowed_device_kinds"

# django-allauth runs only the OpenID Connect redirect flow for SSO (``sso.oidc``,
# ``sso.federation``); Tobira's own flows sign people in, so allauth's account
# features are off and it keeps no users, emails or tokens of its own.
SOCIALACCOUNT_ADAPTER = "sso.federation.SocialAccountAdapter"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_USER_MODEL_EMAIL_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
SSO_CONTEXT_COOKIE_SECURE = PRODUCTION
# An external identity provider's issuer and endpoints must be https, except when this is on
# (development and the tests' provider on 127.0.0.1).
SSO_OIDC_ALLOW_HTTP = env_bool("SSO_OIDC_ALLOW_HTTP", not PRODUCTION)
# ... and must resolve to public addresses only, except when this is on (the same cases).
SSO_OIDC_ALLOW_PRIVATE = env_bool("SSO_OIDC_ALLOW_PRIVATE", not PRODUCTION)
LOGIN_URL = "accounts:signin"

# Tobira as an OpenID Connect provider (issue 15): django-oauth-toolkit with its Application
# swapped for the organization's client, and Tobira's validator (sso/applications/oidc).
OAUTH2_PROVIDER_APPLICATION_MODEL = "applications.OIDCClient"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OAUTH2_VALIDATOR_CLASS": "sso.applications.oidc.validator.Validator",
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Your name and user name",
        "email": "Your email address",
        "groups": "The names of your groups",
        "offline_access": "Stay signed in to the application",
    },
    "DEFAULT_SCOPES": ["openid"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "PKCE_REQUIRED": True,  # per client: Validator.is_pkce_required
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    # RFC 9207's iss is added by Tobira's authorize view: the library knows one global issuer.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": False,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    # Kept this long after their access token expired, revoked ones included (reuse detection),
    # then clear_expired_tokens deletes them: the longest refresh lifetime a client may have.
    "REFRESH_TOKEN_EXPIRE_SECONDS": 365 * 24 * 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if not PRODUCTION else ["https"],
}
LOGIN_REDIRECT_URL = "console:home"
PASSWORD_HASHERS = [
    "identity.hashers.Argon2idOWASPHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-oauth-toolkit's W005 asks for its RFC 9207 `iss` on authorization responses; it knows one
# global issuer, so Tobira's authorize view adds each organization's own instead (its setting is off).
SILENCED_SYSTEM_CHECKS: list[str] = ["oauth2_provider.W005"]

# Sessions live in Redis when the cache is Redis: one GET per request and one SET when the session
# changed, no database write (docs/performance.md). Losing Redis signs people out, nothing more:
# each signed-in session's row (identity.browser_sessions) is in the database. Without Redis
# (the embedded default), in the database with the cache in front.
SESSION_ENGINE = env(
    "SESSION_ENGINE",
    "identity.sessions"  # Django's cache store, whose updates never bring an ended one back
    if CACHES["default"]["BACKEND"] == "identity.cache.SharedClientRedisCache"
    else "django.contrib.sessions.backends.cached_db",
)
SESSION_COOKIE_AGE = int(env("SESSION_COOKIE_AGE", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Named rate limits: "N/period/scope" rules, comma separated. Periods: s, m, h, d
# with an optional multiplier (5m). Scopes: ip, user (the identifier typed in).
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMITS = {
    "signin_failed": env("RATELIMIT_SIGNIN_FAILED", "20/m/ip,5/5m/user"),
    # Failures from browsers that signed in as the user before (device cookies), all together.
    "signin_failed_trusted": env("RATELIMIT_SIGNIN_FAILED_TRUSTED", "30/h/user"),
    "signup": env("RATELIMIT_SIGNUP", "10/h/ip"),
    "change_password": env("RATELIMIT_CHANGE_PASSWORD", "10/5m/user"),
    "mfa_failed": env("RATELIMIT_MFA_FAILED", "30/m/ip,10/5m/user"),
    # Options (a challenge) for signing in with a passkey alone: asked by every sign-in page.
    "passkey_options": env("RATELIMIT_PASSKEY_OPTIONS", "60/m/ip"),
    "recovery_start": env("RATELIMIT_RECOVERY_START", "20/h/ip,10/h/user"),
    "recovery_call": env("RATELIMIT_RECOVERY_CALL", "10/h/ip,5/h/user"),
    # Starting and finishing sign-ins at an external identity provider (each fetches from it).
    "sso_federation": env("RATELIMIT_SSO_FEDERATION", "30/m/ip,300/m/user"),
    # Failed SigV4 signatures (and unknown key ids): per key id and address, and per address.
    "api_signature_failed": env("RATELIMIT_API_SIGNATURE_FAILED", "10/m/user,100/m/ip"),
}
SIGNUP_ENABLED = env_bool("TOBIRA_SIGNUP_ENABLED", not PRODUCTION)
# moto's IAM and STS tests run against Tobira (tests/conformance): a single endpoint at /moto/
# for every service and moto's reset hooks, which wipe a fixture tenant whose root key is moto's
# fixed FOOBARKEY. Never in production.
TOBIRA_MOTO_COMPAT = env_bool("TOBIRA_MOTO_COMPAT", False)
if TOBIRA_MOTO_COMPAT and PRODUCTION:
    raise ImproperlyConfigured("TOBIRA_MOTO_COMPAT must be off when TOBIRA_PRODUCTION=1")
# Root MFA enforcement: days from the first prompt until MFA is mandatory (a wave may set its own).
ROOT_MFA_GRACE_DAYS = int(env("ROOT_MFA_GRACE_DAYS", "35"))
# Behind a proxy that sets X-Forwarded-For, name how many proxies to trust.
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
# Device cookies (accounts.device_cookies): how long a browser that signed in stays exempt from
# the per-user lockout that other browsers cause.
DEVICE_COOKIE_AGE = int(env("DEVICE_COOKIE_AGE_DAYS", "90")) * 86400

# --- Internationalization -----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_TZ = True
FORMAT_MODULE_PATH = ["identity.formats"]  # one date format per language, the time zone named

# --- Static files ---------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}


# --- Email ----------------------------------------------------------------------
def _email_settings(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in ("smtp", "smtps", "smtp+tls"):
        query = parse_qs(parts.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": parts.scheme == "smtps",
            "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
            "EMAIL_TIMEOUT": int(query.get("timeout", ["10"])[0]),
        }
    raise ImproperlyConfigured(
        "EMAIL_URL must be console://, locmem://, smtp://, smtp+tls:// or smtps://"
    )


globals().update(_email_settings(env("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Tobira <no-reply@tobira.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
TOBIRA_BASE_URL = env("TOBIRA_BASE_URL", None if PRODUCTION else "http://localhost:8000")
if not TOBIRA_BASE_URL:
    raise ImproperlyConfigured(
        "TOBIRA_BASE_URL (used in links in emails) must be set when TOBIRA_PRODUCTION=1"
    )

# --- WebAuthn (passkeys and security keys) -------------------------------------
# The relying party is the site people see: its host name is the RP ID, and the
# browser reports the page's origin, which must be one of WEBAUTHN_ORIGINS.
_base = urlsplit(TOBIRA_BASE_URL)
WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", _base.hostname or "localhost")
WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", "Tobira")
WEBAUTHN_ORIGINS = env_list("WEBAUTHN_ORIGINS", f"{_base.scheme}://{_base.netloc}")
WEBAUTHN_CHALLENGE_TTL = 300  # seconds: a ceremony's challenge is good for five minutes, once

# --- Recovery phone calls --------------------------------------------------------
RECOVERY_VOICE_BACKEND = env("RECOVERY_VOICE_BACKEND", "recovery.voice.ConsoleVoice")
# Seconds after *Call me now* when a call that has not reported back (verified, or ended
# through Twilio's status callback) counts as ended: the person may call again.
RECOVERY_CALL_TIMEOUT = int(env("RECOVERY_CALL_TIMEOUT", "180"))
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", "")  # also checks X-Twilio-Signature on webhooks
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER", "")
TWILIO_API_URL = env("TWILIO_API_URL", None)  # a stand-in for api.twilio.com (tests)
# Seconds the Twilio client waits to connect, and then for each part of the answer. A call whose
# answer does not come in time may still ring: it is not tried again (docs/architecture.md).
TWILIO_TIMEOUT_SECONDS = float(env("TWILIO_TIMEOUT_SECONDS", "10"))
if not TWILIO_TIMEOUT_SECONDS > 0:
    raise ImproperlyConfigured("TWILIO_TIMEOUT_SECONDS must be more than 0")

# --- Celery ---------------------------------------------------------------------
# Embedded default: kombu's filesystem transport. It needs no server and no extra
# package, and unlike an in-memory broker it works between two processes (the
# web server enqueues, the worker in another process consumes), which is exactly
# what "runserver + celery worker" on one machine needs. Production uses Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery-queue"
    for _sub in ("queue", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND")
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Periodic work, for `celery beat` (or `celery worker -B`); each is also a management command.
CELERY_BEAT_SCHEDULE = {
    "purge-browser-sessions": {"task": "identity.purge_browser_sessions", "schedule": 3600.0},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The outbox (identity.outbox): every worker hands over what the broker missed every
# OUTBOX_RELAY_INTERVAL seconds, and again what was handed over but not finished after
# OUTBOX_REDELIVER_AFTER seconds (longer than a task's retries take).
OUTBOX_RELAY_INTERVAL = float(env("OUTBOX_RELAY_INTERVAL", "5"))
OUTBOX_REDELIVER_AFTER = int(env("OUTBOX_REDELIVER_AFTER", "1800"))

# --- Health checks ------------------------------------------------------------------
# /healthz: the process answers. /readyz: the database, the cache, the broker, and a heartbeat
# that a Celery worker writes into the cache every HEALTH_WORKER_HEARTBEAT_INTERVAL seconds
# (config.heartbeat), no older than HEALTH_WORKER_HEARTBEAT_MAX_AGE. With tasks run inline
# (CELERY_TASK_ALWAYS_EAGER) there is neither broker nor worker to ask. See docs/configuration.md.
HEALTH_WORKER_HEARTBEAT_INTERVAL = float(env("HEALTH_WORKER_HEARTBEAT_INTERVAL", "10"))
HEALTH_WORKER_HEARTBEAT_MAX_AGE = float(env("HEALTH_WORKER_HEARTBEAT_MAX_AGE", "60"))
# /readyz answers again from the last round of checks for this long (a burst costs one round).
HEALTH_READYZ_CACHE_SECONDS = float(env("HEALTH_READYZ_CACHE_SECONDS", "1"))
if HEALTH_WORKER_HEARTBEAT_MAX_AGE <= HEALTH_WORKER_HEARTBEAT_INTERVAL:
    raise ImproperlyConfigured(
        "HEALTH_WORKER_HEARTBEAT_MAX_AGE must be longer than HEALTH_WORKER_HEARTBEAT_INTERVAL"
    )
# A load balancer's probe may come in plain HTTP straight to the process: answer it, not a
# redirect to https (the paths as SecurityMiddleware matches them, without the leading slash).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# --- Security headers -------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
# django-csp (csp.middleware.CSPMiddleware): this site's scripts, styles, images and fonts only;
# no inline script, event handler or style attribute (templates are checked: tests/test_headers.py).
# QR codes are inline SVG (segno), not data: images. form-action also governs the redirects after
# a POST: views that may redirect to another site hand over with a page instead
# (identity.headers.hand_over_cross_origin_redirects), and the SAML response page alone drops it
# (sso.applications.saml.views._post_page). Permissions-Policy: identity.headers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    if not SECURE_SSL_REDIRECT:
        # TLS is terminated and redirected by the proxy in front of us.
        SILENCED_SYSTEM_CHECKS.append("security.W008")
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS.append("security.W021")

DEFAULT_EXCEPTION_REPORTER_FILTER = "identity.errors.ExceptionReporterFilter"

# --- Logging ----------------------------------------------------------------------
# One JSON object per line (identity.logs): the request id, the client address, the principal's
# ARN and account, carried into the Celery tasks a request queues; never a secret. LOG_FORMAT
# "console" gives key=value lines for a terminal (the default outside production).
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured("LOG_FORMAT must be json or console")
DJANGO_STRUCTLOG_CELERY_ENABLED = True  # the request's context travels in the task's headers
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker's lines are LOGGING's JSON too
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # identity.logs binds Tobira's own client address
DJANGO_STRUCTLOG_USER_ID_FIELD = None  # identity.logs binds the principal, without loading it
# An X-Request-ID is taken from upstream only behind a proxy we trust (nginx sets its own).
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = TRUSTED_PROXY_COUNT > 0
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG  # one line per request: when it ends
DJANGO_STRUCTLOG_STATUS_4XX_LOG_LEVEL = logging.INFO  # a refused guess is not a warning
# --- Metrics ----------------------------------------------------------------------
# GET /metrics (config.metrics): with METRICS_TOKEN, for "Authorization: Bearer <token>" only;
# without it, only straight from the node's loopback address. Under gunicorn, set
# PROMETHEUS_MULTIPROC_DIR (deploy/) so that every worker's counters are summed.
METRICS_TOKEN = env("METRICS_TOKEN", "")
PROMETHEUS_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
PROMETHEUS_LATENCY_BUCKETS += (float("inf"),)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": {"()": "identity.logs.formatter", "renderer": LOG_FORMAT}},
    "filters": {
        "no_403_traceback": {"()": "identity.logfilters.ExpectedForbiddenWithoutTraceback"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["no_403_traceback"]},  # an expected refusal: one line
        # oauthlib logs authorization codes and request bodies at DEBUG ("Saving grant {'code':
        # ...}"), whatever LOG_LEVEL says: never below INFO.
        "oauthlib": {"level": "INFO"},
        "oauth2_provider": {"level": "INFO"},
        # pysaml2 logs whole requests and documents at DEBUG and INFO: never in Tobira's logs.
        "saml2": {"level": "WARNING"},
    },
}
