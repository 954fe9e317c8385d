"""The English and Japanese catalogs are complete, compiled and used.

The catalogs are read with a small parser written here (no third-party .po
library), so the tests need nothing but the standard library and, for the
extraction check, GNU gettext (bin/test installs it).

Regenerating the catalogs::

    .venv/bin/python manage.py makemessages -l ja -l en -e html,txt,py \
        --ignore=.venv --ignore=var --ignore=tests --ignore=bench --no-obsolete
    # translate every new msgstr in locale/ja/LC_MESSAGES/django.po, then
    .venv/bin/python manage.py compilemessages --ignore=.venv
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
PROJECT_DIR = Path(settings.BASE_DIR)
JA_PO = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.po"
JA_MO = LOCALE_DIR / "ja" / "LC_MESSAGES" / "django.mo"
EN_PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
EN_MO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.mo"

MAKEMESSAGES_ARGS = [
    "makemessages",
    "-l",
    "ja",
    "-l",
    "en",
    "-e",
    "html,txt,py",
    "--ignore=.venv",
    "--ignore=var",
    "--ignore=tests",
    "--ignore=bench",
    "--no-obsolete",
]


# --- A minimal .po reader -------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is not None:
            return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]
        return [self.msgstr]

    def __str__(self) -> str:
        context = f" (context {self.msgctxt!r})" if self.msgctxt is not None else ""
        return f"line {self.line}: {self.msgid!r}{context}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def _unquote(literal: str, path: Path, lineno: int) -> str:
    if len(literal) < 2 or not (literal.startswith('"') and literal.endswith('"')):
        raise ValueError(f"{path}:{lineno}: not a quoted string: {literal!r}")

    def replace(match: re.Match) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise ValueError(f"{path}:{lineno}: unknown escape \\{char}")
        return _ESCAPES[char]

    body = literal[1:-1]
    if re.search(r'(?<!\\)(?:\\\\)*"', body):
        raise ValueError(f"{path}:{lineno}: unescaped quote in {literal!r}")
    return re.sub(r"\\(.)", replace, body)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, header first, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    current: Entry | None = None
    seen_msgstr = False
    target: tuple[str, int | None] | None = None  # field the continuation lines extend
    pending_flags: set[str] = set()

    def flush() -> None:
        nonlocal current, seen_msgstr, target
        if current is not None:
            if not seen_msgstr:
                raise ValueError(f"{path}:{current.line}: msgid without msgstr")
            entries.append(current)
        current, seen_msgstr, target = None, False, None

    def append(text: str) -> None:
        name, index = target
        if name == "msgstr" and index is not None:
            current.msgstr_plural[index] += text
        else:
            setattr(current, name, getattr(current, name) + text)

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            flush()
            continue
        if line.startswith("#"):
            if seen_msgstr:
                flush()
            if line.startswith("#~"):
                continue  # obsolete entry
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{lineno}: continuation line outside an entry")
            append(_unquote(line, path, lineno))
            continue
        match = _KEYWORD.match(line)
        if not match:
            raise ValueError(f"{path}:{lineno}: cannot parse {line!r}")
        keyword, index, literal = match.group(1), match.group(2), match.group(3)
        text = _unquote(literal, path, lineno)
        if keyword in ("msgctxt", "msgid") and (seen_msgstr or current is None):
            if seen_msgstr:
                flush()
            if current is None:
                current = Entry(line=lineno, flags=pending_flags)
                pending_flags = set()
        if current is None:
            raise ValueError(f"{path}:{lineno}: {keyword} before msgid")
        if keyword == "msgstr":
            seen_msgstr = True
            if index is None:
                current.msgstr = text
            else:
                current.msgstr_plural[int(index)] = text
            target = ("msgstr", None if index is None else int(index))
        else:
            if seen_msgstr:
                raise ValueError(f"{path}:{lineno}: {keyword} after msgstr")
            setattr(current, keyword, text)
            target = (keyword, None)
    flush()
    if not entries or not entries[0].is_header:
        raise ValueError(f"{path}: the first entry is not the header")
    return entries


def header_fields(entry: Entry) -> dict[str, str]:
    fields = {}
    for line in entry.msgstr.splitlines():
        name, sep, value = line.partition(":")
        if sep:
            fields[name.strip()] = value.strip()
    return fields


_PLACEHOLDER = re.compile(r"%\((\w+)\)[#0 +\-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def placeholders(text: str) -> list[str]:
    return sorted(match.group(0) for match in _PLACEHOLDER.finditer(text))


# --- The parser itself ----------------------------------------------------------


def test_parser_reads_continuations_plurals_context_and_flags(tmp_path):
    po = tmp_path / "sample.po"
    po.write_text(
        "\n".join(
            [
                "# comment",
                'msgid ""',
                'msgstr ""',
                '"Language: ja\\n"',
                '"Plural-Forms: nplurals=1; plural=0;\\n"',
                "",
                "#: a.py:1",
                "#, fuzzy, python-format",
                'msgid ""',
                '"Hello %(name)s, "',
                '"say \\"hi\\"\\n"',
                'msgstr "こんにちは %(name)s"',
                "",
                'msgctxt "menu"',
                'msgid "File"',
                'msgid_plural "Files"',
                'msgstr[0] ""',
                '"ファイル"',
                "",
                '#~ msgid "Old"',
                '#~ msgstr "古い"',
                "",
            ]
        ),
        encoding="utf-8",
    )
    header, hello, files = parse_po(po)
    assert header_fields(header) == {"Language": "ja", "Plural-Forms": "nplurals=1; plural=0;"}
    assert hello.msgid == 'Hello %(name)s, say "hi"\n'
    assert hello.flags == {"fuzzy", "python-format"}
    assert hello.msgstr == "こんにちは %(name)s"
    assert files.key == ("menu", "File", "Files")
    assert files.msgstr_plural == {0: "ファイル"}
    assert placeholders("%(a)s and %(b)d of %%") == ["%(a)s", "%(b)d"]


# --- The Japanese catalog is complete ----------------------------------------------


@pytest.fixture(scope="module")
def ja_entries() -> list[Entry]:
    return parse_po(JA_PO)


def test_japanese_header(ja_entries):
    header = ja_entries[0]
    assert "fuzzy" not in header.flags
    fields = header_fields(header)
    assert fields.get("Language") == "ja"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"


def test_every_japanese_entry_is_translated_and_not_fuzzy(ja_entries):
    messages = ja_entries[1:]
    assert len(messages) > 100, "the Japanese catalog looks truncated"
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    untranslated = [
        str(entry)
        for entry in messages
        if not all(text.strip() for text in entry.translations)
        or (entry.msgid_plural is not None and sorted(entry.msgstr_plural) != [0])
    ]
    assert not fuzzy, "fuzzy entries in ja/django.po:\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries in ja/django.po:\n" + "\n".join(untranslated)


def test_japanese_entries_are_unique(ja_entries):
    keys = [entry.key for entry in ja_entries[1:]]
    duplicates = sorted({key for key in keys if keys.count(key) > 1}, key=str)
    assert not duplicates


def test_japanese_translations_keep_every_placeholder(ja_entries):
    problems = []
    for entry in ja_entries[1:]:
        expected = placeholders(entry.msgid)
        if entry.msgid_plural is not None:
            expected = sorted(set(expected) | set(placeholders(entry.msgid_plural)))
        for text in entry.translations:
            found = placeholders(text)
            if entry.msgid_plural is not None:
                found = sorted(set(found))
            if found != expected:
                problems.append(f"{entry}: expects {expected}, translation has {found}")
    assert not problems, "\n".join(problems)


def test_english_catalog_has_a_valid_header_and_the_same_messages(ja_entries):
    en_entries = parse_po(EN_PO)
    header = en_entries[0]
    assert "fuzzy" not in header.flags
    fields = header_fields(header)
    assert fields.get("Language") == "en"
    assert fields.get("Content-Type") == "text/plain; charset=UTF-8"
    assert "nplurals=2" in fields.get("Plural-Forms", "").replace(" ", "")
    assert not [str(entry) for entry in en_entries[1:] if "fuzzy" in entry.flags]
    assert {entry.key for entry in en_entries[1:]} == {entry.key for entry in ja_entries[1:]}


# --- The compiled catalogs are up to date ------------------------------------------

_MISSING = "\x00missing from the .mo\x00"


class _Missing(gettext.NullTranslations):
    def gettext(self, message):
        return _MISSING

    def ngettext(self, msgid1, msgid2, n):
        return _MISSING

    def pgettext(self, context, message):
        return _MISSING

    def npgettext(self, context, msgid1, msgid2, n):
        return _MISSING


def _load_mo(path: Path) -> gettext.GNUTranslations:
    assert path.exists(), f"{path} is missing: run manage.py compilemessages"
    with path.open("rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    catalog.add_fallback(_Missing())
    return catalog


def test_japanese_mo_matches_the_po(ja_entries):
    catalog = _load_mo(JA_MO)
    assert catalog.info().get("language") == "ja"
    assert catalog.charset().lower() == "utf-8"
    stale = []
    for entry in ja_entries[1:]:
        if entry.msgid_plural is None:
            if entry.msgctxt is None:
                got = catalog.gettext(entry.msgid)
            else:
                got = catalog.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr:
                stale.append(f"{entry}: .mo has {got!r}, .po has {entry.msgstr!r}")
            continue
        for n in (1, 2, 5):
            if entry.msgctxt is None:
                got = catalog.ngettext(entry.msgid, entry.msgid_plural, n)
            else:
                got = catalog.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
            if got != entry.msgstr_plural.get(0):
                stale.append(f"{entry} (n={n}): .mo has {got!r}, .po has {entry.msgstr_plural}")
    assert not stale, "ja/django.mo is stale, run manage.py compilemessages:\n" + "\n".join(stale)


def test_english_mo_exists_and_is_english():
    catalog = _load_mo(EN_MO)
    assert catalog.info().get("language") == "en"


# --- Every translatable string in the code is in the catalogs ------------------------

_COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "var",
    "tests",
    "bench",
    "node_modules",
    "__pycache__",
    ".*_cache",
    "screenshots",
)


def test_catalogs_hold_every_translatable_string(tmp_path, ja_entries):
    """Extract the messages afresh (in a copy of the project) and compare with the catalog."""
    tools = ("xgettext", "msgmerge", "msguniq", "msgattrib")
    missing = [tool for tool in tools if not shutil.which(tool)]
    assert not missing, (
        f"GNU gettext tools missing: {missing} (bin/test installs the gettext package)"
    )
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_DIR, copy, ignore=_COPY_IGNORE)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "TOBIRA_VAR_DIR": str(tmp_path / "var"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES_ARGS],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    fresh = {
        entry.key for entry in parse_po(copy / "locale" / "ja" / "LC_MESSAGES" / "django.po")[1:]
    }
    committed = {entry.key for entry in ja_entries[1:]}
    missing = sorted(fresh - committed, key=str)
    stale = sorted(committed - fresh, key=str)
    assert not missing, (
        "strings not in the catalogs, run makemessages and translate:\n"
        + "\n".join(map(repr, missing))
    )
    assert not stale, (
        "entries no longer in the code, run makemessages --no-obsolete:\n"
        + "\n".join(map(repr, stale))
    )


# --- Pages and mail come out in the visitor's language -------------------------------


@pytest.mark.django_db
def test_signin_page_follows_accept_language(client):
    japanese = client.get("/signin", HTTP_ACCEPT_LANGUAGE="ja")
    assert japanese.status_code == 200
    page = japanese.content.decode()
    assert 'lang="ja"' in page
    assert "サインイン" in page
    assert "ルートユーザー" in page
    assert "IAM ユーザー" in page
    assert ">Sign in<" not in page

    english = client.get("/signin", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200
    page = english.content.decode()
    assert 'lang="en"' in page
    assert "Sign in" in page
    assert "Root user" in page
    assert "サインイン" not in page


@pytest.mark.django_db
def test_language_switch_is_kept_in_a_cookie(client):
    assert "Sign in" in client.get("/signin").content.decode()
    response = client.post("/i18n/setlang/", {"language": "ja", "next": "/signin"})
    assert response.status_code == 302
    assert response["Location"] == "/signin"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"

    page = client.get("/signin").content.decode()
    assert 'lang="ja"' in page
    assert "サインイン" in page
    assert ">Sign in<" not in page


def test_password_changed_mail_is_translated():
    context = {
        "user": SimpleNamespace(arn="arn:aws:iam::123456789012:user/alice"),
        "account": SimpleNamespace(id="123456789012"),
        "changed_at": None,
        "base_url": "https://tobira.example",
    }
    with translation.override("ja"):
        subject = render_to_string("emails/password_changed_subject.txt", context).strip()
        body = render_to_string("emails/password_changed_message.txt", context)
    assert subject == "Tobira コンソールのパスワードが変更されました"
    assert "arn:aws:iam::123456789012:user/alice (アカウント 123456789012)" in body
    assert "コンソールパスワード" in body
    assert "%(" not in body
