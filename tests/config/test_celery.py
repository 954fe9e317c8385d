"""config/celery.py: the worker registers every task, those of packages inside an app included."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a worker process knows once it has started: a fresh interpreter, so that the test run's own
# imports (which load every tasks module) cannot hide a module the worker would never import. With
# the system checks skipped (``celery worker --skip-checks``): they load the URLs, and so every
# view's imports, which registered such tasks by accident.
WORKER_VIEW = """
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
import django
from config.celery import app
django.setup()
app.loader.import_default_modules()
print(json.dumps(sorted(app.tasks)))
"""


def test_the_worker_finds_the_tasks_of_packages_inside_apps():
    result = subprocess.run(
        [sys.executable, "-c", WORKER_VIEW],
        cwd=ROOT,
        env={**os.environ, "CELERY_SKIP_CHECKS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tasks = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert {
        "credentials.generate_credential_report",  # mfa/credentials/tasks.py
        "recovery.send_recovery_codes_created_notification",  # mfa/recovery_codes/tasks.py
        "accounts.send_password_changed_notification",  # identity/tasks.py
    } <= tasks
