"""AWS's managed policies and SCPs: a read-only catalog loaded once from ``data/aws_managed.json``.

Nothing here touches the database: the catalog is what every account sees, under AWS's own
names and ARNs (``arn:aws:iam::aws:policy/...``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .. import arns

DATA_DIR = Path(__file__).parent / "data"

# What every target of an organization has from the start (AWS attaches it).
FULL_AWS_ACCESS = arns.aws_scp("p-FullAWSAccess")


@dataclass(frozen=True)
class ManagedPolicy:
    name: str
    arn: str
    description: str
    document: str  # JSON text, pretty-printed

    @property
    def is_aws(self) -> bool:
        return True


@cache
def _catalog() -> dict[str, dict[str, ManagedPolicy]]:
    data = json.loads((DATA_DIR / "aws_managed.json").read_text(encoding="utf-8"))
    return {
        kind: {
            item["arn"]: ManagedPolicy(
                item["name"],
                item["arn"],
                item["description"],
                json.dumps(item["document"], indent=2),
            )
            for item in data[kind]
        }
        for kind in ("identity", "scp")
    }


def aws_managed_policies() -> list[ManagedPolicy]:
    return list(_catalog()["identity"].values())


def aws_managed(arn: str) -> ManagedPolicy | None:
    """The AWS managed (identity) policy of that ARN, or None."""
    return _catalog()["identity"].get(arn)


def aws_scps() -> list[ManagedPolicy]:
    return list(_catalog()["scp"].values())


def aws_scp(arn: str) -> ManagedPolicy | None:
    """The AWS managed SCP of that ARN, or None."""
    return _catalog()["scp"].get(arn)
