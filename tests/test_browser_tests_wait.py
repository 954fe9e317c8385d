"""The browser tests wait for the state they assert (issue 13, "the test suite must not flake").

A one-shot read of the page (``is_visible()``, ``inner_text()``, ``page.content()``...) looks at
the page as it is at that instant: on a busy machine a ``defer``red script or the response to a
click may not have arrived yet, and the test fails for nothing. Playwright's ``expect(...)``
retries until the state is reached (or the timeout passes). This guard reads every file in
tests/browser/ and names, as file:line, each one-shot read that:

- sits inside an ``assert``, or in the test of an ``if`` / ``while`` (branching on UI state);
- or is kept in a variable without a wait (``expect(...)`` or ``wait_for(...)``) in the
  statement just before it: read what you mean to use only once the page shows it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BROWSER_TESTS = Path(__file__).parent / "browser"

# Methods of Playwright's Page / Locator that read the DOM once, without waiting for a state.
ONE_SHOT_READS = {
    "is_visible",
    "is_hidden",
    "is_checked",
    "is_enabled",
    "is_disabled",
    "is_editable",
    "inner_text",
    "inner_html",
    "text_content",
    "input_value",
    "get_attribute",
    "all_inner_texts",
    "all_text_contents",
    "content",
    "count",
}


def _receiver_names(node: ast.expr) -> set[str]:
    """Every name and attribute along a call chain: ``a.b(c).d`` gives {"a", "b", "d"}."""
    names = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if isinstance(node, ast.Name):
                names.add(node.id)
            return names


def one_shot_reads(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) of each one-shot DOM read, or page address read, within ``tree``."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ONE_SHOT_READS
        ):
            method = node.func.attr
            if method == "count" and "objects" in _receiver_names(node.func.value):
                continue  # a database query (Model.objects....count()), not the page
            if method == "content" and node.args:
                continue
            found.append((node.lineno, f".{method}()"))
        elif (
            isinstance(node, ast.Attribute)
            and node.attr == "url"
            and isinstance(node.value, ast.Name)
            and node.value.id.endswith("page")
        ):
            found.append((node.lineno, f"{node.value.id}.url"))
    return found


def _waits(statement: ast.stmt) -> bool:
    """Whether a statement waits for a state of the page: expect(...)... or ....wait_for(...)."""
    for node in ast.walk(statement):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "expect":
                return True
            if isinstance(func, ast.Attribute) and func.attr.startswith("wait_for"):
                return True
    return False


def _statement_blocks(tree: ast.AST):
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                yield block
        for handler in getattr(node, "handlers", []):
            yield handler.body


def problems_in(source: str, filename: str) -> list[str]:
    tree = ast.parse(source, filename=filename)
    lines = source.splitlines()
    problems = set()

    def report(line: int, what: str, why: str) -> None:
        problems.add((line, f"{filename}:{line}: {why} {what}: {lines[line - 1].strip()}"))

    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            for line, what in one_shot_reads(node.test):
                report(line, what, "assert on a one-shot")
        elif isinstance(node, (ast.If, ast.While, ast.IfExp)):
            for line, what in one_shot_reads(node.test):
                report(line, what, "branch on a one-shot")
    for block in _statement_blocks(tree):
        for previous, statement in zip([None, *block], block, strict=False):
            if not isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                continue
            if statement.value is None:
                continue
            reads = one_shot_reads(statement.value)
            if reads and not (previous is not None and _waits(previous)):
                for line, what in reads:
                    report(line, what, "value kept from a one-shot read, without a wait before it:")
    return [message for _line, message in sorted(problems)]


def browser_test_files() -> list[Path]:
    return sorted(BROWSER_TESTS.glob("*.py"))


def test_the_browser_tests_are_found():
    names = {path.name for path in browser_test_files()}
    assert {"conftest.py", "test_console_browser.py", "test_webauthn_browser.py"} <= names


@pytest.mark.parametrize("path", browser_test_files(), ids=lambda path: path.name)
def test_browser_tests_wait_for_the_state_they_assert(path):
    problems = problems_in(path.read_text(), str(path.relative_to(BROWSER_TESTS.parent.parent)))
    assert not problems, (
        "Use Playwright's expect(locator).to_be_visible() / to_be_hidden() / to_have_text() /"
        " to_contain_text() / to_have_value() / to_have_count() / to_have_url()...,"
        " which wait for the state:\n" + "\n".join(problems)
    )


# The guard itself: it catches what broke (issue 13) and lets the waiting forms through.

ORIGINAL_FLAKE = """
def test_create_user(page):
    page.fill("#id_name", "erin")
    assert not page.is_visible("#id_password")  # only asked for when it applies
"""


@pytest.mark.parametrize(
    "snippet, line",
    [
        (ORIGINAL_FLAKE, 4),
        ('assert "User erin was created." in page.content()', 1),
        ("assert (\n    'x'\n    in page.content()\n)", 3),
        ('assert page.locator(".alert-error").inner_text().strip() == "No"', 1),
        ('assert page.input_value("#id_email") == "root@example.test"', 1),
        ('assert page.is_checked("#id_reset")', 1),
        ('assert page.locator("button").is_enabled()', 1),
        ('assert page.locator("tr").count() == 1', 1),
        ('assert page.locator("html").get_attribute("lang") == "ja"', 1),
        ('assert page.locator("p").text_content() == "x"', 1),
        ('assert "/mfa" in page.url', 1),
        ('if not page.locator("#id_code").is_visible():\n    page.click("text=Use a code")', 1),
        ('page.click("text=Show")\nsecret = page.locator("[data-testid=secret]").inner_text()', 2),
        ('codes = page.locator("code").all_inner_texts()', 1),
    ],
)
def test_the_guard_names_each_one_shot_check(snippet, line):
    problems = problems_in(snippet, "tests/browser/test_x.py")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"tests/browser/test_x.py:{line}: ")


@pytest.mark.parametrize(
    "snippet",
    [
        'expect(page.locator("#id_password")).to_be_hidden()',
        'expect(page).to_have_url(re.compile(r"/mfa$"))',
        'expect(page.locator(".messages")).to_contain_text("User erin was created.")',
        "assert WebAuthnCredential.objects.filter(user=alice).count() == 1",
        "assert response.status == 200, path",
        "expect(secret).to_be_visible()\nvalue = secret.inner_text().strip()",
        'error.wait_for(state="visible")\ntext = error.inner_text()',
    ],
)
def test_the_guard_lets_waiting_checks_through(snippet):
    assert problems_in(snippet, "tests/browser/test_x.py") == []
