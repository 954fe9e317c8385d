"""Tobira as a SAML 2.0 identity provider (issue 15): certificates, pysaml2, the endpoints."""
