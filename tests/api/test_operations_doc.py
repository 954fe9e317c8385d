"""docs/api.md's table of operations is what the operations' declarations generate."""

from api.operations_doc import DOC, generate, table
from api.registry import OPERATIONS


def test_the_operations_table_is_generated_from_the_declarations():
    current = DOC.read_text()
    assert generate(current) == current, "run: python manage.py api_operations_doc"


def test_every_operation_has_a_row():
    rows = table()
    for _service, name in OPERATIONS:
        assert f"| `{name}` |" in rows
