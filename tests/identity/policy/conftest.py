"""The policy engine is pure Python: no database, no cache, no Celery.

``tests/conftest.py`` has an autouse fixture that clears the (database-backed)
cache around every test; these tests need no database, so it is overridden here
by a fixture of the same name that does nothing.

Hypothesis keeps its files in a temporary directory rather than in ``.hypothesis``
at the repository root.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "tobira-policy-tests-hypothesis")


@pytest.fixture(autouse=True)
def _test_defaults():
    yield
