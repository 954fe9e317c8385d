"""moto's own IAM and STS tests, run against Tobira (``run_moto.py``): the goal is that at least
90% of the tests that call only operations Tobira implements pass.

The run starts Tobira with the conformance mount and moto's pytest against it; it fails with the
runner's report when a test fails that ``moto_expected_failures.txt`` does not explain, when a
listed test passes (take it off the list), when the rate against AWS's behaviour (the tests that
assert what moto does and AWS does not left out, each listed with its evidence) falls under the
goal of 90%, or when the plain rate falls under ``run_moto.FLOOR``, the measured line: 90% of the
plain rate would need Tobira to do what moto does where AWS does otherwise (issue 16's note).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conformance import run_moto

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 300  # seconds for the whole run: migrate, start Tobira, moto's suite


@pytest.mark.integration
def test_moto_iam_and_sts_suites_pass_against_tobira():
    suite = os.environ.get("MOTO_SUITE_DIR") or str(ROOT / "var" / "tools" / "moto" / "moto-5.2.5")
    if not (Path(suite) / "tests" / "test_iam" / "test_iam.py").is_file():
        pytest.fail(f"{suite} is missing: bin/test fetches moto's suite (ensure_moto_suite)")
    result = run_moto.run(suite, timeout=TIMEOUT, echo=False)
    report = result.report()
    print(report)
    problems = []
    if result.timed_out:
        problems.append(f"the run took more than {TIMEOUT} s")
    if not result.collected or len(result.records) != result.collected:
        problems.append(f"{result.collected} tests collected, {len(result.records)} ran")
    if result.unexpected_failures:
        problems.append(f"{len(result.unexpected_failures)} unexpected failures (listed above)")
    if result.expected_but_passed:
        problems.append(
            f"{len(result.expected_but_passed)} tests listed as expected failures passed "
            "(listed above): take them off the list"
        )
    if result.stale_expected:
        problems.append(f"{len(result.stale_expected)} listed tests did not run")
    if result.aws_rate < run_moto.GOAL:
        problems.append(
            f"against AWS's behaviour the rate is {result.aws_rate:.1%}, under the goal of "
            f"{run_moto.GOAL:.0%}"
        )
    if result.rate < run_moto.FLOOR:
        problems.append(
            f"the rate is {result.rate:.1%}, under the floor of {run_moto.FLOOR:.0%} "
            f"(the goal is {run_moto.GOAL:.0%}; the gap is explained in moto_expected_failures.txt)"
        )
    assert not problems, report + "\n\n" + "\n".join(problems)


# --- The runner's arithmetic, without running anything ---------------------------------------


def _record(nodeid, outcome, calls=(), reason=""):
    record = run_moto.TestRecord(nodeid, outcome, reason, list(calls))
    implemented = {("iam", "CreateUser"), ("sts", "GetCallerIdentity")}
    record.unimplemented = sorted(
        {f"{s}:{op}" for s, op, _ in record.calls if (s, op) not in implemented}
    )
    return record


def _result(records, expected):
    return run_moto.Result(
        collected=len(records),
        records={r.nodeid: r for r in records},
        expected=expected,
        seconds=1.0,
        timed_out=False,
        server_log=Path("server.log"),
    )


def test_the_rate_counts_only_tests_calling_implemented_operations():
    result = _result(
        [
            _record("a", "passed", [("iam", "CreateUser", None)]),
            _record("b", "failed", [("iam", "CreateUser", "EntityAlreadyExists")], "boom"),
            _record("c", "failed", [("iam", "CreateRole", "InvalidAction")], "no roles"),
            _record("d", "passed", [("iam", "CreateRole", None), ("iam", "CreateUser", None)]),
            _record("e", "skipped", [], "server mode"),
            _record("f", "failed", [("sts", "GetCallerIdentity", None)], "moto's caller"),
            _record("g", "passed", []),
        ],
        expected={"f": "fixture identity", "g": "fixed now"},
    )
    assert [r.nodeid for r in result.denominator] == ["a", "b", "f", "g"]
    assert result.rate == 0.5
    assert [r.nodeid for r in result.unexpected_failures] == ["b"]
    assert [r.nodeid for r in result.expected_failures] == ["f"]
    assert [r.nodeid for r in result.expected_but_passed] == ["g"]
    assert not result.ok
    report = result.report()
    assert "UNEXPECTED FAILURES (1):\n  b\n      boom" in report
    assert "g  # fixed now" in report
    assert "iam:CreateRole: 2 tests" in report
    assert report.endswith(
        "moto conformance: 2/4 = 50.0% of tests touching implemented operations (goal ≥ 90%)"
    )


def test_the_expected_failures_list_gives_a_reason_for_each_test(tmp_path):
    expected = run_moto.read_expected_failures()
    assert expected and all(reason for reason in expected.values())
    lines = [
        line
        for line in run_moto.EXPECTED_FAILURES_FILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(lines) == len(expected), "a test is listed twice"
    bad = tmp_path / "list.txt"
    bad.write_text("tests/test_iam/test_iam.py::test_x\n")
    with pytest.raises(ValueError, match="list.txt:1"):
        run_moto.read_expected_failures(bad)


def test_each_listed_test_says_on_whose_side_the_difference_is(tmp_path):
    sides = run_moto.read_expected_sides()
    assert set(sides) == set(run_moto.read_expected_failures())
    assert set(sides.values()) <= set(run_moto.SIDES)
    untagged = tmp_path / "list.txt"
    untagged.write_text("# --- a section without a side\ntests/x.py::test_y  # why\n")
    with pytest.raises(ValueError, match="list.txt:1"):
        run_moto.read_expected_sides(untagged)


def test_the_report_counts_the_failures_by_side():
    records = [
        _record("a", "passed", [("iam", "CreateUser", None)]),
        _record("m", "failed", [("iam", "CreateUser", None)], "moto's message"),
        _record("t", "failed", [("iam", "CreateUser", None)], "not yet"),
    ]
    result = _result(records, expected={"m": "moto's", "t": "Tobira's"})
    result.sides = {"m": "moto", "t": "tobira"}
    report = result.report()
    assert "expected failures by side: 1 moto" in report
    assert "1 tobira" in report
    assert (
        "(the 1 tests that assert what moto does and AWS does not left out): 1/2 = 50.0%" in report
    )
    assert result.aws_rate == 0.5 and round(result.rate, 3) == 0.333
