"""Two nodes behind nginx (tests/support/cluster.py): a sign-in may move between them, the limits
and the replay guard hold across them, and losing one loses only what was in flight on it."""

import threading
import time

import pytest
import requests

from identity import services
from identity.policies import services as policy_services
from tests.conftest import PASSWORD, make_organization
from tests.support.cluster import Browser
from tests.support.mfa import enabled_app

pytestmark = [
    pytest.mark.integration,
    # nginx's certificate is the test's own, self-signed.
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


@pytest.fixture
def account(transactional_db):
    return make_organization(alias="example-corp").management_account


def user_with_app(account, name):
    """An IAM user with an authenticator app who may read the account's IAM pages."""
    user = services.iam_user_create(actor=None, account=account, name=name, password=PASSWORD)
    policy_services.policy_attach(
        actor=None,
        account=account,
        policy_arn="arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        user=user,
    )
    return enabled_app(user)  # (device, app)


def test_the_password_on_one_node_and_the_code_on_the_other(cluster, account):
    device, app = user_with_app(account, "alice")
    one, two = cluster.nodes
    browser = Browser()
    assert browser.password(one.base, "example-corp", "alice", PASSWORD).url.endswith("/mfa")
    assert browser.mfa(two.base, device.pk, app.now()).url.endswith("/console/")
    for node in (one, two):
        page = browser.get(node.base + "/console/")
        assert page.status_code == 200 and "alice" in page.text


def test_a_code_spent_on_one_node_is_refused_on_the_other(cluster, account):
    device, app = user_with_app(account, "alice")
    one, two = cluster.nodes
    first, second = Browser(), Browser()
    first.password(one.base, "example-corp", "alice", PASSWORD)
    second.password(two.base, "example-corp", "alice", PASSWORD)
    code = app.now()
    assert first.mfa(one.base, device.pk, code).url.endswith("/console/")
    refused = second.mfa(two.base, device.pk, code)
    assert refused.url.endswith("/mfa") and "/console/" not in refused.url


def test_the_limit_on_a_users_failures_holds_across_nodes(cluster, account):
    user_with_app(account, "alice")
    window = 300
    if window - time.time() % window < 20:  # fixed windows: do not straddle an edge
        time.sleep(window - time.time() % window + 1)
    one, two = cluster.nodes
    refused = []
    for attempt in range(5):
        node = (one, two)[attempt % 2]
        page = Browser().password(node.base, "example-corp", "alice", "Not-the-password-1").text
        refused.append("Too many" in page or "too many" in page)
    assert refused == [False, False, False, True, True]
    # The right password now is refused too, on either node: the limit is the user's.
    assert not Browser().password(one.base, "example-corp", "alice", PASSWORD).url.endswith("/mfa")


def test_a_node_lost_under_load_loses_only_what_was_in_flight(cluster, account):
    """20 people signed in through nginx click about the console for a minute; one node is
    killed halfway. Their sessions live on (in Redis), and the failures are at most the requests
    in flight on the lost node: one per person."""
    people = 20
    devices = [user_with_app(account, f"user{i:02d}") for i in range(people)]
    base = cluster.nginx.https
    browsers = []
    for i, (device, app) in enumerate(devices):
        browser = Browser()
        assert browser.password(base, "example-corp", f"user{i:02d}", PASSWORD).url.endswith("/mfa")
        assert browser.mfa(base, device.pk, app.now()).url.endswith("/console/")
        browsers.append(browser)

    duration, kill_at = 60.0, 30.0
    started = time.monotonic()
    outcomes: list[tuple[int, float, str]] = []  # (person, seconds in, "ok" or why not)
    lock = threading.Lock()

    def click(person: int, browser: Browser):
        paths = ("/console/", f"/console/accounts/{account.pk}/users/")
        n = 0
        while time.monotonic() - started < duration:
            n += 1
            try:
                response = browser.get(base + paths[n % 2], timeout=15, allow_redirects=False)
                result = "ok" if response.status_code == 200 else f"HTTP {response.status_code}"
            except requests.RequestException as error:
                result = type(error).__name__
            with lock:
                outcomes.append((person, time.monotonic() - started, result))
            time.sleep(0.05)

    threads = [threading.Thread(target=click, args=(i, b)) for i, b in enumerate(browsers)]
    for thread in threads:
        thread.start()
    time.sleep(kill_at)
    cluster.nodes[0].kill()
    killed_at = time.monotonic() - started
    for thread in threads:
        thread.join(duration + 30)

    failures = [o for o in outcomes if o[2] != "ok"]
    before = [o for o in outcomes if o[1] < killed_at]
    after = [o for o in outcomes if o[1] >= killed_at + 5]  # nginx has marked the node down
    print(
        f"cluster smoke: {len(outcomes)} requests, {len(failures)} failed "
        f"({sorted({o[2] for o in failures})}), node 1 killed at {killed_at:.1f} s"
    )
    assert len(before) > people and all(o[2] == "ok" for o in before)
    assert len(failures) <= people  # at most the one request each person had in flight
    assert {o[0] for o in after if o[2] == "ok"} == set(range(people))  # every session lives on
    assert all(o[2] == "ok" for o in after)
