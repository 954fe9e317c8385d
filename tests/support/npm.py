"""The npm tools the tests run with Node.js (bin/_setup.sh installs each in var/tools/<name>)."""

from __future__ import annotations

import os
import shutil
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
