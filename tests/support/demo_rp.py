"""bin/demo_rp.py (the demo's relying party) run for a test: on a free loopback port, stopped
when the block ends.

    with demo_relying_party(issuer, client_id, secret) as rp:
        page.goto(rp.url + "/login")
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class DemoRP:
    url: str
    redirect_uri: str
    process: subprocess.Popen


def redirect_uri_for(port: int) -> str:
    return f"http://localhost:{port}/callback"


@contextlib.contextmanager
def demo_server(script: str, arguments: list[str], port: int, env: dict | None = None):
    """``bin/<script>`` with ``arguments`` on ``port``, once it answers; stopped at the end."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bin" / script), *arguments, "--port", str(port)],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{script} did not start: " + process.stderr.read()
                    ) from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def demo_relying_party(issuer: str, client_id: str, secret: str, port: int) -> Iterator[DemoRP]:
    arguments = ["--issuer", issuer, "--client-id", client_id]
    with demo_server("demo_rp.py", arguments, port, {"TOBIRA_RP_SECRET": secret}) as process:
        yield DemoRP(f"http://localhost:{port}", redirect_uri_for(port), process)
