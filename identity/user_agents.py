"""The browser and operating system a User-Agent header names, for a person to recognise a session.

A small table, checked in order, instead of a full parser such as ``ua-parser``: the list of
signed-in sessions needs only a family and a major version ("Firefox 128", "Windows"), and the
major browsers now freeze the rest of the string (Chrome's "Windows NT 10.0" stands for Windows
11 too, and macOS stays "10_15_7"), so a larger rule set would name nothing more that is true.
The header is whatever the client sent: nothing here is trusted, only shown.

Order matters: Edge, Opera, Samsung Internet and others carry "Chrome/" and "Safari/" too, and
Chrome on iOS says "CriOS" and "Safari", so the more specific tokens come first.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_MAX_LENGTH = 64  # what the model keeps of each name


class ParsedUserAgent(NamedTuple):
    browser: str  # "Firefox 128", or "" when not recognised
    operating_system: str  # "Windows", "macOS", "iOS 17", or ""


# (name, pattern whose group 1 is the version) in the order they are tried.
_BROWSERS: tuple[tuple[str, re.Pattern], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("Edge", r"\bEdg(?:e|A|iOS)?/(\d+)"),
        ("Opera", r"\b(?:OPR|Opera)/(\d+)"),
        ("Samsung Internet", r"\bSamsungBrowser/(\d+)"),
        ("Vivaldi", r"\bVivaldi/(\d+)"),
        ("Yandex Browser", r"\bYaBrowser/(\d+)"),
        ("Firefox", r"\b(?:Firefox|FxiOS)/(\d+)"),
        ("Chrome", r"\b(?:CriOS)/(\d+)"),
        ("Chromium", r"\bChromium/(\d+)"),
        ("Headless Chrome", r"\bHeadlessChrome/(\d+)"),
        ("Chrome", r"\bChrome/(\d+)"),
        ("Safari", r"\bVersion/(\d+)(?:[.\d]*)? (?:Mobile/\S+ )?Safari/"),
        ("Internet Explorer", r"\b(?:MSIE |Trident/.*rv:)(\d+)"),
        ("curl", r"^curl/(\d+)"),
        ("Python Requests", r"^python-requests/(\d+)"),
    )
)

# (name, pattern, whether group 1 is a version worth showing) in the order they are tried.
_SYSTEMS: tuple[tuple[str, re.Pattern, bool], ...] = tuple(
    (name, re.compile(pattern), versioned)
    for name, pattern, versioned in (
        ("iOS", r"\b(?:iPhone|iPod)\b.*? OS (\d+)_", True),
        ("iPadOS", r"\biPad\b.*? OS (\d+)_", True),
        ("Android", r"\bAndroid (\d+)", True),
        ("Android", r"\bAndroid\b()", False),
        ("ChromeOS", r"\bCrOS\b()", False),
        ("Windows", r"\bWindows (?:NT|Phone)\b()", False),
        ("macOS", r"\bMacintosh\b()", False),
        ("Linux", r"\b(?:Linux|X11)\b()", False),
    )
)


def parse(user_agent: str) -> ParsedUserAgent:
    """The browser and operating system of ``user_agent``; empty strings for what is unknown."""
    value = user_agent[:512]
    browser = ""
    for name, pattern in _BROWSERS:
        match = pattern.search(value)
        if match:
            browser = f"{name} {match.group(1)}"
            break
    system = ""
    for name, pattern, versioned in _SYSTEMS:
        match = pattern.search(value)
        if match:
            system = f"{name} {match.group(1)}" if versioned else name
            break
    return ParsedUserAgent(browser[:_MAX_LENGTH], system[:_MAX_LENGTH])
