"""ARNs wrap only at ':' and '/', never inside a name."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template

from identity.templatetags.tobira import arn


def test_an_arn_may_break_only_after_its_separators():
    html = arn("arn:aws:iam::123456789012:mfa/alice-app")
    assert html == (
        '<span class="arn"><span>arn:</span><wbr><span>aws:</span><wbr><span>iam:</span><wbr>'
        "<span>:</span><wbr><span>123456789012:</span><wbr><span>mfa/</span><wbr>"
        "<span>alice-app</span><wbr></span>"
    )
    # What is copied from the page is the ARN itself.
    assert re.sub(r"<[^>]+>", "", html) == "arn:aws:iam::123456789012:mfa/alice-app"


def test_the_pieces_are_escaped():
    assert "<b>" not in arn('arn:aws:iam::1:user/<b>"x')
    rendered = Template("{% load tobira %}{{ value|arn }}").render(Context({"value": "a:<i>"}))
    assert "&lt;i&gt;" in rendered and "<i>" not in rendered


def test_pages_show_arns_through_the_filter():
    """An ARN printed as text in a page (not in an attribute) goes through |arn."""
    bare = re.compile(r'(?<![="])\{\{ *[\w.]*arn *\}\}')
    offenders = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        if "emails" in path.parts:
            continue  # mail is plain text to the reader
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if bare.search(line) and "blocktranslate" not in line:
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_unwrap_arns_gives_the_text_back():
    from tests.conftest import unwrap_arns

    html = f"<td>{arn('arn:aws:iam::1:user/a-b')}</td>"
    assert unwrap_arns(html) == "<td>arn:aws:iam::1:user/a-b</td>"
