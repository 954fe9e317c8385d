"""A token that changes whenever anything that decides who a signed call is, or what it may do,
changes; and a per-process cache that trusts an entry only under the token it was loaded under.

The IAM API (``api/``) answers each call after looking up the signing key (with its user,
account and organization) and the principal's policies: four to six queries that cost more than
the rest of the call. It keeps what it loaded in a ``ProcessCache`` and reuses it while the
installation's *generation* is still the one it read **before** loading. So an entry can be
older than the data only if the generation moved, and then nobody reads it again.

What moves the generation is not a list of places that remember to: a database execute wrapper,
installed on every connection Django opens (``install``), sees each INSERT, UPDATE, DELETE and
TRUNCATE Django sends, whatever sent it (a model's ``save``, ``QuerySet.update()``,
``bulk_create``, a cascade, raw SQL through Django's cursor), and when it touches a watched
table it sets a new random generation in the shared cache, once at once and once more when the
transaction commits:

- at once, so that the writer's own transaction and code that never commits (tests) see it;
- on commit, because a reader between the two may have loaded the data as it was before the
  commit under the first new token; the second makes that entry unreachable.

Updates that only stamp "last used" columns (``WATCHED``'s ignored columns) move nothing: the
cached objects' copies of them are never read by a signed call.

Limits, on purpose:
- Writes that bypass Django (psql by hand, another program) are not seen; ``MAX_AGE`` bounds
  how long a process trusts an entry anyway (IAM at AWS is eventually consistent too).
- One generation for the whole installation: a write in one organization empties every
  process's cache for all of them. Reads outnumber IAM writes by far; per-tenant tokens would
  need every write to name its organization.
- Only with a cache every process shares (Redis, or Django's database cache). With the local
  memory cache, another process's writes could not be seen, so ``current`` answers None and
  nothing is cached.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.backends.signals import connection_created

logger = logging.getLogger(__name__)

KEY = "identity:generation"
MAX_AGE = 30.0  # seconds a process trusts an entry, whatever the generation says

# The tables the cached objects are read from, each with the columns whose updates alone move
# nothing. tests/test_generation.py checks that loading a signing key and a principal's
# policies reads no other table.
WATCHED: dict[str, frozenset[str]] = {
    "identity_organization": frozenset(),
    "identity_account": frozenset(),
    "identity_user": frozenset({"last_login", "password_last_used"}),
    "identity_group": frozenset(),
    "identity_groupmembership": frozenset(),
    "identity_inlinepolicy": frozenset(),
    "identity_policyattachment": frozenset(),
    "identity_customerpolicy": frozenset(),
    "identity_policyversion": frozenset(),
    "identity_servicecontrolpolicy": frozenset(),
    "identity_scpattachment": frozenset(),
    "identity_organizationalunit": frozenset(),  # the SCP chain's OUs (and their names)
    "credentials_accesskey": frozenset({"last_used_at", "last_used_service", "last_used_region"}),
    "credentials_sessioncredential": frozenset(),
}

_WATCHED_NAME = re.compile(
    r"(?<![\w$])(" + "|".join(map(re.escape, WATCHED)) + r")(?![\w$])", re.IGNORECASE
)
_COMMENT = re.compile(r"\s*(?:/\*.*?\*/|--[^\n]*(?:\n|$))", re.DOTALL)
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW")
_UPDATE_TARGET = re.compile(r'UPDATE\s+"(\w+)"\s+SET\s', re.IGNORECASE)
_ASSIGNED = re.compile(r'\s*"(\w+)"\s*=')


def _first_word(sql: str) -> str:
    rest = sql
    while True:  # leading comments (query tags, annotated scripts) say nothing
        match = _COMMENT.match(rest)
        if match is None or not match.group(0).strip():
            break
        rest = rest[match.end() :]
    word = rest.lstrip()[:9].split(None, 1)
    return word[0].upper() if word else ""


def _top_level_assignments(sql: str, start: int) -> list[str] | None:
    """The assignments of an UPDATE's SET list from ``start``, split at commas outside
    parentheses and quotes, up to its own WHERE (not a subquery's); None if unsure."""
    pieces, depth, quote, piece_start, i = [], 0, "", start, start
    while i < len(sql):
        char = sql[i]
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and char == ",":
            pieces.append(sql[piece_start:i])
            piece_start = i + 1
        elif depth == 0 and sql[i : i + 7].upper() in (" WHERE ", " WHERE(", "\nWHERE "):
            break
        i += 1
    if quote or depth:
        return None
    pieces.append(sql[piece_start:i])
    return pieces


def moves_generation(sql: str) -> bool:
    """Whether the statement ``sql`` may write a watched table.

    Fail-safe: any statement that is not a plain read and names a watched table (quoted or not,
    schema-qualified, in any case, after comments or in a CTE) moves it. The one exception is an
    ``UPDATE`` of a watched table whose top-level SET list assigns only that table's ignored
    columns (the "last used" stamps)."""
    word = _first_word(sql)
    if word in _READS or _WATCHED_NAME.search(sql) is None:
        return False
    if word == "UPDATE":
        target = _UPDATE_TARGET.search(sql)
        ignored = WATCHED.get(target.group(1)) if target else None
        if ignored:
            assignments = _top_level_assignments(sql, target.end())
            if assignments:
                columns = set()
                for assignment in assignments:
                    column = _ASSIGNED.match(assignment)
                    if column is None:
                        return True
                    columns.add(column.group(1))
                if columns <= ignored:
                    return False
    return True


_PROCESS_LOCAL = ("django.core.cache.backends.locmem.", "django.core.cache.backends.dummy.")


def _shared() -> bool:
    return not settings.CACHES["default"]["BACKEND"].startswith(_PROCESS_LOCAL)


def _in_database() -> bool:
    return settings.CACHES["default"]["BACKEND"].endswith(".db.DatabaseCache")


def bump() -> None:
    """A new generation: nothing cached before it is used again.

    A cache that cannot be written to does not fail the write that moved the generation (nor a
    migration that runs before the cache table exists): it is logged, and other processes
    trust what they hold for ``MAX_AGE`` at most.
    """
    try:
        cache.set(KEY, secrets.token_hex(8), timeout=None)
    except Exception:
        logger.warning("Could not move the generation in the cache", exc_info=True)


def current(read: dict[str, Any] | None = None) -> str | None:
    """The generation now (from ``read``, values already fetched with ``KEY`` among them), a new
    one if the cache lost it, or None when caching is off (no shared cache)."""
    if not _shared():
        return None
    value = read.get(KEY) if read is not None else cache.get(KEY)
    if value is None:
        value = secrets.token_hex(8)
        if not cache.add(KEY, value, timeout=None):
            value = cache.get(KEY)
    return value


def _after_commit() -> None:
    bump()


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and moves_generation(sql):
        connection = context["connection"]
        # With Django's database cache the generation is a row written in the writer's own
        # transaction: seen by nobody before the commit, and a lock that two writers could
        # take in opposite orders. There, only the bump on commit.
        if not (connection.in_atomic_block and _in_database()):
            bump()
        # Once more when the transaction commits: once per transaction (a callback of a rolled
        # back savepoint is dropped by Django, so the next write queues its own).
        if connection.in_atomic_block and not any(
            func is _after_commit for _sids, func, _robust in connection.run_on_commit
        ):
            transaction.on_commit(_after_commit, using=connection.alias)
    return result


def _on_connection(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every connection Django opens from now on (``IdentityConfig.ready``)."""
    connection_created.connect(_on_connection, dispatch_uid="identity.generation")


class ProcessCache:
    """Entries valid under one generation, for at most ``MAX_AGE`` seconds, at most ``size``.

    Shared by the threads of a process: each operation is one dict access under the GIL, and
    a change of generation replaces the dict rather than clearing it under a reader.
    """

    def __init__(self, size: int = 10_000):
        self.size = size
        self._state: tuple[str | None, dict] = (None, {})  # replaced whole, never half

    def get(self, key, generation: str | None):
        held, entries = self._state
        if generation is None or generation != held:
            return None
        entry = entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key, generation: str | None, value) -> None:
        if generation is None:
            return
        held, entries = self._state
        if generation != held or len(entries) >= self.size:
            entries = {}
        entries[key] = (time.monotonic() + MAX_AGE, value)
        self._state = (generation, entries)

    def clear(self) -> None:
        self._state = (None, {})

    def get_or_load(self, key, generation: str | None, load: Callable[[], Any]):
        value = self.get(key, generation)
        if value is None:
            value = load()
            self.put(key, generation, value)
        return value
