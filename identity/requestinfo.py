"""Where a request came from, as far as we can trust it."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the right-most untrusted X-Forwarded-For hop.

    X-Forwarded-For is read only when TRUSTED_PROXY_COUNT says how many proxies
    in front of us append to it; otherwise anyone could choose their own address
    (and their own rate-limit bucket).
    """
    address = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def user_agent(request) -> str:
    """The User-Agent header, without the control characters a database refuses."""
    value = request.META.get("HTTP_USER_AGENT", "")[:512]
    return "".join(ch for ch in value if ch >= " " and ch != "\x7f")


def safe_next(request, default: str) -> str:
    """The ``next`` of the request (POST, else GET) when it is a URL of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
