"""Typed settings: the pydantic base and field types every app's part of a campaign is declared with.

A campaign is described once, by pydantic models owned by the app each part belongs to (campaigns: basics,
stages, participation, age groups; events: quiz and entries; judging: rounds, likes, scoring, awards;
wechat: keywords, menu, pushes); builder/ composes them into the whole campaign file. The same models
validate a YAML file, read the settings stored in Campaign.config / Event.settings, and give the builder's
forms and the API their schema.

Field types check their value themselves and raise one bilingual error (Chinese, English) naming what is
wrong, so a file's author reads the same message whatever field it is. Rules that span several fields are
`problems()` of the model that holds them; they run after its fields validated (and, for a file with other
errors, on what could be read — see builder/campaign_file/validate.py)."""

import copy
import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WrapValidator,
    model_serializer,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from config.errors import UserFacingError

DEFAULT_TIMEZONE = "Asia/Shanghai"
Loc = tuple[str | int, ...]


def did_you_mean(word, choices) -> str | None:
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


def hint(word, choices) -> tuple[str, str]:
    guess = did_you_mean(word, choices)
    return (f"（是否想写 “{guess}”？）", f" (did you mean '{guess}'?)") if guess else ("", "")


def refuse(message_zh: str, message_en: str) -> PydanticCustomError:
    """The one error a field type raises: its message in both languages travels in the error's context."""
    return PydanticCustomError("bilingual", "{en}", {"zh": message_zh, "en": message_en})


class Problem(NamedTuple):
    """A broken cross-field rule, at a location relative to the model that found it."""
    loc: Loc
    message_zh: str
    message_en: str


def rule_error(problems: Iterable[Problem], kind: str = "rule") -> ValidationError:
    """Several errors at once (a rule may find more than one problem). kind "rule": a cross-field rule."""
    return ValidationError.from_exception_data("campaign rules", [
        InitErrorDetails(type=PydanticCustomError(kind, "{en}", {"zh": p.message_zh, "en": p.message_en}),
                         loc=p.loc, input=None) for p in problems])


def context_tz(info: ValidationInfo | None) -> ZoneInfo:
    tz = (getattr(info, "context", None) or {}).get("tz")
    return tz or ZoneInfo(DEFAULT_TIMEZONE)


class SettingsModel(BaseModel):
    """Strict (a number is not text, `yes` is not true), closed (unknown keys are errors) and self-checking.

    Validation context (all optional): tz — the campaign's zone for date-times without an offset;
    catalog — libraries and poems the file may name; stored=True — reading settings already validated
    when they were saved (rules are not checked again)."""

    model_config = ConfigDict(strict=True, extra="forbid", validate_default=False)

    def problems(self, context: dict) -> Iterator[Problem]:
        """Cross-field rules. Also called on a partly valid model (unreadable fields are None)."""
        return iter(())

    @model_validator(mode="after")
    def _check_rules(self, info: ValidationInfo):
        context = info.context or {}
        if context.get("stored"):
            return self
        found = list(self.problems(context))
        if found:
            raise rule_error(found)
        return self

    @model_serializer(mode="wrap")
    def _file_form(self, handler, info):
        """In the file form (context form="file") empty optional values are left out: they load back the same."""
        data = handler(self)
        if not isinstance(data, dict) or (info.context or {}).get("form") != "file":
            return data
        fields = type(self).model_fields
        return {key: value for key, value in data.items()
                if value is not None and not (key in fields and value in ("", [], {})
                                              and not fields[key].is_required()
                                              and fields[key].default in (None, value))}


class StoredView(SettingsModel):
    """An app's view of Campaign.config: its own sections; the other apps' keys are not its business."""

    model_config = ConfigDict(extra="ignore")


def dump_stored(model: BaseModel) -> dict:
    """The form kept in the database: JSON, date-times ISO 8601 with their offset, absent values left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, context={"form": "stored"})


def dump_file(model: BaseModel, tz: ZoneInfo) -> dict:
    """The form written to a campaign file: date-times in the campaign's zone, empty optional values left out."""
    return model.model_dump(mode="json", by_alias=True, exclude_none=True, context={"form": "file", "tz": tz})


# --- reading stored settings --------------------------------------------------------------------------

def typed_view(instance, attribute: str, model: type[BaseModel], tz: ZoneInfo | None = None):
    """The JSON field `attribute` of a model instance read as `model`, cached on the instance until the field
    is replaced or the instance saved (see TypedSettingsCache). `tz`: the campaign's zone, for date-times
    stored without an offset. Stored settings were validated when saved; if they no longer read (edited by
    hand), the visitor gets a 409 naming the field, not a 500."""
    raw = getattr(instance, attribute)
    cache = instance.__dict__.setdefault("_typed_views", {})
    key = (attribute, model)
    hit = cache.get(key)
    if hit is not None and hit[0] is raw:
        return hit[1]
    try:
        view = model.model_validate(raw or {}, context={"stored": True, "tz": tz})
    except ValidationError as exc:
        where = "; ".join(".".join(map(str, e["loc"])) + ": " + e["msg"] for e in exc.errors()[:5])
        raise UserFacingError("settings_invalid", f"活动设置有误，请联系活动组织者（{where}）",
                              f"The campaign's settings are invalid, please contact the organizer ({where})",
                              status=409) from exc
    cache[key] = (raw, view)
    return view


class TypedSettingsCache:
    """Mixin for models with typed JSON settings: saving forgets the typed views (the dict may have been
    changed in place)."""

    def save(self, *args, **kwargs):
        self.__dict__.pop("_typed_views", None)
        return super().save(*args, **kwargs)


# --- field types --------------------------------------------------------------------------------------

def _typed(base, check: Callable, *metadata):
    return Annotated[base, BeforeValidator(check), *metadata]


def Text(*, max_length: int | None = None, pattern: str | None = None, pattern_zh: str = "", pattern_en: str = ""):
    compiled = re.compile(pattern) if pattern else None

    def check(value):
        if not isinstance(value, str):
            raise refuse("应为文本（数字或日期请加引号）", "must be text (quote numbers and dates)")
        value = value.strip("\n") if "\n" in value else value.strip()
        if not value.strip():
            raise refuse("不能为空", "must not be empty")
        if max_length and len(value) > max_length:
            raise refuse(f"最多 {max_length} 个字符（现有 {len(value)} 个）",
                         f"must be at most {max_length} characters (has {len(value)})")
        if compiled and not compiled.fullmatch(value):
            raise refuse(pattern_zh, pattern_en)
        return value

    return _typed(str, check, Field(max_length=max_length, pattern=f"^{pattern}$" if pattern else None))


def Slug(*, max_length: int = 60):
    return Text(max_length=max_length, pattern=r"[a-z0-9]+(?:-[a-z0-9]+)*",
                pattern_zh="只能包含小写字母、数字和连字符（如 spring-quiz）",
                pattern_en="must contain only lowercase letters, digits and hyphens (like spring-quiz)")


def Integer(*, ge: int | None = None, le: int | None = None):
    def wrong():
        if ge == 1:
            return refuse("必须是正整数", "must be a positive whole number")
        return refuse("应为整数", "must be a whole number")

    def check(value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
        if ge is not None and value < ge:
            raise wrong() if ge == 1 else refuse(f"不能小于 {ge}", f"must be at least {ge}")
        if le is not None and value > le:
            raise refuse(f"不能大于 {le}", f"must be at most {le}")
        return value

    return _typed(int, check, Field(ge=ge, le=le))


def _number_out(value: float):
    """30.0 is written 30: a file says what its author wrote."""
    return int(value) if float(value).is_integer() else value


def Number(*, gt: float | None = None, ge: float | None = None, le: float | None = None):
    def wrong():
        if gt == 0:
            return refuse("必须是正数", "must be a positive number")
        if ge == 0:
            return refuse("必须是不小于 0 的数", "must be a number not below 0")
        return refuse("应为数字", "must be a number")

    def check(value):
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise wrong()
        if (gt is not None and value <= gt) or (ge is not None and value < ge):
            raise wrong()
        if le is not None and value > le:
            raise refuse(f"不能大于 {le:g}", f"must be at most {le:g}")
        return float(value)

    return _typed(float, check, Field(gt=gt, ge=ge, le=le), PlainSerializer(_number_out, return_type=int | float))


def _boolean(value):
    if not isinstance(value, bool):
        raise refuse("应为 true 或 false", "must be true or false")
    return value


Boolean = _typed(bool, _boolean)


def Choice(choices: Iterable[str]):
    choices = list(choices)

    def check(value):
        if isinstance(value, bool) or value not in choices:
            hint_zh, hint_en = hint(value, choices)
            raise refuse(f"应为以下之一：{'、'.join(map(str, choices))}{hint_zh}",
                         f"must be one of: {', '.join(map(str, choices))}{hint_en}")
        return value

    return _typed(Literal[tuple(choices)], check)


def _timezone(value):
    try:
        if not isinstance(value, str) or "/" not in value:
            raise ZoneInfoNotFoundError(value)
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise refuse("不是有效的时区名称（如 Asia/Shanghai）",
                     "is not a valid time zone name (like Asia/Shanghai)") from exc
    return value


TimeZoneName = _typed(str, _timezone)

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?")


def parse_datetime(value, tz: ZoneInfo) -> datetime | None:
    """`2027-02-05 20:00` (or `2027-02-05`, meaning 00:00) in `tz`; an explicit offset wins."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
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


def _datetime_in(value, info: ValidationInfo):
    moment = parse_datetime(value, context_tz(info))
    if moment is None:
        raise refuse("日期时间格式应为 YYYY-MM-DD HH:MM（如 2027-02-05 20:00）",
                     "must be a date and time like 2027-02-05 20:00")
    return moment


def _datetime_out(moment: datetime, info):
    context = info.context or {}
    if context.get("form") == "file":
        return format_datetime(moment, context.get("tz") or ZoneInfo(DEFAULT_TIMEZONE))
    return moment.isoformat()


DateTime = Annotated[datetime, BeforeValidator(_datetime_in),
                     PlainSerializer(_datetime_out, return_type=str, when_used="json")]


def _date_in(value):
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise refuse("日期格式应为 YYYY-MM-DD（如 2027-02-05）", "must be a date like 2027-02-05") from exc


Date = _typed(date, _date_in)


def _time_in(value):
    if isinstance(value, time):
        return value
    try:
        if not isinstance(value, str) or not re.fullmatch(r"\d{2}:\d{2}", value.strip()):
            raise ValueError
        return time.fromisoformat(value.strip())
    except ValueError as exc:
        raise refuse("时间格式应为 HH:MM（如 20:00）", "must be a time of day like 20:00") from exc


TimeOfDay = Annotated[time, BeforeValidator(_time_in),
                      PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json")]


def AsWritten(model: type[BaseModel]):
    """Another app's own pydantic model inside a campaign, kept as the file wrote it (its defaults are the
    app's to apply), so that the export gives the file back."""
    return Annotated[model, PlainSerializer(
        lambda value: value.model_dump(mode="json", by_alias=True, exclude_unset=True), when_used="json")]


def ListOf(item, *, min_items: int = 0, unique: bool = False):
    def before(value):
        if not isinstance(value, list):
            raise refuse("应为列表（每项以 “- ” 开头）", "must be a list (items start with '- ')")
        if len(value) < min_items:
            raise refuse(f"至少需要 {min_items} 项", f"needs at least {min_items} item(s)")
        return value

    def after(values, handler, info):
        values = handler(values)
        if unique:
            seen, twice = set(), []
            for index, value in enumerate(values):
                if value in seen:
                    twice.append(Problem((index,), f"“{value}” 重复", f"'{value}' is listed twice"))
                seen.add(value)
            if twice:
                raise rule_error(twice, kind="bilingual")
        return values

    return Annotated[list[item], BeforeValidator(before), WrapValidator(after), Field(min_length=min_items or None)]


def _mapping(value):
    if not isinstance(value, dict):
        raise refuse("应为键值映射（key: value）", "must be a mapping (key: value)")
    return value


def MapOf(key, value):
    return Annotated[dict[key, value], BeforeValidator(_mapping)]


def AllOr(other):
    """The word `all`, or a more specific value (a list of keys, a mapping)."""
    adapter = TypeAdapter(other) if isinstance(other, type) and issubclass(other, BaseModel) \
        else TypeAdapter(other, config=ConfigDict(strict=True))

    def check(value, handler, info):
        if value == "all":
            return "all"
        return adapter.validate_python(value, context=info.context)

    return Annotated[Literal["all"] | other, WrapValidator(check)]


# --- the pydantic errors of a failed validation, in the words of the field types ---------------------

def model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The model class found at `loc` (field names and list indexes) under `model`."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not isinstance(part, str) or part not in current.model_fields:
                return None
            current = current.model_fields[part].annotation
        current = _unwrap(current, isinstance(part, int))
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation, item: bool):
    """The type under Annotated/Optional (and, for `item`, a list's item type)."""
    for _ in range(6):
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (list, tuple) and item:
            annotation, item = typing.get_args(annotation)[0], False
        elif origin in (typing.Union, types.UnionType):
            models = [a for a in typing.get_args(annotation)
                      if a is not type(None) and typing.get_origin(a) is not Literal]
            annotation = models[0] if models else None
        else:
            break
    return annotation


def error_messages(error: dict, root: type[BaseModel]) -> tuple[Loc, str, str]:
    """(location, Chinese, English) of one pydantic error dict."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in ("bilingual", "rule"):
        return loc, ctx["zh"], ctx["en"]
    name = str(loc[-1]) if loc else ""
    if kind == "missing":
        return loc, f"缺少必填字段 {name}", f"{name} is required"
    if kind == "extra_forbidden":
        parent = model_at(root, loc[:-1])
        hint_zh, hint_en = hint(name, parent.model_fields if parent else [])
        return loc, f"未知字段 “{name}”{hint_zh}", f"unknown key '{name}'{hint_en}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, "应为键值映射（key: value）", "must be a mapping (key: value)"
    if kind == "list_type":
        return loc, "应为列表（每项以 “- ” 开头）", "must be a list (items start with '- ')"
    if kind == "string_type":
        return loc, "应为文本（数字或日期请加引号）", "must be text (quote numbers and dates)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if " / " in message:  # another app's own validators write "中文 / English"
        zh, en = message.split(" / ", 1)
        return loc, zh, en
    return loc, f"取值无效：{message}", message


# --- a partly valid model, for checking rules while other fields are wrong ----------------------------

_ADAPTERS: dict = {}


def _field_adapter(model: type[BaseModel], name: str) -> TypeAdapter:
    key = (model, name)
    if key not in _ADAPTERS:
        field = model.model_fields[name]
        annotation = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
        try:
            _ADAPTERS[key] = TypeAdapter(annotation, config=ConfigDict(strict=True))
        except Exception:  # noqa: BLE001 — pydantic refuses a config for a bare model type
            _ADAPTERS[key] = TypeAdapter(annotation)
    return _ADAPTERS[key]


def _nested(annotation) -> tuple[str, type[BaseModel]] | None:
    """("one", M) for a model field (optional or not), ("list", M) for a list of models, else None."""
    plain = _unwrap(annotation, False)
    if isinstance(plain, type) and issubclass(plain, BaseModel):
        return "one", plain
    if typing.get_origin(plain) is list:
        item = _unwrap(plain, True)
        if isinstance(item, type) and issubclass(item, BaseModel):
            return "list", item
    return None


def partial(model: type[BaseModel], raw, context: dict):
    """`model` built from whatever of `raw` validates (unreadable or missing fields are None), without
    checking rules: what rule checks look at when the file has other errors too."""
    if not isinstance(raw, dict):
        return None
    quiet = {**context, "stored": True}
    values = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key not in raw:
            values[name] = None if field.is_required() else copy.deepcopy(field.get_default(call_default_factory=True))
            continue
        nested = _nested(field.annotation)
        if nested and nested[0] == "one":
            values[name] = partial(nested[1], raw[key], context)
        elif nested:
            values[name] = [partial(nested[1], item, context) for item in raw[key]] \
                if isinstance(raw[key], list) else None
        else:
            try:
                values[name] = _field_adapter(model, name).validate_python(raw[key], context=quiet)
            except ValidationError:
                values[name] = None
    return model.model_construct(**values)


def partial_problems(obj, loc: Loc, context: dict) -> Iterator[Problem]:
    """Every rule of a partly valid model tree, located from the root."""
    if not isinstance(obj, SettingsModel):
        return
    for problem in obj.problems(context):
        yield Problem((*loc, *problem.loc), problem.message_zh, problem.message_en)
    for name in type(obj).model_fields:
        value = getattr(obj, name, None)
        if isinstance(value, SettingsModel):
            yield from partial_problems(value, (*loc, name), context)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from partial_problems(item, (*loc, name, index), context)


def present(items) -> list[tuple[int, Any]]:
    """(index, item) of the list items that could be read (rules skip the others)."""
    return [(index, item) for index, item in enumerate(items or []) if item is not None]


def unique(items, key: str, loc: Loc) -> Iterator[Problem]:
    seen: dict = {}
    for index, item in present(items):
        value = getattr(item, key, None)
        if value is None:
            continue
        if value in seen:
            yield Problem((*loc, index, key), f"“{value}” 重复（第 {seen[value]} 项已用）",
                          f"'{value}' is used twice (also item {seen[value]})")
        seen.setdefault(value, index)


def window(section, loc: Loc, start: str = "opens", end: str = "closes") -> Iterator[Problem]:
    opens, closes = getattr(section, start, None), getattr(section, end, None)
    if opens and closes and closes <= opens:
        yield Problem((*loc, end), f"必须晚于 {start}", f"must be after {start}")


def field_paths(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every field's path, e.g. `events[].entries.limits.max_seconds` (docs/campaign-file.md has a row for each)."""
    for name, field in model.model_fields.items():
        path = f"{prefix}.{field.alias or name}".lstrip(".")
        yield path
        nested = _nested(field.annotation)
        if nested:
            yield from field_paths(nested[1], path + ("[]" if nested[0] == "list" else ""))
