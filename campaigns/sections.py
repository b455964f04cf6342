"""The campaigns app's part of a campaign: basics, schedule (stages), participating libraries, age groups
and how long children's data is kept. builder/campaign_file composes it with the other apps' parts."""

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from campaigns.typed import (
    DEFAULT_TIMEZONE,
    Boolean,
    Choice,
    DateTime,
    Integer,
    ListOf,
    Problem,
    SettingsModel,
    Slug,
    StoredView,
    Text,
    TimeZoneName,
    hint,
    present,
    typed_view,
    unique,
    window,
)

STAGE_KINDS = ["draft", "published", "entries_open", "likes_open", "judging", "publicity", "results", "archived"]
LIBRARY_LEVELS = ["national", "provincial", "city", "county"]
MIN_RETENTION_DAYS = 30  # the retention purge relies on it (campaigns/retention.py)


class StageSpec(SettingsModel):
    kind: Choice(STAGE_KINDS)
    starts: DateTime
    ends: DateTime | None = None

    def problems(self, context) -> Iterator[Problem]:
        yield from window(self, (), "starts", "ends")


class Participation(SettingsModel):
    """Which libraries take part: all of them, or the union of codes, levels and subtrees."""
    all: Boolean | None = None
    codes: ListOf(Text(max_length=32), unique=True) | None = None
    levels: ListOf(Choice(LIBRARY_LEVELS), unique=True) | None = None
    subtrees: ListOf(Text(max_length=32), unique=True) | None = None

    def problems(self, context) -> Iterator[Problem]:
        listed = [k for k in ("codes", "levels", "subtrees") if getattr(self, k)]
        if self.all and listed:
            yield Problem(("all",), f"all: true 时不能再写 {', '.join(listed)}",
                          f"all: true cannot be combined with {', '.join(listed)}")
        elif not self.all and not listed:
            yield Problem((), "请写 all: true，或列出 codes、levels、subtrees 中至少一项",
                          "write all: true, or list at least one of codes, levels, subtrees")
        catalog = context.get("catalog")
        if catalog is None:
            return
        for key in ("codes", "subtrees"):
            for index, code in present(getattr(self, key)):
                if code not in catalog.libraries:
                    yield unknown_library(code, (key, index), catalog)
        if (self.all or listed) and not catalog.participants(self):
            yield Problem((), "没有选中任何图书馆", "selects no library")


def unknown_library(code: str, loc, catalog) -> Problem:
    hint_zh, hint_en = hint(code, catalog.libraries)
    return Problem(loc, f"图书馆代码 “{code}” 不存在{hint_zh}", f"no library with code '{code}'{hint_en}")


class AgeGroupSpec(SettingsModel):
    key: Slug(max_length=40)
    label: Text(max_length=60)
    min_age: Integer(ge=0, le=99)
    max_age: Integer(ge=0, le=99)


class CampaignBasics(SettingsModel):
    """Columns of the Campaign row."""
    slug: Slug(max_length=80)
    title: Text(max_length=120)
    title_en: Text(max_length=160) = ""
    theme: Text() = ""
    rules: Text() = ""
    lead_library: Text(max_length=32)
    timezone: TimeZoneName = DEFAULT_TIMEZONE


class CampaignOptions(StoredView):
    """The campaigns app's settings kept in Campaign.config."""
    retention_days: Integer(ge=MIN_RETENTION_DAYS, le=3650) = 365


class CampaignStructure(SettingsModel):
    """Rows of their own: stages, the participating libraries (branches) and age groups."""
    stages: ListOf(StageSpec, min_items=1)
    libraries: Participation
    age_groups: ListOf(AgeGroupSpec) = []


class CampaignSection(CampaignStructure, CampaignOptions, CampaignBasics):
    """The campaigns app's whole part of a campaign file (fields in file order: basics, options, structure)."""

    def problems(self, context) -> Iterator[Problem]:
        catalog = context.get("catalog")
        if catalog is not None and self.lead_library is not None and self.lead_library not in catalog.libraries:
            yield unknown_library(self.lead_library, ("lead_library",), catalog)
        yield from unique(self.stages, "kind", ("stages",))
        ordered = sorted((STAGE_KINDS.index(s.kind), i, s) for i, s in present(self.stages) if s.kind and s.starts)
        for (_, _, before), (_, i, stage) in zip(ordered, ordered[1:], strict=False):
            if stage.starts < before.starts:
                yield Problem(("stages", i, "starts"), f"{stage.kind} 阶段不能早于 {before.kind} 阶段开始",
                              f"the {stage.kind} stage cannot start before the {before.kind} stage")
        yield from unique(self.age_groups, "key", ("age_groups",))
        ranges = []
        for i, group in present(self.age_groups):
            low, high = group.min_age, group.max_age
            if low is None or high is None:
                continue
            if high < low:
                yield Problem(("age_groups", i, "max_age"), "不能小于 min_age", "must not be less than min_age")
                continue
            for j, other_low, other_high, other_key in ranges:
                if low <= other_high and other_low <= high:
                    yield Problem(("age_groups", i), f"年龄范围与 “{other_key}”（第 {j} 项）重叠",
                                  f"age range overlaps '{other_key}' (item {j})")
            ranges.append((i, low, high, group.key))


def campaign_zone(campaign) -> ZoneInfo | None:
    try:
        return ZoneInfo(campaign.timezone) if campaign.timezone else None
    except (ValueError, KeyError, OSError):
        return None


def campaign_options(campaign) -> CampaignOptions:
    """The campaigns app's typed settings of a campaign (cached on the instance until it is saved)."""
    return typed_view(campaign, "config", CampaignOptions, tz=campaign_zone(campaign))


def campaign_participation(campaign) -> Participation:
    return typed_view(campaign, "participation", Participation, tz=campaign_zone(campaign))
