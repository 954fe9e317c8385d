"""Every form input has an accessible name; every radio group is a <fieldset> with a <legend>."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.conftest import signin_root

pytestmark = pytest.mark.django_db


class FormAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.label_for: set[str] = set()
        self.empty_label_for = 0
        self.stack: list[str] = []  # open label / fieldset / legend elements
        self.legend_seen: list[bool] = []  # per open fieldset
        self.inputs: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            if "for" in attrs:
                if attrs["for"]:
                    self.label_for.add(attrs["for"])
                else:
                    self.empty_label_for += 1
            self.stack.append("label")
        elif tag == "fieldset":
            self.stack.append("fieldset")
            self.legend_seen.append(False)
        elif tag == "legend" and self.legend_seen:
            self.legend_seen[-1] = True
        elif tag in ("input", "select", "textarea"):
            kind = attrs.get("type", "text") if tag == "input" else tag
            if kind in ("hidden", "submit", "button"):
                return
            self.inputs.append(
                {
                    "kind": kind,
                    "name": attrs.get("name"),
                    "id": attrs.get("id"),
                    "aria": bool(attrs.get("aria-label") or attrs.get("aria-labelledby")),
                    "in_label": "label" in self.stack,
                    "in_fieldset_with_legend": bool(self.legend_seen) and self.legend_seen[-1],
                }
            )

    def handle_endtag(self, tag):
        if tag in ("label", "fieldset") and tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass
            if tag == "fieldset":
                self.legend_seen.pop()


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


def assert_accessible(html: str, page: str) -> int:
    found = audit(html)
    assert found.empty_label_for == 0, f'{page}: a <label for=""> names nothing'
    for field in found.inputs:
        named = field["aria"] or field["in_label"] or (field["id"] in found.label_for)
        assert named, f"{page}: {field} has no label"
        if field["kind"] == "radio":
            assert field["in_fieldset_with_legend"], f"{page}: radio {field} outside a legend"
    return sum(1 for f in found.inputs if f["kind"] == "radio")


def test_console_forms_with_radio_groups(client, management_root, alice):
    signin_root(client, management_root.email)
    account = management_root.account_id
    radios = 0
    for url in (
        reverse("console:user_create", args=[account]),
        reverse("console:root_mfa"),
        reverse("console:sso_settings"),
        reverse("mfa:assign"),
        reverse("console:sso_assignment_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        radios += assert_accessible(response.content.decode(), url)
    assert radios >= 8  # the walk did meet radio groups


def test_the_mfa_step_with_several_devices(client, alice, at):
    import base64

    import pyotp

    from mfa.totp import services as totp_services
    from tests.conftest import T0, signin_iam

    at(T0 + 30)
    for name in ("alice-phone", "alice-tablet"):
        device, key = totp_services.virtual_mfa_device_create(user=alice, name=name)
        app = pyotp.TOTP(base64.b32encode(key).decode())
        totp_services.mfa_device_enable(
            actor=alice, device=device, first_code=app.at(T0), second_code=app.at(T0 + 30)
        )
    signin_iam(client, "example-corp", "alice")
    response = client.get(reverse("mfa:signin"))
    assert assert_accessible(response.content.decode(), "signin_mfa") == 2
    assert response.status_code == 200


def test_the_forms_of_credentials_for_programs(client, management_root, alice):
    """The root user's acknowledgement, the pasted keys, the typed key id, the organization's
    setting: each input named by its label."""
    from identity.credentials import services as credentials

    key, _secret = credentials.access_key_create(actor=None, user=alice)
    credentials.access_key_status_set(actor=None, key=key, status="Inactive")
    signin_root(client, management_root.email)
    account = management_root.account_id
    named = 0
    for url in (
        reverse("mfa:access_key_create"),
        reverse("mfa:signing_certificate_upload"),
        reverse("console:root_access_keys"),
        reverse("console:user_ssh_public_key_upload", args=[account, "alice"]),
        reverse("console:user_signing_certificate_upload", args=[account, "alice"]),
        reverse("console:user_access_key_delete", args=[account, "alice", key.access_key_id]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert_accessible(html, url)
        named += sum(1 for i in audit(html).inputs if i["name"] in FIELDS)
    assert named == 6  # a checkbox, three text areas, a checkbox, a text field


FIELDS = {"understand", "body", "confirmation"}
