"""tests/ mirrors the packages, and no test module imports another.

A test module sits beside the package it tests: ``tests/identity/policy/`` for
``identity/policy/``, ``tests/console/`` for ``console/``... ``tests/browser/``,
``tests/integration/`` and ``tests/conformance/`` (moto's suite against Tobira) are kinds of
test (their own conftest or marker), and only the cross-cutting modules named in
``CROSS_CUTTING`` sit directly in ``tests/``.

Helpers shared between test modules live in ``tests/support/``, fixtures in
the ``conftest.py`` of the directory that uses them: a module that imports
``test_something`` (or names it in a dotted path such as a backend setting)
runs that module's autouse fixtures and breaks when it moves.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# Test modules about the whole project (or about the test suite itself), not one package.
CROSS_CUTTING = {
    "test_accessible_forms.py",  # every form of every page
    "test_browser_tests_wait.py",  # a guard over tests/browser/
    "test_hardening.py",  # the first security review: sign-in, console, identity, config
    "test_headers.py",  # the security headers of every response, the templates' inline code
    "test_i18n.py",  # the catalogs and every template
    "test_layout.py",  # this guard
    "test_oidc_harness.py",  # tests/support/oidc.py, the OpenID Connect stand-in
    "test_rp_harness.py",  # tests/support/rp.py, the relying-party stand-in
}
# Directories that are a kind of test rather than a package's tests.
# deploy: the files in deploy/; cluster: several nodes behind nginx (tests/support/cluster.py);
# faults: services failing under a running node.
KINDS = {"browser", "conformance", "integration", "deploy", "cluster", "faults"}

DOTTED_TEST_MODULE = re.compile(r"tests(\.\w+)*\.test_\w+(\.\w+)*")


def _is_test_module(dotted: str) -> bool:
    return any(part.startswith("test_") for part in dotted.split("."))


def imported_test_modules(source: str) -> list[tuple[int, str]]:
    """(line, what) for each test module the source imports or names in a dotted string."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if _is_test_module(a.name)]
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if _is_test_module(base):
                found.append((node.lineno, base))
            else:  # from tests import test_x / from . import test_x
                separator = "" if base.endswith(".") else "."
                found += [
                    (node.lineno, f"{base}{separator}{a.name}")
                    for a in node.names
                    if a.name.startswith("test_")
                ]
        elif isinstance(node, ast.Constant) and DOTTED_TEST_MODULE.fullmatch(str(node.value)):
            found.append((node.lineno, node.value))
    return found


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "node_modules" not in p.parts)


def all_test_modules() -> list[Path]:
    return [p for p in python_files() if p.name.startswith("test_")]


def test_the_test_modules_are_found():
    names = {p.relative_to(TESTS).as_posix() for p in all_test_modules()}
    assert {
        "test_layout.py",
        "identity/policy/test_parser.py",
        "browser/test_qr_browser.py",
    } <= names
    assert len(names) > 50


def test_no_module_under_tests_imports_a_test_module():
    problems = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in python_files()
        for line, what in imported_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], (
        "a test module is imported: move what is shared to tests/support/ (helpers) or to the "
        "directory's conftest.py (fixtures)\n" + "\n".join(problems)
    )


def test_only_cross_cutting_test_modules_sit_directly_in_tests():
    top = {p.name for p in all_test_modules() if p.parent == TESTS}
    assert top - CROSS_CUTTING == set(), (
        "move these beside the package they test (tests/<package>/), or name them in "
        "CROSS_CUTTING if they are about the whole project"
    )
    assert top >= CROSS_CUTTING, "CROSS_CUTTING names a module that is gone"


def test_test_directories_mirror_the_packages():
    """tests/a/b/ holds the tests of the package a/b/ (or is a kind: browser, integration)."""
    strays = []
    for directory in sorted({p.parent for p in all_test_modules()} - {TESTS}):
        relative = directory.relative_to(TESTS)
        if relative.parts[0] in KINDS:
            continue
        if not (ROOT / relative / "__init__.py").exists():
            strays.append(relative.as_posix())
    assert strays == [], "these test directories match no package of the project (a/b/__init__.py)"


@pytest.mark.parametrize(
    "snippet",
    [
        "from tests.recovery.test_phone_step import CALLS",
        "from tests import test_tenancy",
        "import tests.mfa.test_webauthn as w",
        "from .test_evaluation import allow",
        "from . import test_parser",
        "def f(): from tests.mfa.test_recovery_codes import PAGE",
        'BACKEND = "tests.recovery.test_phone_step.RecordingVoice"',
    ],
)
def test_the_guard_finds_each_way_of_naming_a_test_module(snippet):
    assert len(imported_test_modules(snippet)) == 1


@pytest.mark.parametrize(
    "snippet",
    [
        "from tests.conftest import PASSWORD",
        "from tests.support.recovery import Browser",
        "from .support import allow",
        "import pytest",
        'PATH = "tests/browser/test_x.py"',
        'TEXT = "from tests.recovery.test_phone_step import CALLS"',
    ],
)
def test_the_guard_lets_helpers_and_fixtures_through(snippet):
    assert imported_test_modules(snippet) == []
