"""Cells of a CSV file that a spreadsheet opens: text that starts like a formula is written
with a leading apostrophe, so a user name such as ``=HYPERLINK(...)`` (IAM names may hold
``=``, ``+``, ``-`` and ``@``) is shown, never run (OWASP's *CSV injection*)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_cell(value: str) -> str:
    # Spreadsheets skip leading spaces before a formula, and some read the full-width signs.
    if value.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + value
    return value
