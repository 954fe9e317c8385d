"""docs/api.md's "session from zero" on the demo data, step by step, with the aws CLI."""

import base64

import pytest
from django.core.management import call_command

from identity.models import User
from mfa.totp import auth as totp
from tests.support import aws

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_documented_session_from_zero(live_server, tmp_path, settings):
    settings.TOBIRA_BASE_URL = live_server.url
    call_command("demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    alice = User.objects.get(name="alice", account__alias="demo-corp")
    root = User.objects.get(account=alice.account, kind=User.Kind.ROOT)
    # Step 1: the root user creates alice's key on her user page (the same service).
    keys = aws.access_key(alice, actor=root)

    def cli(*args, token=None, credentials=keys):
        return aws.cli(live_server.url, *credentials, *args, token=token, home=tmp_path)

    # Step 2.
    assert cli("sts", "get-caller-identity").json["Arn"] == alice.arn
    # Step 3: refused without MFA, with AWS's sentence.
    refused = cli("iam", "list-users")
    assert refused.returncode != 0
    assert "with an explicit deny in an identity-based policy" in refused.stderr
    # Step 4: a virtual device from the CLI, enabled with two codes from its seed.
    png = tmp_path / "alice-cli.png"
    created = cli(
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "alice-cli",
        "--outfile",
        str(png),
        "--bootstrap-method",
        "QRCodePNG",
    )
    assert created.returncode == 0, created.stderr
    assert png.read_bytes().startswith(b"\x89PNG")
    serial = created.json["VirtualMFADevice"]["SerialNumber"]
    seed_file = tmp_path / "seed.txt"
    cli(
        "iam",
        "create-virtual-mfa-device",
        "--virtual-mfa-device-name",
        "alice-seed",
        "--outfile",
        str(seed_file),
        "--bootstrap-method",
        "Base32StringSeed",
    )
    seed = seed_file.read_bytes()
    key = base64.b32decode(seed + b"=" * (-len(seed) % 8))
    seed_serial = serial.replace("alice-cli", "alice-seed")
    now = totp.current_step()
    enabled = cli(
        "iam",
        "enable-mfa-device",
        "--user-name",
        "alice",
        "--serial-number",
        seed_serial,
        "--authentication-code1",
        totp.code_at(key, now - 1),
        "--authentication-code2",
        totp.code_at(key, now),
    )
    assert enabled.returncode == 0, enabled.stderr
    assert [d["SerialNumber"] for d in cli("iam", "list-mfa-devices").json["MFADevices"]] == [
        seed_serial
    ]
    # Step 5: session credentials with a code, then the refused call succeeds.
    code = totp.code_at(key, now + 1)
    session = cli("sts", "get-session-token", "--serial-number", seed_serial, "--token-code", code)
    assert session.returncode == 0, session.stderr
    credentials = session.json["Credentials"]
    session_keys = (credentials["AccessKeyId"], credentials["SecretAccessKey"])
    listed = cli("iam", "list-users", token=credentials["SessionToken"], credentials=session_keys)
    assert listed.returncode == 0, listed.stderr
    assert "alice" in [u["UserName"] for u in listed.json["Users"]]
    # The same code twice: refused.
    again = cli("sts", "get-session-token", "--serial-number", seed_serial, "--token-code", code)
    assert again.returncode != 0 and "AccessDenied" in again.stderr
