"""Configuration from the environment: the embedded default and production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRINT_SETTINGS = """
import django, json
django.setup()
from django.conf import settings
from config.celery import app
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "broker": app.conf.broker_url,
    "email": settings.EMAIL_BACKEND,
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "hasher": settings.PASSWORD_HASHERS[0],
}))
"""


def _clean_env(tmp_path, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "EMAIL_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "TOBIRA_PRODUCTION",
            "TOBIRA_MOTO_COMPAT",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # the browser tests' session sets it
        }
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "TOBIRA_VAR_DIR": str(tmp_path / "var"),
            **extra,
        }
    )
    return env


def test_embedded_default_needs_no_server(tmp_path):
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=_clean_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(out.stdout)
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["broker"].startswith("filesystem://")
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert values["hasher"] == "identity.hashers.Argon2idOWASPHasher"
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_switches_to_postgresql_redis_and_smtp(tmp_path):
    env = _clean_env(
        tmp_path,
        DATABASE_URL="postgres://tobira:pw@db.internal:5432/tobira",
        CELERY_BROKER_URL="redis://cache.internal:6379/0",
        CACHE_URL="redis://cache.internal:6379/1",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.internal:587",
    )
    out = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    values = json.loads(out.stdout)
    assert values["engine"] == "config.postgresql"  # Django's, with a cheaper health check
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["cache"] == "identity.cache.SharedClientRedisCache"


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _clean_env(tmp_path, TOBIRA_PRODUCTION="1", ALLOWED_HOSTS="console.example.com")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    env = _production_env(
        tmp_path,
        DATABASE_URL="postgres://tobira@127.0.0.1:5432/tobira",
        CACHE_URL="redis://127.0.0.1:6379/0",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def _production_env(tmp_path, **extra):
    return _clean_env(
        tmp_path,
        TOBIRA_PRODUCTION="1",
        SECRET_KEY="x7!kq" * 12,
        ALLOWED_HOSTS="console.example.com",
        TOBIRA_BASE_URL="https://console.example.com",
        FIELD_ENCRYPTION_KEYS="dG9iaXJhLXNldHRpbmdzLXRlc3Qta2V5LTMyYnl0ZXM=",
        **extra,
    )


def test_production_refuses_debug(tmp_path):
    env = _production_env(tmp_path, DEBUG="1")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_rate_limits_on_a_cache_without_atomic_increments(tmp_path):
    env = _production_env(
        tmp_path, DATABASE_URL="postgres://tobira@127.0.0.1:5432/tobira", CACHE_URL="db"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "tobira.E001" in result.stderr


def test_debug_page_filter_hides_urls_with_credentials(settings):
    from identity.errors import ExceptionReporterFilter

    settings.CELERY_BROKER_URL = "redis://:hunter2@cache.internal:6379/0"
    shown = ExceptionReporterFilter().get_safe_settings()
    assert "hunter2" not in str(shown)
    assert shown["CELERY_BROKER_URL"] == ExceptionReporterFilter.cleansed_substitute


def test_production_refuses_the_moto_conformance_mount(tmp_path):
    env = _production_env(tmp_path, TOBIRA_MOTO_COMPAT="1")
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "TOBIRA_MOTO_COMPAT must be off when TOBIRA_PRODUCTION=1" in result.stderr
