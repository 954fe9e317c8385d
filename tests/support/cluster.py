"""Several Tobira nodes on this machine, as deploy/ runs them on several: Debian's nginx with
deploy/nginx/tobira.conf balancing round robin over gunicorn nodes (config/gunicorn.conf.py),
and Celery workers, all on the test database and Redis."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.nginx import Nginx, start_nginx

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Node:
    process: subprocess.Popen
    address: str  # 127.0.0.1:<port>
    log: Path | None

    @property
    def base(self) -> str:
        return f"http://{self.address}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def worker_pids(self) -> list[int]:
        """gunicorn's workers under the node's master: a new pid is a worker started again."""
        return _children(self.process.pid)

    def kill(self) -> None:
        """SIGKILL the whole node, master and workers: a machine that is gone."""
        pids = [self.process.pid] + _children(self.process.pid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # gone already
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)


@dataclass
class Cluster:
    nodes: list[Node]
    nginx: Nginx
    workers: list[subprocess.Popen] = field(default_factory=list)
    worker_lines: list[str] = field(default_factory=list)

    def stop(self) -> None:
        self.nginx.stop()
        for process in [node.process for node in self.nodes] + self.workers:
            if process.poll() is None:
                process.terminate()
        for process in [node.process for node in self.nodes] + self.workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(child) for child in out.stdout.split()]


def _wait_serving(base: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(base + "/healthz", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise AssertionError(f"{base} did not start")


def start_node(env: dict, *, port: int, log: Path | None = None, **extra: str) -> Node:
    """One node as deployed: gunicorn with config/gunicorn.conf.py (one worker) on
    127.0.0.1:``port``, with ``env`` and ``extra``, serving once its /healthz answers."""
    output = log.open("w") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env={**env, "TOBIRA_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1", **extra},
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    node = Node(process, f"127.0.0.1:{port}", log)
    try:
        _wait_serving(node.base)
    except AssertionError:
        node.stop()
        raise
    return node


def start_cluster(
    directory: Path,
    env: dict,
    *,
    free_port,
    nodes: int = 2,
    workers: int = 0,
    threads: int = 4,
) -> Cluster:
    """``nodes`` gunicorn nodes (one worker each, ``threads`` threads) behind nginx, and
    ``workers`` Celery workers, with ``env`` (the test database's, Redis's, the keys)."""
    directory.mkdir(parents=True, exist_ok=True)
    started = [
        start_node(
            env,
            port=free_port(),
            log=directory / f"node{index + 1}.log",
            TOBIRA_THREADS=str(threads),
            TRUSTED_PROXY_COUNT="1",
            LOG_FORMAT="json",
        )
        for index in range(nodes)
    ]
    proxy = start_nginx(
        directory / "nginx",
        upstreams=[node.address for node in started],
        http_port=free_port(),
        https_port=free_port(),
        fail_timeout="2s",
    )
    cluster = Cluster(started, proxy)
    for index in range(workers):
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "--pool=solo", "--without-gossip", "--without-mingle", "--loglevel=INFO",
                "--hostname", f"cluster{index + 1}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env={**env, "CELERY_TASK_ALWAYS_EAGER": "0", "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        threading.Thread(
            target=lambda p=process: cluster.worker_lines.extend(
                line.rstrip() for line in p.stdout
            ),
            daemon=True,
        ).start()
        cluster.workers.append(process)
    return cluster


class Browser:
    """A person's browser against one base URL or another (the same cookies): the sign-in's
    steps may go to different nodes, as a load balancer would send them."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(url, **self._options(kwargs))

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.http.post(url, **self._options(kwargs))

    @staticmethod
    def _options(kwargs: dict) -> dict:
        # The test's own certificate behind nginx. Per request: a session's verify=False loses
        # to REQUESTS_CA_BUNDLE from the environment (requests' merge order).
        return {"timeout": 10, "verify": False, **kwargs}

    def password(
        self, base: str, account: str, name: str, password: str, **kwargs
    ) -> requests.Response:
        """The password step on ``base`` (``kwargs`` for the POST: ``allow_redirects``...).
        When the form does not come (an error page), that page is the answer."""
        form = self.get(f"{base}/signin/{account}?mode=iam")
        token = TOKEN.search(form.text)
        if token is None:
            return form
        return self.post(
            f"{base}/signin",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "mode": "iam",
                "account": account,
                "user_name": name,
                "password": password,
            },
            headers={"Referer": f"{base}/signin"},
            **kwargs,
        )

    def mfa(self, base: str, device_id: int, code: str) -> requests.Response:
        page = self.get(f"{base}/mfa")
        return self.post(
            f"{base}/mfa",
            data={
                "csrfmiddlewaretoken": TOKEN.search(page.text).group(1),
                "device": device_id,
                "code": code,
            },
            headers={"Referer": f"{base}/mfa"},
        )
