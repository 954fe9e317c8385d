"""deploy/nginx/tobira.conf in front of a gunicorn node (config/gunicorn.conf.py), as deployed:
TLS, the redirect to it, the client's address as Tobira sees it, the request id shared by both
logs, static files from disk, /metrics kept in, and no query string in nginx's log."""

import http.client
import json
import re
import ssl

import pytest
import requests

from identity.models import AuditEvent
from tests.conftest import make_organization
from tests.integration.conftest import free_port, server_env, wait_for
from tests.support.cluster import start_node
from tests.support.nginx import start_nginx

pytestmark = [pytest.mark.integration]

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def node(transactional_db, settings, tmp_path):
    log = tmp_path / "node.log"
    running = start_node(
        server_env(settings, tmp_path / "var"),
        port=free_port(),
        log=log,
        TOBIRA_THREADS="2",
        TRUSTED_PROXY_COUNT="1",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )
    yield running.address, log
    running.stop()


@pytest.fixture
def nginx(node, tmp_path):
    address, _log = node
    proxy = start_nginx(
        tmp_path / "nginx", upstreams=[address], http_port=free_port(), https_port=free_port()
    )
    (proxy.directory / "static" / "css").mkdir(parents=True)
    (proxy.directory / "static" / "css" / "tobira.0123abcd.css").write_text("body{}")
    yield proxy
    proxy.stop()


def https_request(nginx, method, path, *, source="127.0.0.1", headers=None, body=None):
    """One request over TLS from ``source`` (any 127/8 address is this machine's loopback)."""
    host, port = nginx.https.removeprefix("https://").split(":")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate
    connection = http.client.HTTPSConnection(
        host, int(port), context=context, source_address=(source, 0), timeout=10
    )
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    response.text = response.read().decode()
    connection.close()
    return response


def test_plain_http_is_sent_to_https(nginx):
    response = requests.get(
        nginx.http + "/signin?next=/console/", allow_redirects=False, timeout=10
    )
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")
    assert response.headers["Location"].endswith("/signin?next=/console/")


def test_tobira_sees_the_clients_address_not_one_it_made_up(nginx):
    """X-Forwarded-For is replaced, not appended: with TRUSTED_PROXY_COUNT=1 the audit trail has
    the address nginx saw, whatever the client claimed."""
    make_organization(alias="example-corp")
    form = https_request(nginx, "GET", "/signin/example-corp?mode=iam", source="127.0.0.2")
    cookie = "; ".join(header.split(";")[0] for header in form.headers.get_all("Set-Cookie") or [])
    body = (
        f"csrfmiddlewaretoken={TOKEN.search(form.text).group(1)}&mode=iam&account=example-corp"
        "&user_name=alice&password=Not-the-password-1"
    )
    response = https_request(
        nginx,
        "POST",
        "/signin",
        source="127.0.0.2",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": nginx.https + "/signin",
            "X-Forwarded-For": "203.0.113.66",
        },
    )
    assert response.status == 200, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))[:600]
    event = wait_for(lambda: AuditEvent.objects.filter(event_name="ConsoleLogin").first())
    assert event.source_ip_address == "127.0.0.2"


def test_the_request_id_is_the_same_in_both_logs_and_no_query_string_is_logged(nginx, node):
    _address, node_log = node
    response = https_request(nginx, "GET", "/signin?t=SECRET-TOKEN-VALUE")
    assert response.status == 200
    request_id = response.getheader("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)  # nginx's $request_id, kept by Tobira
    assert wait_for(lambda: request_id in nginx.access_log)
    assert "SECRET-TOKEN-VALUE" not in nginx.access_log

    def tobira_line():
        for line in node_log.read_text().splitlines():
            if line.startswith("{") and json.loads(line).get("request_id") == request_id:
                return json.loads(line)
        return None

    line = wait_for(tobira_line)
    assert line["request"] == "GET /signin?t="
    assert line["ip"] == "127.0.0.1"
    assert "SECRET-TOKEN-VALUE" not in node_log.read_text()


def test_static_files_come_from_disk_cached_for_a_year(nginx):
    response = https_request(nginx, "GET", "/static/css/tobira.0123abcd.css")
    assert response.status == 200 and response.text == "body{}"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("X-Content-Type-Options") == "nosniff"


def test_metrics_and_probes_are_not_served_through_the_proxy(nginx):
    for path in ("/metrics", "/readyz", "/healthz"):
        assert https_request(nginx, "GET", path).status == 404, path


def test_the_pages_keep_their_security_headers_through_the_proxy(nginx):
    response = https_request(nginx, "GET", "/signin")
    assert response.getheader("X-Frame-Options") == "DENY"
    assert response.getheader("Referrer-Policy") == "same-origin"
    assert response.getheader("Cross-Origin-Opener-Policy") == "same-origin"
