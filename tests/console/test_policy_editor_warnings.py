"""The JSON editor's warnings: a valid document's parts that match nothing (issue 20).

AWS stores such documents, and its console shows Access Analyzer's findings beside the editor
before one saves. Tobira's editor sends the first submission back with the warnings and a box;
ticked, the same text is saved. Errors (what AWS refuses) stay errors.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from identity.models import CustomerPolicy, InlinePolicy
from identity.policies import services as policies

pytestmark = pytest.mark.django_db

NOTHING = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["iam:GetUser", "iam:"], "Resource": "*"}
        ],
    }
)
CLEAN = NOTHING.replace(', "iam:"', "")
EMPTY_SCP = json.dumps({"Version": "2012-10-17", "Statement": []})


@pytest.fixture
def admin(client, management_root):
    client.force_login(management_root)
    return client


def warnings_panel(response) -> str:
    page = response.content.decode()
    match = re.search(r'data-testid="policy-warnings">(.*?)</div>\s*</div>', page, re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))) if match else ""


def seen(response) -> str:
    """The digest the box carries: ticking it means "save this text with its warnings"."""
    match = re.search(
        r'name="save_with_warnings" id="id_save_with_warnings" value="(\w+)"',
        (response.content.decode()),
    )
    return match.group(1)


def test_a_document_with_warnings_is_saved_once_they_are_seen(admin, management_account):
    url = reverse("console:policy_create", args=[management_account.id])
    first = admin.post(url, {"name": "readers", "document": NOTHING})
    assert first.status_code == 200
    panel = warnings_panel(first)
    assert "Statement[0].Action[1]" in panel
    assert "“iam:” can match no action: the name after the colon is empty" in panel
    assert "Change these parts, or tick “Save with these warnings”" in panel
    assert 'data-testid="policy-error"' not in first.content.decode()  # a warning, not an error
    assert not CustomerPolicy.objects.exists()

    # The box ticked for another text does not save this one.
    stale = admin.post(
        url, {"name": "readers", "document": NOTHING + " ", "save_with_warnings": seen(first)}
    )
    assert stale.status_code == 200 and not CustomerPolicy.objects.exists()

    saved = admin.post(
        url, {"name": "readers", "document": NOTHING, "save_with_warnings": seen(first)}
    )
    assert saved.status_code == 302
    version = CustomerPolicy.objects.get(name="readers").versions.get()
    assert version.document == NOTHING


def test_a_clean_document_is_saved_at_once(admin, management_account):
    url = reverse("console:policy_create", args=[management_account.id])
    assert admin.post(url, {"name": "readers", "document": CLEAN}).status_code == 302


def test_errors_stay_errors_and_bring_no_warnings(admin, management_account):
    url = reverse("console:policy_create", args=[management_account.id])
    broken = NOTHING.replace('"Allow"', '"Alow"')
    response = admin.post(url, {"name": "readers", "document": broken})
    assert 'data-testid="policy-error">Statement[0].Effect' in response.content.decode()
    assert warnings_panel(response) == ""
    assert not CustomerPolicy.objects.exists()


def test_a_stored_document_shows_its_warnings_when_opened(
    admin, management_account, management_root
):
    """A document the API stored (AWS accepts it) opens in the editor with its warnings."""
    policies.customer_policy_create(
        actor=management_root, account=management_account, name="imported", document=NOTHING
    )
    page = admin.get(reverse("console:policy_detail", args=[management_account.id, "imported"]))
    assert "“iam:” can match no action" in warnings_panel(page)
    assert 'data-testid="policy-warnings-error"' not in page.content.decode()  # nothing refused yet
    new_version = admin.post(
        reverse("console:policy_detail", args=[management_account.id, "imported"]),
        {"document": NOTHING, "set_default": "on", "save_with_warnings": seen(page)},
    )
    assert new_version.status_code == 302
    assert CustomerPolicy.objects.get(name="imported").versions.count() == 2


def test_inline_policies_warn_alike(admin, management_account, make_iam_user):
    make_iam_user(name="bob", self_service=False)
    url = reverse("console:user_inline_policy_new", args=[management_account.id, "bob"])
    negated = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "office"}},
            },
        }
    )
    first = admin.post(url, {"name": "office-only", "document": negated})
    assert first.status_code == 200
    assert (
        "“office” is not an IP address or CIDR range, so this NotIpAddress condition never holds."
    ) in warnings_panel(first)
    assert not InlinePolicy.objects.exists()
    data = {"name": "office-only", "document": negated, "save_with_warnings": seen(first)}
    assert admin.post(url, data).status_code == 302
    assert InlinePolicy.objects.get().document == negated


def test_an_scp_without_statements_warns_and_is_saved_once_seen(admin, organization):
    url = reverse("console:scp_list")
    first = admin.post(url, {"op": "create", "name": "nothing", "document": EMPTY_SCP})
    assert first.status_code == 200
    assert "This SCP has no statements: it allows nothing." in warnings_panel(first)
    assert not organization.scps.exists()
    data = {"op": "create", "name": "nothing", "document": EMPTY_SCP}
    assert admin.post(url, {**data, "save_with_warnings": seen(first)}).status_code == 302
    assert organization.scps.get().document == EMPTY_SCP


def test_an_identity_policy_without_statements_is_an_error(admin, management_account):
    """IAM refuses it ("Syntax errors in policy."), so the editor does too."""
    url = reverse("console:policy_create", args=[management_account.id])
    response = admin.post(url, {"name": "empty", "document": EMPTY_SCP})
    assert "Statement: must be an object or a non-empty list of objects" in (
        response.content.decode()
    )
    assert warnings_panel(response) == ""


def test_a_permission_set_s_inline_policy_warns_alike(admin, organization):
    from sso.models import PermissionSet

    url = reverse("console:sso_permission_set_create")
    body = {
        "name": "Developers",
        "description": "",
        "session_duration_hours": "1",
        "customer_policy_refs": "",
        "document": NOTHING,
    }
    first = admin.post(url, body)
    assert first.status_code == 200
    assert "Statement[0].Action[1]" in warnings_panel(first)
    assert not PermissionSet.objects.filter(name="Developers").exists()
    # What was typed stays for the second look.
    assert html.escape(NOTHING) in first.content.decode()

    saved = admin.post(url, {**body, "save_with_warnings": seen(first)})
    assert saved.status_code == 302
    developers = PermissionSet.objects.get(organization=organization, name="Developers")
    assert developers.inline_policy == NOTHING

    # Opened again, the stored policy shows its warnings; a clean one saves at once.
    detail = saved["Location"]
    assert "Statement[0].Action[1]" in warnings_panel(admin.get(detail))
    assert admin.post(detail, {**body, "document": CLEAN}).status_code == 302
    developers.refresh_from_db()
    assert json.loads(developers.inline_policy) == json.loads(CLEAN)
