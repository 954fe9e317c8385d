"""deploy/systemd: systemd's own verifier reads each unit (with this checkout's paths in place of
/srv/tobira/app), and the example environment names only variables Tobira reads."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service"))


@pytest.mark.parametrize("unit", UNITS, ids=lambda path: path.name)
def test_systemd_accepts_the_unit(unit, tmp_path):
    # bin/test installs it (Debian's systemd) where a machine lacks it.
    assert shutil.which("systemd-analyze"), "systemd-analyze is missing: run through bin/test"
    env_file = tmp_path / "tobira.env"
    env_file.write_text((ROOT / "deploy" / "tobira.env.example").read_text())
    text = unit.read_text()
    for production, here in {
        "/srv/tobira/app": str(ROOT),
        "/etc/tobira/tobira.env": str(env_file),
        "/var/lib/tobira": str(tmp_path),
    }.items():
        text = text.replace(production, here)
    copy = tmp_path / unit.name
    copy.write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # unknown keys and the like are warnings


def test_exactly_one_beat_is_said_in_so_many_words():
    assert "Exactly ONE" in (ROOT / "deploy" / "systemd" / "tobira-beat.service").read_text()


def test_the_example_environment_names_only_what_tobira_reads():
    names = re.findall(
        r"^([A-Z_][A-Z0-9_]*)=", (ROOT / "deploy" / "tobira.env.example").read_text(), re.M
    )
    assert names
    read = set()
    for source in (ROOT / "config").glob("*.py"):
        text = source.read_text()
        read |= set(re.findall(r'env(?:_bool|_list)?\(\s*"([A-Z_][A-Z0-9_]*)"', text))
        read |= set(re.findall(r'os\.environ(?:\.get\(|\[)\s*"([A-Z_][A-Z0-9_]*)"', text))
    assert sorted(set(names) - read) == []
