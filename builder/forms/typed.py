"""Django forms generated from the campaign's typed models (builder/campaign_file/models.py).

A form's fields are the model's fields: the kind of input (choice, whole number, number, yes/no, date-time,
date, time, text) and its preset value (the model's default) come from the model, so defaults and rules
are stated once. The forms only carry what was typed: every value goes back to the campaign file's form
and the whole campaign is validated by building the typed model; its errors are then shown next to the
field they name (`attach`). All fields are optional here: what is required is the model's to say."""

import math
import types
import typing
from datetime import date, datetime, time
from typing import Annotated, Literal

from django import forms
from django.forms.utils import ErrorDict
from pydantic_core import PydanticUndefined

from builder.campaign_file.models import CampaignFile
from builder.views.common import datetime_field, datetime_input, number
from campaigns.typed import model_at
from config.params import int_param

MAX_ROWS = 100  # rows of one list on a page (rounds, criteria, pushes, articles …): far above any real campaign


def section_model(*loc):
    """The typed model at `loc` of the campaign file, e.g. ("judging", "rounds", 0)."""
    model = model_at(CampaignFile, loc)
    if model is None:
        raise LookupError(f"no model at {loc}")
    return model


def field_kind(annotation) -> tuple[str, list]:
    """("choice", choices) | ("int" | "number" | "bool" | "datetime" | "date" | "time" | "text", [])."""
    for _ in range(8):
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            break
    if typing.get_origin(annotation) is Literal:
        return "choice", list(typing.get_args(annotation))
    for kind, base in (("bool", bool), ("int", int), ("number", float), ("datetime", datetime), ("date", date),
                       ("time", time)):
        if annotation is base:
            return kind, []
    return "text", []


def shown(kind: str, value) -> str | bool:
    """A file value as the input shows it."""
    if kind == "bool":
        return bool(value)
    if value is None:
        return ""
    if kind == "datetime":
        return datetime_input(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def typed(kind: str, raw):
    """What was typed, back to the file form (None: left empty, the model's default applies)."""
    if kind == "bool":
        return bool(raw)
    raw = (raw or "").replace("\r\n", "\n")
    raw = raw.strip("\n") if "\n" in raw.strip(" ") else raw.strip()
    if raw == "":
        return None
    if kind in ("int", "number"):
        return finite(raw)
    if kind == "datetime":
        return datetime_field(raw)
    return raw


def finite(raw: str):
    """A typed number as int or float; anything else (text, NaN, infinities) as typed, for the model to refuse."""
    value = number(raw)
    return value if not isinstance(value, float) or math.isfinite(value) else raw


class TypedForm(forms.Form):
    """A form whose fields map onto a typed model's (see `typed_form`)."""

    kinds: dict[str, str] = {}
    keys: dict[str, str] = {}  # form field → the key in the file (its alias: `from_` → `from`)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        self.typed_errors: list[str] = []
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("aria-describedby", f"{self.prefix or ''}-{name}-errors".lstrip("-"))

    @classmethod
    def initial_from(cls, value: dict | None) -> dict:
        value = value or {}
        return {name: shown(cls.kinds[name], value[key]) for name, key in cls.keys.items() if key in value}

    def raw(self, name: str):
        if not self.is_bound:
            value = self.initial.get(name, self.fields[name].initial)
            return value if self.kinds.get(name) == "bool" else ("" if value is None else str(value))
        return self[name].value() if self.kinds.get(name) != "bool" else \
            self.fields[name].widget.value_from_datadict(self.data, self.files, self.add_prefix(name))

    def to_file(self) -> dict:
        """The typed values, keyed as in the file; fields left empty are left out (their defaults apply)."""
        out = {}
        for name, key in self.keys.items():
            value = typed(self.kinds[name], self.raw(name))
            if value is not None:
                out[key] = value
        return out

    def untouched(self) -> bool:
        """A new row nobody typed in (its fields still show the model's defaults)."""
        return not self.is_bound or not self.has_changed()

    def show_error(self, field: str | None, message: str) -> None:
        if field in self.fields:
            if self.is_bound:
                self.errors  # noqa: B018 (full_clean runs once, so add_error can record)
            elif self._errors is None:
                self._errors, self.cleaned_data = ErrorDict(), {}
            self.add_error(field, message)
            self.fields[field].widget.attrs["aria-invalid"] = "true"
        else:
            self.typed_errors.append(message)


def typed_form(name: str, loc: tuple, labels: dict[str, str], *, textareas=(), choice_labels=None,
               optional_choices=(), extra: dict | None = None) -> type[TypedForm]:
    """A TypedForm class for the model at `loc` with the fields of `labels` (in that order).
    `optional_choices`: choice fields with an empty option (their model field may be left out)."""
    model = section_model(*loc)
    attrs, kinds, keys = {}, {}, {}
    for field_name, label in labels.items():
        info = model.model_fields[field_name]
        kind, choices = field_kind(info.annotation)
        default = None if info.default is PydanticUndefined else info.default
        help_text = "" if default in (None, [], {}) or kind == "bool" else f"默认 default: {shown(kind, default)}"
        initial = shown(kind, default) if default is not None and not isinstance(default, list | dict) else None
        if kind == "bool":
            field = forms.BooleanField(label=label, required=False, initial=bool(default))
        elif kind == "choice":
            options = [(c, (choice_labels or {}).get(c, c)) for c in choices]
            if field_name in optional_choices or default is None:
                options = [("", "—")] + options
            field = forms.CharField(label=label, required=False, initial=initial, help_text=help_text,
                                    widget=forms.Select(choices=options))
        else:
            widget = {
                "int": forms.NumberInput(attrs={"step": "1", "inputmode": "numeric"}),
                "number": forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                "datetime": forms.DateTimeInput(attrs={"type": "datetime-local"}),
                "date": forms.DateInput(attrs={"type": "date"}),
                "time": forms.TimeInput(attrs={"type": "time"}),
            }.get(kind) or (forms.Textarea(attrs={"rows": 4}) if field_name in textareas else forms.TextInput())
            field = forms.CharField(label=label, required=False, initial=initial, help_text=help_text, widget=widget,
                                    strip=False)
        attrs[field_name] = field
        kinds[field_name] = kind
        keys[field_name] = info.alias or field_name
    attrs.update(extra or {})
    attrs.update({"kinds": kinds, "keys": keys, "model": model})
    return type(name, (TypedForm,), attrs)


class RowFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].label = "顺序 Order"
            form.fields["ORDER"].widget.attrs.update({"min": "1", "class": "order-input"})
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "删除 Remove"


def row_formset(form_class, *, order=True):
    return forms.formset_factory(form_class, formset=RowFormSet, extra=0, can_delete=True, can_order=order,
                                 max_num=MAX_ROWS, absolute_max=MAX_ROWS)


def bound_rows(formset_class, post, prefix: str, rows: list[dict], *, blank_rows: int = 0):
    """The formset of `rows` (file values): bound to the POST when the page posted it, else showing the rows
    and `blank_rows` new ones preset with the model's defaults."""
    if post is not None and f"{prefix}-TOTAL_FORMS" in post:
        formset = formset_class(post, prefix=prefix)
    else:
        with_blanks = type(formset_class.__name__, (formset_class,), {"extra": blank_rows})
        formset = with_blanks(prefix=prefix, initial=[formset_class.form.initial_from(r) for r in rows])
    formset.typed_errors = []
    return formset


def kept_rows(formset) -> list:
    """The formset's forms in their chosen order, without removed or untouched new rows."""
    forms_ = []
    for index, form in enumerate(formset.forms):
        if form.is_bound and form.fields.get("DELETE") and form["DELETE"].value():
            continue
        new = index >= formset.initial_form_count()
        if new and form.untouched() and not any(f.to_file() for f in getattr(form, "children_forms", lambda: [])()):
            continue
        order = int_param(str(form["ORDER"].value() or ""), lo=-MAX_ROWS, hi=MAX_ROWS, default=index + 1, clamp=True) \
            if "ORDER" in form.fields else index + 1
        forms_.append((order, index, form))
    return [form for _, _, form in sorted(forms_, key=lambda t: (t[0], t[1]))]


def add_row(post, prefix: str, form_class) -> None:
    """One more row in the formset `prefix` of a (mutable) POST, preset with the model's defaults."""
    total = int_param(post.get(f"{prefix}-TOTAL_FORMS"), lo=0, hi=MAX_ROWS - 1, default=0, clamp=True)
    post[f"{prefix}-TOTAL_FORMS"] = str(total + 1)
    post.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    for name, field in form_class.base_fields.items():
        if field.initial not in (None, False, ""):
            post[f"{prefix}-{total}-{name}"] = "on" if field.initial is True else str(field.initial)
    post[f"{prefix}-{total}-ORDER"] = str(total + 1)


class ErrorMap:
    """Where each part of the campaign file is edited on the page: issue paths → forms and formsets."""

    def __init__(self):
        self.targets: dict[str, tuple] = {}

    def form(self, path: str, form: TypedForm, *, rename: dict | None = None, whole: str | None = None):
        self.targets[path] = ("form", form, rename or {}, whole)

    def rows(self, path: str, formset):
        self.targets[path] = ("rows", formset, {}, None)

    def attach(self, issues) -> None:
        for issue in issues:
            message = f"{issue.message_zh}（{issue.message_en}）"
            path = issue.path
            best = max((p for p in self.targets if path == p or path.startswith(p + ".") or path.startswith(p + "[")),
                       key=len, default=None)
            if best is None:
                continue
            kind, target, rename, whole = self.targets[best]
            rest = path[len(best):].lstrip(".")
            if kind == "rows":
                target.typed_errors.append(message)
                continue
            head = rest.split(".")[0].split("[")[0] if rest else whole
            target.show_error(rename.get(head, head), message)
