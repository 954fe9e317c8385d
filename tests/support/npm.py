"""The npm tools the tests run with Node.js (bin/_setup.sh installs each in var/tools/<name>),
and the runner of the Node scripts that drive them (JSON lines on stdout, one line on stdin)."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def node_and_tool(env_var: str, name: str, package: str, installer: str) -> tuple[str, Path]:
    """``node`` and the prefix holding ``package`` (``$env_var``, else ``var/tools/<name>``);
    the test fails, naming what installs it, when either is missing."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: bin/test installs npm and Node.js from Debian")
    prefix = Path(os.environ.get(env_var) or ROOT / "var" / "tools" / name)
    if not (prefix / "node_modules" / package).is_dir():
        pytest.fail(
            f"{prefix}/node_modules/{package} is missing: bin/test installs it ({installer})"
        )
    return node, prefix


class NodeScriptError(Exception):
    """The script refused (its report's ``error`` and ``message``) or the process failed."""

    what = "script"

    def __init__(self, report: dict, stderr: str = ""):
        self.report = report
        self.error = report.get("error", "")
        self.message = report.get("message", "")
        text = f"{self.error}: {self.message}" + self.details()
        if stderr.strip():
            text += f"\n{self.what} stderr:\n" + stderr.strip()[-2000:]
        super().__init__(text)

    def details(self) -> str:
        return ""


class NodeScript:
    """A running Node script that answers in JSON lines on stdout (``{"error": ...}`` when it
    refuses) and reads one line on stdin."""

    error_class = NodeScriptError

    def __init__(self, process: subprocess.Popen, lines: queue.Queue, stderr: list[str], timeout):
        self._process = process
        self._lines = lines
        self._stderr = stderr
        self._timeout = timeout

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def next(self) -> dict:
        """The script's next JSON line; its error, a timeout or its exit raise ``error_class``."""
        try:
            line = self._lines.get(timeout=self._timeout)
        except queue.Empty:
            self._process.kill()
            raise self.error_class(
                {"error": "Timeout", "message": f"no answer within {self._timeout} s"},
                self.stderr,
            ) from None
        if line is None:
            self._process.wait(5)
            raise self.error_class(
                {"error": "Exited", "message": f"exit status {self._process.returncode}"},
                self.stderr,
            )
        report = json.loads(line)
        if "error" in report:
            self._process.wait(5)
            raise self.error_class(report, self.stderr)
        return report

    def send(self, line: str) -> dict:
        """Write one line to the script's stdin, close it, and return its next answer."""
        try:
            self._process.stdin.write(line.strip() + "\n")
            self._process.stdin.close()
        except BrokenPipeError:  # it has already failed: next() reports why
            pass
        return self.next()


@contextlib.contextmanager
def run_node_script(
    kind: type[NodeScript], node: str, script: Path, env: dict, timeout: float
) -> Iterator[NodeScript]:
    """Start ``node script`` with ``env``; yield a ``kind`` reading its lines; kill it at the end."""
    process = subprocess.Popen(
        [node, str(script)],
        cwd=ROOT,
        env={**os.environ, **env, "NO_COLOR": "1"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    stderr: list[str] = []

    def read_stdout():
        for line in process.stdout:
            if line.strip():
                lines.put(line)
        lines.put(None)

    def read_stderr():
        for line in process.stderr:
            stderr.append(line)

    readers = [
        threading.Thread(target=read_stdout, daemon=True),
        threading.Thread(target=read_stderr, daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        yield kind(process, lines, stderr, timeout)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(10)
        for reader in readers:
            reader.join(5)
        for stream in (process.stdin, process.stdout, process.stderr):
            with contextlib.suppress(OSError):
                stream.close()
