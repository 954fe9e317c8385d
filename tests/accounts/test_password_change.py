import pytest
from django.test import Client
from django.urls import reverse

from identity.models import AuditEvent
from tests.conftest import PASSWORD, signin_iam

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "A-fresh-Passphrase-2026"


@pytest.fixture
def bob(make_iam_user):
    return make_iam_user(name="bob", password_reset_required=True, contact_email="bob@example.test")


def change(client, old=PASSWORD, new1=NEW_PASSWORD, new2=None):
    return client.post(
        reverse("accounts:change_password"),
        {
            "old_password": old,
            "new_password1": new1,
            "new_password2": new2 if new2 is not None else new1,
        },
    )


def test_signin_lands_on_change_password_and_nothing_else_opens(client, bob):
    response = signin_iam(client, "example-corp", "bob")
    assert response["Location"] == reverse("accounts:change_password")
    for url in (
        reverse("console:home"),
        reverse("mfa:security_credentials"),
        reverse("console:user_list", args=[bob.account_id]),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("accounts:change_password")
    page = client.get(reverse("accounts:change_password"))
    assert page.status_code == 200
    assert "You must change your password before you continue." in page.content.decode()


def test_changing_the_password_clears_the_flag_and_notifies(
    client, bob, mailoutbox, django_capture_on_commit_callbacks
):
    signin_iam(client, "example-corp", "bob")
    with django_capture_on_commit_callbacks(execute=True):
        response = change(client)
    assert response.status_code == 302
    bob.refresh_from_db()
    assert not bob.password_reset_required
    assert bob.check_password(NEW_PASSWORD)
    assert client.get(reverse("console:home")).status_code == 200
    assert client.get(reverse("mfa:security_credentials")).status_code == 200

    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["bob@example.test"]
    assert "password was changed" in mail.subject
    assert bob.arn in mail.body
    assert NEW_PASSWORD not in mail.body and PASSWORD not in mail.body
    assert "If you made this change, you do not need to do anything." in mail.body

    event = AuditEvent.objects.get(event_name="ChangePassword", error_code="")
    assert event.additional_event_data == {"passwordResetRequired": True}


def test_password_change_signs_out_other_sessions(client, alice):
    other = Client()
    signin_iam(other, "example-corp", "alice")
    signin_iam(client, "example-corp", "alice")
    assert other.get(reverse("mfa:security_credentials")).status_code == 200
    change(client)
    assert client.get(reverse("mfa:security_credentials")).status_code == 200
    assert other.get(reverse("mfa:security_credentials")).status_code == 302


@pytest.mark.parametrize(
    ("old", "new1", "new2", "field_error"),
    [
        ("wrong-Pass-123", NEW_PASSWORD, NEW_PASSWORD, "The current password is incorrect."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two new passwords do not match."),
        (PASSWORD, "password123", "password123", "This password is too common."),
        (PASSWORD, "short", "short", "This password is too short."),
        (PASSWORD, PASSWORD, PASSWORD, "The new password must be different from the current one."),
    ],
)
def test_bad_changes_are_refused_with_a_clear_error(client, bob, old, new1, new2, field_error):
    signin_iam(client, "example-corp", "bob")
    response = change(client, old, new1, new2)
    assert response.status_code == 200
    assert field_error in response.content.decode()
    bob.refresh_from_db()
    assert bob.password_reset_required
    assert bob.check_password(PASSWORD)


def test_wrong_current_password_is_rate_limited(client, settings, ratelimits_on, alice):
    settings.RATELIMITS = {**settings.RATELIMITS, "change_password": "2/5m/user"}
    signin_iam(client, "example-corp", "alice")
    change(client, old="wrong-Pass-1")
    change(client, old="wrong-Pass-2")
    response = change(client)
    assert response.status_code == 429
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_change_password_needs_sign_in(client):
    response = client.get(reverse("accounts:change_password"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:signin"))


def test_password_rules_are_shown_in_the_page_language(client, alice):
    signin_iam(client, "example-corp", "alice")
    english = client.get(
        reverse("accounts:change_password"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    japanese = client.get(
        reverse("accounts:change_password"), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    assert "Your password must contain at least 12 characters." in english
    assert "Your password must contain" not in japanese
    assert "12" in japanese


@pytest.fixture
def newcomer(make_iam_user):
    """A user as an administrator makes one: nothing attached but IAMUserChangePassword."""
    return make_iam_user(name="newcomer", password_reset_required=True, self_service=False)


def test_a_new_user_lands_on_their_own_security_credentials_after_changing(client, newcomer):
    from identity.models import PolicyAttachment

    assert list(
        PolicyAttachment.objects.filter(user=newcomer).values_list("policy_arn", flat=True)
    ) == ["arn:aws:iam::aws:policy/IAMUserChangePassword"]
    signin_iam(client, "example-corp", "newcomer")
    response = change(client)
    assert response["Location"] == reverse("mfa:security_credentials")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "newcomer" in page.content.decode()
    # Only their own: another user's page is still theirs to be refused.
    other = client.get(reverse("console:user_detail", args=[newcomer.account_id, "alice"]))
    assert other.status_code in (403, 404)


def test_an_explicit_deny_still_closes_the_own_credentials_page(client, newcomer):
    from identity.policies import services as policies

    policies.inline_policy_put(
        actor=None,
        user=newcomer,
        name="NoReads",
        document='{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", '
        '"Action": "iam:GetUser", "Resource": "*"}]}',
    )
    signin_iam(client, "example-corp", "newcomer")
    change(client)
    assert client.get(reverse("mfa:security_credentials")).status_code == 403


def test_the_baseline_reaches_the_user_itself_whatever_its_path_and_nobody_else(rf, make_iam_user):
    from identity.authorization import authorize

    staff = make_iam_user(name="carol", path="/staff/eng/", self_service=False)
    other = make_iam_user(name="dave", path="/staff/eng/", self_service=False)
    request = rf.get("/")
    request.user = staff

    def may(action, arn):
        return authorize(staff, action, arn, account=staff.account, request=request).allowed

    assert staff.arn.endswith(":user/staff/eng/carol")
    assert may("iam:GetUser", staff.arn) and may("iam:ListMFADevices", staff.arn)
    assert not may("iam:GetUser", other.arn)
    assert not may("iam:ListUsers", staff.arn)
    assert not may("iam:DeactivateMFADevice", staff.arn)


def test_during_the_forced_change_the_top_bar_offers_only_sign_out(client, bob):
    signin_iam(client, "example-corp", "bob")
    page = client.get(reverse("accounts:change_password")).content.decode()
    topbar = page.split("</header>")[0]
    assert f'href="{reverse("console:home")}"' not in topbar
    assert f'href="{reverse("mfa:security_credentials")}"' not in topbar
    assert f'action="{reverse("accounts:signout")}"' in topbar
    change(client)
    topbar = client.get(reverse("mfa:security_credentials")).content.decode()
    topbar = topbar.split("</header>")[0]
    assert f'href="{reverse("console:home")}"' in topbar
    assert f'href="{reverse("mfa:security_credentials")}"' in topbar
