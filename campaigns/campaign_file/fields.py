"""Declarative field types of the campaign file.

Each field cleans a raw YAML value into its stored form (what goes into the database: JSON-able,
date-times as ISO 8601 with the campaign's offset), recording every problem in the context instead of
stopping at the first, and dumps the stored form back into the file form."""

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from campaigns.campaign_file.issues import Issue, Path, did_you_mean, path_text
from campaigns.campaign_file.yaml_io import LineMap


class _Sentinel:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING = _Sentinel("MISSING")
INVALID = _Sentinel("INVALID")


class Context:
    def __init__(self, lines: LineMap, tz: ZoneInfo):
        self.lines = lines
        self.tz = tz
        self.issues: list[Issue] = []

    def error(self, path: Path, message_zh: str, message_en: str) -> _Sentinel:
        self.issues.append(Issue(self.lines.line(path), path_text(path), message_zh, message_en))
        return INVALID


def _hint(word, choices) -> tuple[str, str]:
    guess = did_you_mean(word, choices)
    return (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")


class Field(ABC):
    def __init__(self, *, required: bool = False, default=MISSING):
        self.required = required
        self.default = default

    @abstractmethod
    def clean(self, value, path: Path, ctx: Context):
        """The value as stored, or INVALID after recording an issue in `ctx`."""

    def dump(self, value, tz: ZoneInfo):
        return value

    def children(self) -> Iterator[tuple[str, "Field"]]:
        """(suffix, field) pairs for walking the schema, e.g. (".limits", Struct) or ("[]", Struct)."""
        return iter(())


class Text(Field):
    def __init__(self, *, max_length: int | None = None, pattern: str | None = None,
                 pattern_zh: str = "", pattern_en: str = "", **kw):
        super().__init__(**kw)
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.pattern_zh, self.pattern_en = pattern_zh, pattern_en

    def clean(self, value, path, ctx):
        if not isinstance(value, str):
            return ctx.error(path, "应为文本（数字或日期请加引号）", "must be text (quote numbers and dates)")
        value = value.strip("\n") if "\n" in value else value.strip()
        if not value.strip():
            return ctx.error(path, "不能为空", "must not be empty")
        if self.max_length and len(value) > self.max_length:
            return ctx.error(path, f"最多 {self.max_length} 个字符（现有 {len(value)} 个）",
                             f"must be at most {self.max_length} characters (has {len(value)})")
        if self.pattern and not self.pattern.fullmatch(value):
            return ctx.error(path, self.pattern_zh, self.pattern_en)
        return value


class Slug(Text):
    def __init__(self, *, max_length: int = 60, **kw):
        super().__init__(max_length=max_length, pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
                         pattern_zh="只能包含小写字母、数字和连字符（如 spring-quiz）",
                         pattern_en="must contain only lowercase letters, digits and hyphens (like spring-quiz)", **kw)


class Integer(Field):
    def __init__(self, *, min: int | None = None, max: int | None = None, **kw):
        super().__init__(**kw)
        self.min, self.max = min, max

    def clean(self, value, path, ctx):
        if isinstance(value, bool) or not isinstance(value, int):
            if self.min == 1:
                return ctx.error(path, "必须是正整数", "must be a positive whole number")
            return ctx.error(path, "应为整数", "must be a whole number")
        if self.min is not None and value < self.min:
            if self.min == 1:
                return ctx.error(path, "必须是正整数", "must be a positive whole number")
            return ctx.error(path, f"不能小于 {self.min}", f"must be at least {self.min}")
        if self.max is not None and value > self.max:
            return ctx.error(path, f"不能大于 {self.max}", f"must be at most {self.max}")
        return value


class Number(Field):
    def __init__(self, *, gt: float | None = None, ge: float | None = None, le: float | None = None, **kw):
        super().__init__(**kw)
        self.gt, self.ge, self.le = gt, ge, le

    def _refuse(self, path, ctx):
        if self.gt == 0:
            return ctx.error(path, "必须是正数", "must be a positive number")
        if self.ge == 0:
            return ctx.error(path, "必须是不小于 0 的数", "must be a number not below 0")
        return ctx.error(path, "应为数字", "must be a number")

    def clean(self, value, path, ctx):
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            return self._refuse(path, ctx)
        if (self.gt is not None and value <= self.gt) or (self.ge is not None and value < self.ge):
            return self._refuse(path, ctx)
        if self.le is not None and value > self.le:
            return ctx.error(path, f"不能大于 {self.le}", f"must be at most {self.le}")
        return value


class Boolean(Field):
    def clean(self, value, path, ctx):
        if not isinstance(value, bool):
            return ctx.error(path, "应为 true 或 false", "must be true or false")
        return value


class Choice(Field):
    def __init__(self, choices, **kw):
        super().__init__(**kw)
        self.choices = list(choices)

    def clean(self, value, path, ctx):
        if isinstance(value, bool) or value not in self.choices:
            hint_zh, hint_en = _hint(value, self.choices)
            return ctx.error(path, f"应为以下之一：{'、'.join(map(str, self.choices))}{hint_zh}",
                             f"must be one of: {', '.join(map(str, self.choices))}{hint_en}")
        return value


class TimeZoneName(Field):
    def clean(self, value, path, ctx):
        try:
            if not isinstance(value, str) or "/" not in value:
                raise ZoneInfoNotFoundError(value)
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return ctx.error(path, "不是有效的时区名称（如 Asia/Shanghai）", "is not a valid time zone name (like Asia/Shanghai)")
        return value


_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)?")


def parse_datetime(value: str, tz: ZoneInfo) -> datetime | None:
    if not isinstance(value, str) or not _DATETIME.fullmatch(value.strip()):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def format_datetime(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


class DateTime(Field):
    """`2027-02-05 20:00` (or `2027-02-05`, meaning 00:00) in the campaign's time zone; stored as ISO 8601."""

    def clean(self, value, path, ctx):
        moment = parse_datetime(value, ctx.tz)
        if moment is None:
            return ctx.error(path, "日期时间格式应为 YYYY-MM-DD HH:MM（如 2027-02-05 20:00）",
                             "must be a date and time like 2027-02-05 20:00")
        return moment.isoformat()

    def dump(self, value, tz):
        return format_datetime(datetime.fromisoformat(value), tz)


class Date(Field):
    def clean(self, value, path, ctx):
        try:
            if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                raise ValueError
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            return ctx.error(path, "日期格式应为 YYYY-MM-DD（如 2027-02-05）", "must be a date like 2027-02-05")


class TimeOfDay(Field):
    def clean(self, value, path, ctx):
        try:
            if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value.strip()):
                raise ValueError
            return time.fromisoformat(value.strip()).strftime("%H:%M")
        except ValueError:
            return ctx.error(path, "时间格式应为 HH:MM（如 20:00）", "must be a time of day like 20:00")


class ListOf(Field):
    def __init__(self, item: Field, *, min_items: int = 0, unique: bool = False, **kw):
        super().__init__(**kw)
        self.item, self.min_items, self.unique = item, min_items, unique

    def clean(self, value, path, ctx):
        if not isinstance(value, list):
            return ctx.error(path, "应为列表（每项以 “- ” 开头）", "must be a list (items start with '- ')")
        if len(value) < self.min_items:
            return ctx.error(path, f"至少需要 {self.min_items} 项", f"needs at least {self.min_items} item(s)")
        cleaned, seen = [], set()
        for index, raw in enumerate(value):
            item = self.item.clean(raw, (*path, index), ctx)
            if self.unique and item is not INVALID:
                if item in seen:
                    ctx.error((*path, index), f"“{item}” 重复", f"'{item}' is listed twice")
                seen.add(item)
            cleaned.append(None if item is INVALID else item)
        return cleaned

    def dump(self, value, tz):
        return [self.item.dump(item, tz) for item in value]

    def children(self):
        yield "[]", self.item


class MapOf(Field):
    def __init__(self, key: Field, value: Field, **kw):
        super().__init__(**kw)
        self.key, self.value = key, value

    def clean(self, value, path, ctx):
        if not isinstance(value, dict):
            return ctx.error(path, "应为键值映射（key: value）", "must be a mapping (key: value)")
        cleaned = {}
        for raw_key, raw_value in value.items():
            key = self.key.clean(raw_key, (*path, str(raw_key)), ctx)
            item = self.value.clean(raw_value, (*path, str(raw_key)), ctx)
            if key is not INVALID and item is not INVALID:
                cleaned[key] = item
        return cleaned

    def dump(self, value, tz):
        return {k: self.value.dump(v, tz) for k, v in value.items()}


class AllOr(Field):
    """The word `all`, or a more specific value (a list of keys, a mapping)."""

    def __init__(self, other: Field, **kw):
        super().__init__(**kw)
        self.other = other

    def clean(self, value, path, ctx):
        return "all" if value == "all" else self.other.clean(value, path, ctx)

    def dump(self, value, tz):
        return value if value == "all" else self.other.dump(value, tz)

    def children(self):
        yield "", self.other


class Struct(Field):
    """A mapping with known keys; unknown keys are errors with a "did you mean" hint.

    `fill=True`: when the whole mapping is absent, it is cleaned from `{}` so its defaults apply."""

    def __init__(self, fields: dict[str, Field], *, fill: bool = False, **kw):
        super().__init__(**kw)
        self.fields = fields
        self.fill = fill

    def clean(self, value, path, ctx):
        if not isinstance(value, dict):
            return ctx.error(path, "应为键值映射（key: value）", "must be a mapping (key: value)")
        for key in value:
            if key not in self.fields:
                hint_zh, hint_en = _hint(key, self.fields)
                ctx.error((*path, str(key)), f"未知字段 “{key}”{hint_zh}", f"unknown key '{key}'{hint_en}")
        cleaned = {}
        for name, field in self.fields.items():
            if name in value:
                item = field.clean(value[name], (*path, name), ctx)
                if item is not INVALID:
                    cleaned[name] = item
            elif field.required:
                ctx.error((*path, name), f"缺少必填字段 {name}", f"{name} is required")
            elif isinstance(field, Struct) and field.fill:
                cleaned[name] = field.clean({}, (*path, name), ctx)
            elif field.default is not MISSING:
                cleaned[name] = copy.deepcopy(field.default)
        return cleaned

    def dump(self, value, tz):
        """File form in schema order; empty optional values are left out (they load back the same)."""
        out = {}
        for name, field in self.fields.items():
            if name not in value or value[name] is None:
                continue
            item = value[name]
            if not field.required and item in ("", [], {}) and field.default in (MISSING, item):
                continue
            out[name] = field.dump(item, tz)
        return out

    def children(self):
        for name, field in self.fields.items():
            yield f".{name}", field


def schema_paths(field: Field, prefix: str = "") -> Iterator[str]:
    """Every documented path, e.g. `events[].entries.limits.max_seconds`."""
    for suffix, child in field.children():
        path = (prefix + suffix).lstrip(".")
        if suffix.startswith("."):
            yield path
        yield from schema_paths(child, path)


class Typed(Field):
    """A section validated by an app's own pydantic model (the app states its settings and defaults
    once); pydantic's errors are reported at their YAML line and path like every other field's.
    Stored as what the file said (validated), so export gives the file back unchanged."""

    def __init__(self, model, **kw):
        super().__init__(**kw)
        self.model = model

    def clean(self, value, path, ctx):
        from pydantic import ValidationError

        try:
            validated = self.model.model_validate(value)
        except ValidationError as exc:
            for err in exc.errors():
                where = (*path, *err["loc"])
                message = str(err.get("msg", "")).removeprefix("Value error, ")
                if " / " in message:  # our own validators write "中文 / English"
                    zh, en = message.split(" / ", 1)
                else:
                    zh, en = f"不符合要求：{message}", message
                ctx.error(where, zh, en)
            return INVALID
        return validated.model_dump(mode="json", exclude_unset=True)

    def children(self):
        yield from _model_children(self.model)


class _Leaf(Field):
    def clean(self, value, path, ctx):  # pragma: no cover - only walked for the docs
        return value


def _model_children(model):
    import typing

    from pydantic import BaseModel

    for name, info in model.model_fields.items():
        annotation = info.annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = args[0] if args else annotation
        is_list = typing.get_origin(inner) is list or typing.get_origin(annotation) is list
        if is_list:
            inner = typing.get_args(inner)[0] if typing.get_args(inner) else inner
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            child = Typed(inner)
            yield f".{name}", (ListOf(child) if is_list else child)
        else:
            yield f".{name}", _Leaf()
