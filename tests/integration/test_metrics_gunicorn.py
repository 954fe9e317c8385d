"""Metrics under gunicorn as deployed (config/gunicorn.conf.py): every worker's counters are
summed at scrape time through PROMETHEUS_MULTIPROC_DIR, and a worker that was replaced keeps
what it counted."""

import os
import re
import signal
import subprocess

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_organization
from tests.integration.conftest import free_port, server_env, wait_for, wait_until_serving
from tests.support.cluster import Browser, start_node

pytestmark = [pytest.mark.integration]


@pytest.fixture
def server(transactional_db, settings, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    (metrics_dir / "counter_99999.db").write_bytes(b"left by a previous run")
    node = start_node(
        server_env(settings, tmp_path / "var"),
        port=free_port(),
        TOBIRA_THREADS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    yield node.process, node.base, metrics_dir
    node.stop()


def failed_signin(base: str) -> None:
    response = Browser().password(base, "example-corp", "alice", "Not-the-password-1")
    assert response.status_code == 200, response.status_code  # the form again, with the error


def failed_count(base: str) -> float:
    text = requests.get(f"{base}/metrics", timeout=10).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "tobira_signins_total" and sample.labels == {
                "step": "password",
                "result": "failed",
            }:
                return sample.value
    return 0.0


def worker_pids(process) -> set[int]:
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    return {int(pid) for pid in children}


def test_counters_are_summed_over_workers_and_survive_a_worker_being_replaced(server):
    process, base, metrics_dir = server
    make_organization(alias="example-corp")
    assert not (metrics_dir / "counter_99999.db").exists()  # emptied when gunicorn started
    for _ in range(3):
        failed_signin(base)
    assert failed_count(base) == 3
    first = worker_pids(process)

    os.kill(process.pid, signal.SIGHUP)  # gunicorn replaces its workers (a reload)
    assert wait_for(lambda: (pids := worker_pids(process)) and not pids & first, timeout=30)
    wait_until_serving(base)
    for _ in range(2):
        failed_signin(base)
    # The replaced worker's three and the new worker's two: summed from their files.
    assert failed_count(base) == 5
    pids_in_files = {
        int(match.group(1))
        for name in os.listdir(metrics_dir)
        if (match := re.fullmatch(r"counter_(\d+)\.db", name))
    }
    assert len(pids_in_files) >= 2, os.listdir(metrics_dir)
