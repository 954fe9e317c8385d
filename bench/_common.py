"""What several benches share and that must exist before ``bench.signin`` is imported (it reads
``BENCH_DATABASE_URL`` when imported)."""

from __future__ import annotations

import os


def bench_database_url(url: str, suffix: str, default: str) -> str:
    """``url``'s database with ``suffix`` appended (a database the bench may drop and create):
    each bench and each worktree has its own. ``default`` when ``url`` is empty."""
    if not url:
        return default
    base, _slash, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}{suffix}"


def use_bench_services(suffix: str, default_database: str, *, own_database: bool = False) -> None:
    """Point ``bench.signin`` (it reads these when imported) at a database of the bench's own
    (``DATABASE_URL``'s name with ``suffix``) and at the worktree's Redis. ``own_database``:
    this bench's database even when ``BENCH_DATABASE_URL`` is set already."""
    url = bench_database_url(os.environ.get("DATABASE_URL", ""), suffix, default_database)
    if own_database:
        os.environ["BENCH_DATABASE_URL"] = url
    else:
        os.environ.setdefault("BENCH_DATABASE_URL", url)
    os.environ.setdefault(
        "BENCH_CACHE_URL", os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/13")
    )
    os.environ.setdefault(
        "BENCH_BROKER_URL", os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/12")
    )
