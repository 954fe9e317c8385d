"""Fixtures for the console tests."""

from tests.support.sso import sso_no_mfa  # noqa: F401 - a fixture, for test_sso_admin_pages.py
from tests.support.tenancy import target  # noqa: F401 - a fixture, for test_tenancy.py
