"""Fixtures for the SSO tests."""

from tests.support.saml import saml_app, saml_idp  # noqa: F401 - fixtures
from tests.support.sso import sam, sso_no_mfa  # noqa: F401 - fixtures
from tests.support.tenancy import target  # noqa: F401 - a fixture, for test_role_console.py
