"""An organization's signing keys as an issuer (issue 15, first slice): made on first use, the
private half encrypted at rest, published as a JWKS per organization, rotated with an overlap.

Tokens are checked with joserfc, a JOSE implementation independent of the jwcrypto that signs."""

import base64
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError
from joserfc.jwk import KeySet

from identity import crypto
from identity.models import AuditEvent
from sso.applications import keys
from sso.applications.models import SigningKey

pytestmark = pytest.mark.django_db

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def jwks_of(client, organization):
    response = client.get(reverse("applications:jwks", args=[organization.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Set-Cookie" not in response
    return response.json()


def age_keys(organization, by=keys.NEXT_KEY_MIN_AGE + timedelta(minutes=1)):
    """As if the organization's keys had been published ``by`` ago (a next key may sign only
    once relying parties had the time to fetch it)."""
    for key in SigningKey.objects.filter(organization=organization):
        SigningKey.objects.filter(pk=key.pk).update(created_at=key.created_at - by)


def test_the_jwks_publishes_a_current_and_a_next_key_per_algorithm(client, organization):
    document = jwks_of(client, organization)
    published = [(key["alg"], key["kty"]) for key in document["keys"]]
    assert sorted(published) == [
        ("ES256", "EC"),
        ("ES256", "EC"),
        ("RS256", "RSA"),
        ("RS256", "RSA"),
    ]
    for key in document["keys"]:
        assert key["use"] == "sig"
        assert len(key["kid"]) >= 24  # 144 random bits
        assert not PRIVATE_MEMBERS & set(key)  # public halves only
        if key["kty"] == "RSA":
            assert len(base64.urlsafe_b64decode(key["n"] + "==")) == 256  # RSA-2048
            assert key["e"] == "AQAB"
        else:
            assert key["crv"] == "P-256"
    assert len({key["kid"] for key in document["keys"]}) == 4
    KeySet.import_key_set(document)  # a JOSE library other than the signer's reads it
    # Made once: the second request finds the same keys, and four creation events say so.
    assert jwks_of(client, organization) == document
    created = AuditEvent.objects.filter(event_name="CreateSigningKey")
    assert created.count() == 4
    assert {e.recipient_account_id for e in created} == {organization.management_account_id}
    assert all(e.user_identity == {"type": "Tobira"} for e in created)


def test_each_organization_is_its_own_issuer_and_unknown_ones_are_404(
    client, organization, other_organization
):
    ours = {key["kid"] for key in jwks_of(client, organization)["keys"]}
    theirs = {key["kid"] for key in jwks_of(client, other_organization)["keys"]}
    assert ours and theirs and not ours & theirs
    for missing in ("o-doesnotexist", "o-" + "x" * 300, organization.pk.upper()):
        assert client.get(f"/o/{missing}/jwks").status_code == 404
    assert client.post(reverse("applications:jwks", args=[organization.pk])).status_code == 405


def test_private_keys_are_encrypted_at_rest_and_match_the_published_halves(organization):
    keys.published(organization)
    with connection.cursor() as cursor:
        cursor.execute("SELECT private_key_encrypted FROM applications_signingkey")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == 4
    assert not any("PRIVATE KEY" in value or "BEGIN" in value for value in stored)
    for row in SigningKey.objects.filter(organization=organization):
        pem = crypto.decrypt(row.private_key_encrypted)
        assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    # No key material in the audit trail.
    trail = json.dumps(list(AuditEvent.objects.values("request_parameters", "response_elements")))
    assert "PRIVATE" not in trail and '"d"' not in trail


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_a_signed_token_verifies_against_the_published_keys(organization, client, algorithm):
    token = keys.sign(organization, {"sub": "alice", "aud": "wiki"}, algorithm=algorithm)
    document = jwks_of(client, organization)
    decoded = jwt.decode(token, KeySet.import_key_set(document), algorithms=[algorithm])
    assert decoded.header["alg"] == algorithm
    assert decoded.claims == {"sub": "alice", "aud": "wiki"}
    current = SigningKey.objects.get(
        organization=organization, algorithm=algorithm, state="current"
    )
    assert decoded.header["kid"] == current.kid


def test_rotation_keeps_what_the_previous_key_signed_verifiable_until_the_next_rotation(
    organization, client
):
    keys.published(organization)
    age_keys(organization)
    before = keys.sign(organization, {"sub": "alice"})
    next_kid = SigningKey.objects.get(
        organization=organization, algorithm="RS256", state="next"
    ).kid

    new_current = keys.rotate(organization, "RS256")
    assert new_current.kid == next_kid  # the key relying parties already knew signs now
    after = keys.sign(organization, {"sub": "alice"})
    published = KeySet.import_key_set(jwks_of(client, organization))
    for token in (before, after):  # both verify during the overlap
        assert jwt.decode(token, published, algorithms=["RS256"]).claims == {"sub": "alice"}
    assert [k["kid"] for k in jwks_of(client, organization)["keys"]].count(next_kid) == 1

    age_keys(organization)
    keys.rotate(organization, "RS256")  # the key that signed ``before`` is retired now
    published = KeySet.import_key_set(jwks_of(client, organization))
    with pytest.raises(InvalidKeyIdError):  # its kid is no longer published
        jwt.decode(before, published, algorithms=["RS256"])
    assert jwt.decode(after, published, algorithms=["RS256"]).claims == {"sub": "alice"}
    states = SigningKey.objects.filter(organization=organization, algorithm="RS256")
    assert sorted(states.values_list("state", flat=True)) == [
        "current",
        "next",
        "previous",
        "retired",
    ]
    # ES256 is rotated on its own schedule: untouched.
    assert SigningKey.objects.filter(organization=organization, algorithm="ES256").count() == 2
    rotations = AuditEvent.objects.filter(event_name="RotateSigningKey")
    assert rotations.count() == 2
    assert rotations.first().request_parameters == {
        "organization": organization.pk,
        "algorithm": "RS256",
    }


def test_the_jwks_costs_two_queries_once_the_keys_exist(
    client, organization, django_assert_num_queries
):
    keys.published(organization)
    url = reverse("applications:jwks", args=[organization.pk])
    with django_assert_num_queries(2):  # the organization, its published keys
        assert client.get(url).status_code == 200


def test_the_rotation_command_rotates_only_keys_that_are_due(organization, other_organization):
    keys.published(organization)
    keys.published(other_organization)
    age_keys(organization)
    age_keys(other_organization)
    old = timezone.now() - timedelta(days=91)
    SigningKey.objects.filter(organization=organization, algorithm="ES256", state="current").update(
        activated_at=old
    )
    out = StringIO()
    call_command("rotate_signing_keys", "--older-than", "90", stdout=out)
    assert "1 key(s) rotated" in out.getvalue()
    assert SigningKey.objects.filter(state="previous").count() == 1
    rotated = SigningKey.objects.get(state="previous")
    assert (rotated.organization_id, rotated.algorithm) == (organization.pk, "ES256")
    # Nothing else is due: a second run does nothing.
    out = StringIO()
    call_command("rotate_signing_keys", stdout=out)
    assert "0 key(s) rotated" in out.getvalue()
    # Limited to one organization, everything due at 0 days.
    call_command(
        "rotate_signing_keys", "--older-than", "0", "--organization", other_organization.pk
    )
    assert SigningKey.objects.filter(organization=other_organization, state="previous").count() == 2
    assert SigningKey.objects.filter(organization=organization, state="previous").count() == 1
    with pytest.raises(CommandError):
        call_command("rotate_signing_keys", "--organization", "o-nosuchorg")


def test_a_rotation_is_refused_until_the_next_key_was_published_long_enough(organization):
    """A second rotation right after the first would retire the key that signed a moment ago and
    sign with one relying parties may not have fetched (security review of this slice)."""
    keys.published(organization)
    with pytest.raises(keys.RotationRefused) as refused:
        keys.rotate(organization, "RS256")  # the next key was made a moment ago
    assert refused.value.code == "too_soon"
    age_keys(organization)
    current = keys.rotate(organization, "RS256")
    with pytest.raises(keys.RotationRefused):
        keys.rotate(organization, "RS256")  # its successor is brand new
    assert (
        SigningKey.objects.get(organization=organization, algorithm="RS256", state="current")
        == current
    )


def test_a_scheduler_that_lost_a_race_does_not_rotate_twice(organization):
    keys.published(organization)
    age_keys(organization)
    listed = SigningKey.objects.get(organization=organization, algorithm="ES256", state="current")
    keys.rotate(organization, "ES256", expected_current=listed.kid)  # the first scheduler
    age_keys(organization)  # even once the new next key is old enough
    with pytest.raises(keys.RotationRefused) as refused:
        keys.rotate(organization, "ES256", expected_current=listed.kid)  # the second one
    assert refused.value.code == "rotated"
    assert SigningKey.objects.filter(organization=organization, state="retired").count() == 0


def test_unknown_algorithms_are_refused(organization):
    for algorithm in ("HS256", "none", "rs256"):
        with pytest.raises(ValueError):
            keys.sign(organization, {"sub": "alice"}, algorithm=algorithm)
        with pytest.raises(ValueError):
            keys.rotate(organization, algorithm)
