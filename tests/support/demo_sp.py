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
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.demo_rp import demo_server, free_port

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
    arguments = ["--idp-metadata-url", idp_metadata_url]
    with demo_server("demo_sp.py", arguments, port) as process:
        yield DemoSP(f"http://localhost:{port}", entity_id_for(port), acs_url_for(port), process)
