"""A form renderer that writes Django's plain ``<input>`` widgets in Python.

Each ``{{ field }}`` renders its widget's template through the template engine: for a text box,
``django/forms/widgets/text.html``, which includes ``input.html``, which includes ``attrs.html``
with a for loop and four ifs, about a quarter of a millisecond a field. :class:`FastInputRenderer`
builds the same bytes in Python for the widgets whose template is exactly that include, and hands
every other template (select, checkbox, radio, textarea, clearable file, multiwidgets, a project's
own) to Django's renderer unchanged.

What the two templates do, and so what this module reproduces::

    input.html   <input type="{{ widget.type }}" name="{{ widget.name }}"{% if widget.value != None %}
                 value="{{ widget.value|stringformat:'s' }}"{% endif %}{% include ".../attrs.html" %}>
    attrs.html   {% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}
                 {% if value is not True %}="{{ value|stringformat:'s' }}"{% endif %}{% endif %}
                 {% endfor %}

(without the line breaks). ``{{ x }}`` escapes x unless it is safe (``conditional_escape``);
``stringformat`` is ``is_safe``, so ``"%s" % value`` keeps the safety of its input, and a
non-string ``{{ name }}`` would be localized first. A value the template would treat otherwise — a
callable (which the template calls), a non-string type, name or attribute name, an attribute named
``items`` (which ``widget.attrs.items`` would look up instead of the method), a widget or attrs
that are not plain dicts — goes to the templates, so the output is always the templates' own.

The shortcut is taken for a template name only if the engine finds, for that name and for
``input.html`` and ``attrs.html``, Django's own file with the text above: an app (or a renderer
subclass) that overrides one of them gets its own template.
"""

from __future__ import annotations

import html
import operator
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.template import TemplateDoesNotExist
from django.template.defaultfilters import stringformat
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
INPUT_TEMPLATE = WIDGETS + "input.html"
ATTRS_TEMPLATE = WIDGETS + "attrs.html"

# The widget templates whose whole text is the include of input.html (FileInput's value is always
# None). checkbox.html is one too but stays on the templates: only the boxes one types into, and
# their hidden and file kin, are written here.
PLAIN_INPUT_TEMPLATES = frozenset(
    WIDGETS + name
    for name in (
        "color.html",
        "date.html",
        "datetime.html",
        "email.html",
        "file.html",
        "hidden.html",
        "number.html",
        "password.html",
        "search.html",
        "tel.html",
        "text.html",
        "time.html",
        "url.html",
    )
)

# The texts, as shipped with Django 5.2, that the Python below reproduces.
_EXPECTED_SOURCES = {
    INPUT_TEMPLATE: (
        '<input type="{{ widget.type }}" name="{{ widget.name }}"'
        "{% if widget.value != None %} value=\"{{ widget.value|stringformat:'s' }}\"{% endif %}"
        '{% include "django/forms/widgets/attrs.html" %}>\n'
    ),
    ATTRS_TEMPLATE: (
        "{% for name, value in widget.attrs.items %}{% if value is not False %} {{ name }}"
        "{% if value is not True %}=\"{{ value|stringformat:'s' }}\"{% endif %}{% endif %}"
        "{% endfor %}"
    ),
    **{name: '{% include "django/forms/widgets/input.html" %}\n' for name in PLAIN_INPUT_TEMPLATES},
}
_DJANGO_WIDGET_DIR = (
    Path(django.forms.__file__).parent / "templates" / "django" / "forms" / "widgets"
)


class _Fallback(Exception):
    """The template would do something this module does not reproduce."""


def _formatted(value) -> str:
    """``{{ value|stringformat:'s' }}`` with autoescape on."""
    if type(value) is str:  # the common case, and what every widget's format_value() returns
        return html.escape(value)  # django.utils.html.escape() less its wrappers
    if callable(value):  # the template would call it
        raise _Fallback
    text = stringformat(value, "s")
    if isinstance(value, SafeData):  # stringformat is_safe: the filter keeps its input's safety
        text = mark_safe(text)  # noqa: S308 - "%s" of what was already safe, as the engine does
    return conditional_escape(text)


def _plain(value) -> str:
    """``{{ value }}`` with autoescape on, for a string (anything else is localized first)."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, str) and not callable(value):
        return conditional_escape(value)
    raise _Fallback


def render_input(context) -> str:
    """input.html and attrs.html for ``context``, as the template engine renders them; raises
    :class:`_Fallback` where the templates must do it."""
    widget = context.get("widget") if type(context) is dict else None
    if type(widget) is not dict:
        raise _Fallback
    try:
        value = widget["value"]
        attrs = widget["attrs"]
        parts = ['<input type="', _plain(widget["type"]), '" name="', _plain(widget["name"]), '"']
    except KeyError:
        raise _Fallback from None
    if type(attrs) is not dict or "items" in attrs:
        raise _Fallback
    if callable(value):
        raise _Fallback
    try:
        has_value = operator.ne(value, None)  # the if tag's `!=`; an exception there is false
    except Exception:
        has_value = False
    if has_value:
        parts += (' value="', _formatted(value), '"')
    for name, attr in attrs.items():
        if attr is True:
            parts += (" ", _plain(name))
        elif attr is not False:
            if callable(attr):
                raise _Fallback
            parts += (" ", _plain(name), '="', _formatted(attr), '"')
    parts.append(">")
    return "".join(parts)


class FastInputRenderer(DjangoTemplates):
    """Django's default form renderer, with the plain ``<input>`` widgets written in Python."""

    @cached_property
    def fast_templates(self) -> frozenset[str]:
        """The names in PLAIN_INPUT_TEMPLATES that the engine resolves to Django's own files,
        provided input.html and attrs.html are Django's own too; otherwise none."""
        engine = self.engine.engine
        if engine.string_if_invalid or not engine.autoescape:
            return frozenset()
        if not (_is_djangos(self, INPUT_TEMPLATE) and _is_djangos(self, ATTRS_TEMPLATE)):
            return frozenset()
        return frozenset(name for name in PLAIN_INPUT_TEMPLATES if _is_djangos(self, name))

    def render(self, template_name, context, request=None):
        if template_name in self.fast_templates:
            try:
                return render_input(context)
            except _Fallback:
                pass
        return super().render(template_name, context, request=request)


def _is_djangos(renderer: DjangoTemplates, template_name: str) -> bool:
    """Whether ``template_name`` is found as Django's own file, with the text reproduced here."""
    try:
        template = renderer.get_template(template_name).template
    except TemplateDoesNotExist:
        return False
    origin = Path(str(template.origin.name))
    return (
        origin.parent == _DJANGO_WIDGET_DIR
        and origin.name == Path(template_name).name
        and template.source == _EXPECTED_SOURCES[template_name]
    )
