"""deploy/nginx/tobira.conf run for real: Debian's nginx in front of our gunicorn nodes, on this
machine's loopback, with the file's paths, names and ports replaced (and nothing else)."""

from __future__ import annotations

import getpass
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "tobira.conf"
NGINX = "/usr/sbin/nginx"

# What the file says for production, and what a test puts in its place.
UPSTREAMS = (
    "    server 10.0.1.11:8000 max_fails=1 fail_timeout=10s;\n"
    "    server 10.0.1.12:8000 max_fails=1 fail_timeout=10s;\n"
)


@dataclass
class Nginx:
    process: subprocess.Popen
    http: str  # http://127.0.0.1:<port>
    https: str
    directory: Path

    @property
    def access_log(self) -> str:
        path = self.directory / "log" / "tobira.access.log"
        return path.read_text() if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def site_for_test(
    directory: Path, *, upstreams: list[str], http_port: int, https_port: int, fail_timeout: str
) -> str:
    text = SITE.read_text()
    replacements = {
        UPSTREAMS: "".join(
            f"    server {address} max_fails=1 fail_timeout={fail_timeout};\n"
            for address in upstreams
        ),
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/tobira/": f"{directory}/tls/",
        "/var/log/nginx/": f"{directory}/log/",
        "/srv/tobira/static/": f"{directory}/static/",
        # $host drops the port, which a deployment on 443 has no need of but a test on a free
        # port does (Django compares it with the Referer of a POST over HTTPS).
        "proxy_set_header Host $host;": "proxy_set_header Host $http_host;",
    }
    for production, test in replacements.items():
        assert production in text, f"deploy/nginx/tobira.conf no longer says {production!r}"
        text = text.replace(production, test)
    return text


def start_nginx(
    directory: Path,
    *,
    upstreams: list[str],
    http_port: int,
    https_port: int,
    fail_timeout: str = "10s",
) -> Nginx:
    """nginx with the deployed site in ``directory`` (a self-signed certificate for localhost),
    serving once its HTTPS port answers."""
    for name in ("tls", "log", "static", "temp"):
        (directory / name).mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost",
            "-keyout", str(directory / "tls" / "privkey.pem"),
            "-out", str(directory / "tls" / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (directory / "site.conf").write_text(
        site_for_test(
            directory,
            upstreams=upstreams,
            http_port=http_port,
            https_port=https_port,
            fail_timeout=fail_timeout,
        )
    )
    temp = directory / "temp"
    (directory / "nginx.conf").write_text(
        f"""daemon off;
# The workers read the test's own directories (mode 0700); ignored unless started as root.
user {getpass.getuser()};
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/log/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {directory}/site.conf;
}}
"""
    )
    check = subprocess.run(
        [NGINX, "-t", "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(directory / "nginx.conf"), "-p", str(directory)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    nginx = Nginx(
        process, f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", directory
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            requests.get(nginx.http + "/", timeout=2, allow_redirects=False)
            return nginx
        except requests.RequestException:
            time.sleep(0.1)
    nginx.stop()
    raise AssertionError("nginx did not start: " + (directory / "log" / "error.log").read_text())
