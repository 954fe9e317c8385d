"""bin/demo_sp.py (the demo's SAML service provider) run for a test: on a free loopback port,
stopped when the block ends.

    port = free_port()
    ...  # a SAML application with entity_id_for(port) and acs_url_for(port)
    with demo_service_provider(idp_metadata_url, port) as sp:
        page.goto(sp.url + "/login")
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests

from tests.support.demo_rp import free_port

__all__ = ["DemoSP", "acs_url_for", "demo_service_provider", "entity_id_for", "free_port"]

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class DemoSP:
    url: str
    entity_id: str
    acs_url: str
    process: subprocess.Popen


def entity_id_for(port: int) -> str:
    return f"http://localhost:{port}/metadata"


def acs_url_for(port: int) -> str:
    return f"http://localhost:{port}/acs"


@contextlib.contextmanager
def demo_service_provider(idp_metadata_url: str, port: int) -> Iterator[DemoSP]:
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bin" / "demo_sp.py"),
            "--idp-metadata-url",
            idp_metadata_url,
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except requests.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the demo service provider did not start: " + process.stderr.read()
                    ) from None
                time.sleep(0.1)
        yield DemoSP(url, entity_id_for(port), acs_url_for(port), process)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
