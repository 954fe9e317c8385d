"""Seed 003 (``../shared/seeds``, beside the repository): the forced-MFA self-management policy."""

from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "003_fb217d49d8cab26f.txt"


def seed_policy() -> str:
    """The JSON exactly as the article prints it: from the first line "{" to its closing "}"."""
    if not SEED.exists():
        pytest.fail(f"{SEED} is missing: the seeds live in ../shared beside the repository")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("{")
    depth = 0
    for end, line in enumerate(lines[start:], start):
        depth += line.count("{") - line.count("}")
        if depth == 0:
            return "\n".join(lines[start : end + 1])
    raise AssertionError("the seed's policy has no end")
