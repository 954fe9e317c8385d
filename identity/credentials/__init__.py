"""Credentials for programs: access keys (long-term ``AKIA`` and temporary ``ASIA``), SSH public
keys and X.509 signing certificates, and the stored credential report of an account.

A Django app of its own (label ``credentials``) inside the identity layer: the self-service
*Security credentials* page (``mfa``), the console and the IAM/STS API (``api``) all use it.
"""
