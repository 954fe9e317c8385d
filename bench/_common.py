"""What several benches share and that must exist before ``bench.signin`` is imported (it reads
``BENCH_DATABASE_URL`` when imported)."""

from __future__ import annotations


def bench_database_url(url: str, suffix: str, default: str) -> str:
    """``url``'s database with ``suffix`` appended (a database the bench may drop and create):
    each bench and each worktree has its own. ``default`` when ``url`` is empty."""
    if not url:
        return default
    base, _slash, name = url.rpartition("/")
    return f"{base}/{name.split('?')[0]}{suffix}"
