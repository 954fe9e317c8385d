"""A PostgreSQL cluster of a test's own, made with Debian's server binaries (initdb, pg_ctl) in a
temporary directory on a free 127.0.0.1 port: a test may stop and restart it without touching
the machine's PostgreSQL, which the other tests share. And ``database_alias``: the test reads
such a database through the ORM (``.using(alias)``)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import dj_database_url
from django.db import connections
from django.db.utils import load_backend

SERVER_BINARIES = Path("/usr/lib/postgresql")
TIMEOUT = 30  # seconds for any one step: initdb, a start, a stop


def server_binaries() -> Path:
    """The bin/ of the newest PostgreSQL server installed (bin/_setup.sh installs one)."""
    found = sorted(
        SERVER_BINARIES.glob("*/bin/initdb"),
        key=lambda initdb: [int(part) for part in initdb.parts[-3].split(".")],
    )
    if not found:
        raise AssertionError(
            f"no PostgreSQL server binaries under {SERVER_BINARIES} (*/bin/initdb): "
            "run the tests through bin/test, which installs them"
        )
    return found[-1].parent


class PostgreSQLCluster:
    """One cluster, trust authentication for ``postgres``, listening on 127.0.0.1:``port`` and
    on a socket in its own directory. initdb refuses to run as root: as root the cluster runs
    as the ``postgres`` user (the server package makes it), owner of the directory."""

    def __init__(self, port: int):
        self.port = port
        self.bin = server_binaries()
        self.directory = Path(tempfile.mkdtemp(prefix="tobira-postgresql-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise AssertionError(
                    "running as root, and there is no postgres user to run the cluster as "
                    "(Debian's postgresql package makes it)"
                ) from None
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, program: str, *arguments: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / program), *arguments],
            cwd=self.directory,  # root's working directory may be closed to postgres
            check=True,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )

    def create(self) -> None:
        """initdb, then settings that every start reads (postgresql.conf)."""
        self._run(
            "initdb", "--pgdata", str(self.data), "--username=postgres", "--auth=trust",
            "--encoding=UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.directory}'\n"
                "fsync = off\n"  # a test's data: no need to outlive a crash of the machine
            )

    def _pg_ctl(self, action: str, *arguments: str) -> None:
        self._run(
            "pg_ctl", action, "--pgdata", str(self.data), "--log", str(self.log), "--wait",
            f"--timeout={TIMEOUT}", *arguments,
        )  # fmt: skip

    def start(self) -> None:
        """Started, and accepting connections."""
        self._pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """Stopped: with ``fast``, the sessions it had were told (and rolled back)."""
        self._pg_ctl("stop", f"--mode={mode}")

    def restart(self, mode: str = "fast") -> None:
        """Stopped, started again and accepting connections."""
        self._pg_ctl("restart", f"--mode={mode}")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):  # not running: nothing to stop
            self.stop("immediate")
        shutil.rmtree(self.directory, ignore_errors=True)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def copy_database(self, url: str, name: str) -> str:
        """The database at ``url`` (schema and rows) copied here as ``name``: its URL here."""
        source = dj_database_url.parse(url)
        dump = self.directory / f"{name}.dump"
        here = ["--host=127.0.0.1", f"--port={self.port}", "--username=postgres"]
        for command in (
            [
                "pg_dump", f"--host={source['HOST']}", f"--port={source['PORT'] or 5432}",
                f"--username={source['USER']}", "--format=custom", f"--file={dump}",
                source["NAME"],
            ],
            ["createdb", *here, name],
            ["pg_restore", *here, "--no-owner", f"--dbname={name}", str(dump)],
        ):  # fmt: skip
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
                env={**os.environ, "PGPASSWORD": source["PASSWORD"] or ""},
            )
        return self.url(name)


@contextlib.contextmanager
def database_alias(alias: str, url: str):
    """The database at ``url`` as ``connections[alias]`` in this thread, for the ORM's
    ``.using(alias)``: the test database's settings (its backend), another place. A connection
    made here and not in ``DATABASES``, as Django's test cases allow one made while a test runs
    (none of pytest-django's databases: not flushed, not guarded)."""
    parsed = dj_database_url.parse(url)
    settings = {
        **connections.settings["default"],
        **{key: parsed[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "TEST": {},
    }
    connections[alias] = load_backend(settings["ENGINE"]).DatabaseWrapper(settings, alias)
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
