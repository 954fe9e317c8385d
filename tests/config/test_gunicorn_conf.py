"""The production server's configuration loads, as gunicorn reads it."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "config/gunicorn.conf.py"


def test_threads_per_worker_and_overrides_from_the_environment(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("TOBIRA_THREADS", raising=False)
    values = runpy.run_path(str(CONF))
    assert values["worker_class"] == "gthread"
    assert values["threads"] == 4
    assert values["workers"] == (os.cpu_count() or 1)
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("TOBIRA_THREADS", "8")
    values = runpy.run_path(str(CONF))
    assert (values["workers"], values["threads"]) == (3, 8)


def test_gunicorn_accepts_it():
    gunicorn = Path(sys.executable).with_name("gunicorn")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "-c", str(CONF), "config.wsgi"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
