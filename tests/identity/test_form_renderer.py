"""identity.form_renderer: the plain <input> widgets written in Python are byte for byte what
Django's templates render, and everything else still goes through the templates."""

from __future__ import annotations

import datetime
import decimal
import importlib
import inspect
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.http import QueryDict
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from identity.form_renderer import (
    PLAIN_INPUT_TEMPLATES,
    FastInputRenderer,
    _Fallback,
    render_input,
)

FAST = FastInputRenderer()
REFERENCE = DjangoTemplates()
HOSTILE = "\"'><script>alert('x')</script>&amp;&<b>"

PLAIN_WIDGETS = [
    forms.TextInput,
    lambda **kw: forms.PasswordInput(render_value=True, **kw),
    forms.PasswordInput,
    forms.EmailInput,
    forms.HiddenInput,
    forms.NumberInput,
    forms.URLInput,
    forms.SearchInput,
    forms.TelInput,
    forms.ColorInput,
    forms.FileInput,
    forms.DateInput,
    lambda **kw: forms.DateInput(format="%Y-%m-%d", **kw),
    forms.DateTimeInput,
    forms.TimeInput,
]

VALUES = [
    None,
    "",
    0,
    1,
    -7,
    1234567.5,
    decimal.Decimal("1234.50"),
    True,
    False,
    "plain",
    "  spaced  ",
    HOSTILE,
    "日本語 <テキスト>",
    gettext_lazy("Password"),
    format_lazy("{} & {}", gettext_lazy("Password"), "<b>"),
    SafeString("<b>safe & sound</b>"),
    mark_safe('"already" &amp; escaped'),
    datetime.date(2024, 2, 29),
    datetime.datetime(2024, 2, 29, 13, 5, 9, tzinfo=datetime.UTC),
    datetime.time(23, 59),
    ("a", "<b>"),
    ["x", "<y>"],
    lambda: "called by the template",
]

ATTRS = [
    None,
    {},
    {"required": True},
    {"disabled": False},
    {"data-none": None},
    {"maxlength": 10, "minlength": 0, "step": 0.5, "max": decimal.Decimal("9.99")},
    {"class": "a b", "id": "id_<x>"},
    {"placeholder": gettext_lazy("Password"), "title": format_lazy("{}<", gettext_lazy("Help"))},
    {"title": HOSTILE, "data-x": "<script>alert(1)</script>"},
    {"data-safe": SafeString("<i>kept</i>"), "data-lazy-safe": mark_safe(gettext_lazy("Help"))},
    {'on"x': "1", "<evil>": True, SafeString("data-<s>"): "v"},
    {"autofocus": True, "readonly": False, "value": "shadowed", "type": "hidden", "name": "n"},
    {"items": "looked up by the template instead of the method"},
    {"data-call": lambda: "called"},
    {"data-tuple": ("a", 1), "data-list": ["<", ">"]},
    {"spellcheck": "false", "autocapitalize": "none", "autocomplete": "current-password"},
]


def _id(value) -> str:
    """A test id that is the same in every process (no object addresses)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def both(render):
    """``render(renderer)`` with the fast renderer and with Django's: the two outputs, or the
    exceptions raised (an attribute named ``items`` breaks the templates' for loop)."""
    results = []
    for renderer in (FAST, REFERENCE):
        try:
            results.append(render(renderer))
        except Exception as error:  # noqa: BLE001 - compared, not swallowed
            results.append((type(error), str(error)))
    return results


def test_the_setting_names_the_renderer_and_no_app_overrides_the_plain_templates():
    assert settings.FORM_RENDERER == "identity.form_renderer.FastInputRenderer"
    renderer = get_default_renderer()
    assert isinstance(renderer, FastInputRenderer)
    # Every name is Django's own file with the text reproduced: no installed app overrides one.
    assert renderer.fast_templates == PLAIN_INPUT_TEMPLATES
    assert FAST.fast_templates == PLAIN_INPUT_TEMPLATES


def test_the_short_circuited_templates_are_exactly_the_include_of_input_html():
    widgets_dir = Path(forms.__file__).parent / "templates" / "django" / "forms" / "widgets"
    plain = {
        "django/forms/widgets/" + path.name
        for path in widgets_dir.glob("*.html")
        if path.read_text() == '{% include "django/forms/widgets/input.html" %}\n'
    }
    # checkbox.html is such an include but is left to the templates on purpose.
    assert plain - PLAIN_INPUT_TEMPLATES == {"django/forms/widgets/checkbox.html"}
    assert plain >= PLAIN_INPUT_TEMPLATES


@pytest.mark.parametrize("make_widget", PLAIN_WIDGETS)
@pytest.mark.parametrize("value", VALUES, ids=_id)
def test_plain_widgets_render_the_same_bytes(make_widget, value):
    for attrs in ATTRS:
        for extra in (None, {"id": "id_f"}, {"required": True, "data-v": value}):
            widget = make_widget(attrs=attrs)
            fast, reference = both(
                lambda r, w=widget, e=extra: w.render("field<&>", value, attrs=e, renderer=r)
            )
            assert fast == reference, attrs


@pytest.mark.parametrize("make_widget", PLAIN_WIDGETS)
def test_plain_widgets_with_localized_values_render_the_same_bytes(make_widget):
    widget = make_widget(attrs={"placeholder": gettext_lazy("Password")})
    widget.is_localized = True
    for language in ("en", "ja"):
        with translation.override(language):
            for value in (1234567.5, decimal.Decimal("-1234.5"), datetime.date(2024, 1, 2)):
                fast, reference = both(lambda r, v=value: widget.render("n", v, renderer=r))
                assert fast == reference


@pytest.mark.parametrize(
    "make_widget",
    [w for w in PLAIN_WIDGETS if w is not forms.FileInput],
)
def test_plain_widgets_are_written_in_python_not_by_the_templates(make_widget):
    widget = make_widget(attrs={"class": "c", "required": True, "placeholder": gettext_lazy("X")})
    reference = widget.render("name", "value", renderer=REFERENCE)
    with mock.patch.object(DjangoTemplates, "render", side_effect=AssertionError("template")):
        assert widget.render("name", "value", renderer=FAST) == reference


@pytest.mark.parametrize(
    ("widget", "value", "template"),
    [
        (forms.Select(choices=[("a", "<A>")]), "a", "django/forms/widgets/select.html"),
        (forms.CheckboxInput(), True, "django/forms/widgets/checkbox.html"),
        (forms.Textarea(), HOSTILE, "django/forms/widgets/textarea.html"),
        (forms.RadioSelect(choices=[("a", "A")]), "a", "django/forms/widgets/radio.html"),
        (forms.ClearableFileInput(), None, "django/forms/widgets/clearable_file_input.html"),
        (forms.SplitDateTimeWidget(), None, "django/forms/widgets/splitdatetime.html"),
        (forms.widgets.Input(), "x", "django/forms/widgets/input.html"),
    ],
)
def test_other_widgets_go_through_the_templates(widget, value, template):
    parent = DjangoTemplates.render
    with mock.patch.object(DjangoTemplates, "render", autospec=True, side_effect=parent) as spy:
        fast = widget.render("f", value, renderer=FAST)
    assert [call.args[1] for call in spy.call_args_list] == [template]
    assert fast == widget.render("f", value, renderer=REFERENCE)


@pytest.mark.parametrize(
    "widget",
    [
        {"type": 1, "name": "n", "value": None, "attrs": {}},
        {"type": None, "name": "n", "value": "v", "attrs": {}},
        {"type": "text", "name": 7, "value": "v", "attrs": {}},
        {"type": "text", "name": gettext_lazy("Password"), "value": "v", "attrs": {}},
        {"type": SafeString("<t>"), "name": SafeString("<n>"), "value": "v", "attrs": {}},
        {"type": "text", "name": "n", "attrs": {}},
        {"type": "text", "name": "n", "value": "v"},
        {"type": "text", "name": "n", "value": "v", "attrs": {1: "int key", "k": 2}},
        {"type": "text", "name": "n", "value": "v", "attrs": [("k", "v")]},
        {"type": "text", "name": "n", "value": None, "attrs": {"k": None}},
        {"type": "text", "name": "n", "value": "", "attrs": {"k": ""}},
        {"type": "text", "name": "n", "value": 0, "attrs": {"k": 0}},
        {"type": "text", "name": "n", "value": object(), "attrs": {}},
    ],
    ids=_id,
)
def test_hand_made_contexts_render_the_same_bytes(widget):
    for template in sorted(PLAIN_INPUT_TEMPLATES):
        fast, reference = both(lambda r, t=template: r.render(t, {"widget": widget}))
        assert fast == reference


def test_contexts_the_python_does_not_reproduce_fall_back():
    for context in (
        {},
        {"widget": None},
        {"widget": {"type": "text", "name": "n", "attrs": {}}},
        {"widget": {"type": 1, "name": "n", "value": None, "attrs": {}}},
        {"widget": {"type": "text", "name": "n", "value": None, "attrs": {"items": "x"}}},
        {"widget": {"type": "text", "name": "n", "value": None, "attrs": {1: "x"}}},
        {"widget": {"type": "text", "name": "n", "value": len, "attrs": {}}},
    ):
        with pytest.raises(_Fallback):
            render_input(context)


class _Overriding(FastInputRenderer):
    """A renderer whose engine finds some widget templates in another folder first."""

    def __init__(self, folder):
        self.folder = folder

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": True,
                "DIRS": [self.folder, Path(forms.__file__).parent / "templates"],
                "NAME": "overriding",
                "OPTIONS": {},
            }
        )


def test_an_overridden_widget_template_is_not_short_circuited(tmp_path):
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "text.html").write_text('<input class="mine" name="{{ widget.name }}">')
    # Same text as Django's, another file: still not taken for Django's.
    (widgets / "email.html").write_text('{% include "django/forms/widgets/input.html" %}\n')
    renderer = _Overriding(tmp_path)
    assert renderer.fast_templates == PLAIN_INPUT_TEMPLATES - {
        "django/forms/widgets/text.html",
        "django/forms/widgets/email.html",
    }
    assert forms.TextInput().render("n", "v", renderer=renderer) == '<input class="mine" name="n">'
    assert forms.EmailInput().render("n", "v", renderer=renderer) == (
        forms.EmailInput().render("n", "v", renderer=REFERENCE)
    )


@pytest.mark.parametrize("name", ["input.html", "attrs.html"])
def test_an_overridden_input_or_attrs_template_turns_the_shortcut_off(tmp_path, name):
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / name).write_text("<mine>{{ widget.name }}</mine>")
    renderer = _Overriding(tmp_path)
    assert renderer.fast_templates == frozenset()
    assert "<mine>" in forms.TextInput().render("n", "v", renderer=renderer)


_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12)
_ATTR_VALUE = st.one_of(
    st.booleans(),
    st.none(),
    st.integers(),
    _TEXT,
    _TEXT.map(SafeString),
    st.sampled_from(["<", ">", "&", '"', "'", "&amp;", "<script>"]),
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    name=_TEXT,
    value=st.one_of(st.none(), _TEXT, _TEXT.map(SafeString), st.integers()),
    attrs=st.dictionaries(_TEXT, _ATTR_VALUE, max_size=5),
    widget=st.sampled_from(PLAIN_WIDGETS),
)
def test_any_text_renders_the_same_bytes(name, value, attrs, widget):
    widget = widget(attrs=attrs)
    fast, reference = both(lambda r: widget.render(name, value, renderer=r))
    assert fast == reference


# --- Every form of the project ------------------------------------------------------------------

FORM_MODULES = [
    "accounts.forms",
    "mfa.base.forms",
    "mfa.credentials.forms",
    "mfa.recovery_codes.forms",
    "mfa.totp.forms",
    "mfa.webauthn.forms",
    "sso.forms",
    "console.forms.common",
    "console.forms.events",
    "console.forms.groups",
    "console.forms.organization",
    "console.forms.password_policy",
    "console.forms.policies",
    "console.forms.signin_settings",
    "console.forms.sso",
    "console.forms.sso_applications",
    "console.forms.users",
    "console.views.user_bulk",
]
PACKAGES = ("accounts", "identity", "mfa", "recovery", "sso", "console", "api")


def _project_forms() -> list[type[forms.BaseForm]]:
    for module in FORM_MODULES:
        importlib.import_module(module)
    found, stack = set(), [forms.BaseForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.split(".")[0] in PACKAGES and sub.__module__ in FORM_MODULES:
                found.add(sub)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def _things(*names):
    return [SimpleNamespace(pk=n, id=n, name=n, permission_set_id=n) for n in names]


def _units():
    """Two OUs, the second under the first, for the forms that offer OUs."""
    return [
        SimpleNamespace(pk="ou-abcd-11111111", id="ou-abcd-11111111", name=HOSTILE, parent_id=None),
        SimpleNamespace(
            pk="ou-abcd-22222222", id="ou-abcd-22222222", name="b", parent_id="ou-abcd-11111111"
        ),
    ]


def _device(pk, name):
    return SimpleNamespace(pk=pk, name=name, get_kind_display=lambda: "Authenticator app")


def _builders():
    """Arguments for the forms that need some: (args, kwargs) variants, by class name."""
    from console.views.user_bulk import BULK

    names = ("alice", "<bob>&\"'")
    return {
        "ChangePasswordForm": [((None,), {})],
        "MFACodeForm": [(([_device(1, "phone"), _device(2, HOSTILE)],), {}), (([],), {})],
        "MFAAssignForm": [
            ((), {"app_suggestion": HOSTILE}),
            ((), {"app_suggestion": "x", "allowed": frozenset({"virtual"})}),
        ],
        "AccessKeyCreateForm": [((), {}), ((), {"root": True})],
        "TypedConfirmationForm": [(("delete",), {})],
        "DeleteConfirmForm": [(("delete",), {}), (("x",), {"label": gettext_lazy("Password")})],
        "RootMFAResetForm": [(("123456789012",), {})],
        "ExternalIdPForm": [((), {}), ((), {"has_secret": True})],
        "PermissionSetForm": [((), {}), ((), {"editing": True})],
        "AssignmentForm": [((_things(*names), _things(*names)), {})],
        "GroupMemberForm": [((_things(*names),), {})],
        "AttachPolicyForm": [(([("arn:aws:iam::aws:policy/X", "X <y>")],), {})],
        "PermissionsBoundaryForm": [
            (([("Customer <managed>", [("arn:aws:iam::1:policy/X", "X <y>")])],), {}),
            (([],), {}),
        ],
        "IAMUserCreateForm": [
            ((), {}),
            (([("AWS <managed>", [("arn:aws:iam::aws:policy/X", "X <y>")])],), {}),
        ],
        "PolicyAttachTargetForm": [((_things(*names), _things(*names)), {}), (([], []), {})],
        "SimulatorForm": [((_things(*names),), {})],
        "RootMFAWaveForm": "organization",
        "OrganizationalUnitDeleteForm": [((HOSTILE,), {})],
        "AccountMoveForm": [
            (("r-abcd", _units(), "r-abcd"), {}),
            (("r-abcd", _units(), "ou-abcd-22222222"), {}),
            (("r-abcd", [], "r-abcd"), {}),
        ],
        "RootAccessKeysForm": [((True,), {}), ((False,), {})],
        "OIDCApplicationForm": [((), {}), ((), {"editing": True})],
        "SAMLApplicationForm": [((), {}), ((), {"editing": True})],
        "EventFilterForm": [((), {}), ((), {"accounts": _things("111111111111", HOSTILE)})],
        "BulkConfirmForm": [((action, list(names)), {}) for action in BULK.values()],
    }


def _hostile_data(form) -> QueryDict:
    """HOSTILE (and a plain value after it) for every field, and for MultiWidget parts."""
    data = QueryDict(mutable=True)
    for bound in form:
        for suffix in ("", "_0", "_1", "_2"):
            data.setlist(bound.html_name + suffix, [HOSTILE, "1"])
    return data


def _render_all(form) -> list[str]:
    rendered = [str(form), form.as_p(), form.as_div()]
    for bound in form:
        rendered += [str(bound), bound.as_hidden(), bound.as_text(), str(bound.errors)]
    return rendered


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", _project_forms(), ids=lambda cls: cls.__qualname__)
def test_every_project_form_renders_the_same_bytes(form_class):
    variants = _builders().get(form_class.__name__)
    if variants == "organization":
        from tests.conftest import make_organization

        organization = make_organization()
        variants = [((organization, []), {}), ((organization, _units()), {})]
    elif variants is None:
        required = [
            p
            for p in inspect.signature(form_class.__init__).parameters.values()
            if p.default is p.empty
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
            and p.name != "self"
        ]
        if required:
            pytest.skip(f"{form_class.__qualname__} needs {[p.name for p in required]}")
        variants = [((), {})]

    for language in ("en", "ja"):
        with translation.override(language):
            for args, kwargs in variants:
                probe = form_class(*args, **kwargs)
                hostile = _hostile_data(probe)
                initial = {name: HOSTILE for name in probe.fields}
                for extra in ({}, {"initial": initial}, {"data": hostile}, {"prefix": "p<&"}):
                    fast, reference = both(
                        lambda r, a=args, k=kwargs, e=extra: _render_all(
                            form_class(*a, renderer=r, **k, **e)
                        )
                    )
                    assert fast == reference, (form_class, extra)


def test_the_sign_in_form_uses_the_shortcut_for_every_field():
    from accounts.forms import IAMSignInForm

    form = IAMSignInForm(data={"account": HOSTILE, "user_name": "", "password": "x"})
    reference = [str(bound) for bound in IAMSignInForm(data=form.data, renderer=REFERENCE)]
    with mock.patch.object(DjangoTemplates, "render", side_effect=AssertionError("template")):
        fast = [str(bound) for bound in form]
    assert fast == reference
    assert 'value="&quot;&#x27;&gt;&lt;script&gt;' in fast[0]
