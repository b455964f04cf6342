"""The whole campaign as one typed model, composed from the part each app owns.

    campaigns  CampaignSection   basics, retention_days, stages, libraries, age_groups
    events     EventsSection     events (each: columns, then `entries:` or `quiz:`)
    judging    JudgingOptions    judging (rounds, rubric, advance), likes, scoring, awards
    wechat     WechatOptions     wechat (keywords, menu), pushes

A field is added in the one model that owns it (its default stated there); the file loader, the exporter,
the docs test, the builder's forms and the API schema all follow. This module adds only the rules that
reach across apps: events name age groups, rounds/likes/awards name events, the formula names sections."""

from collections.abc import Iterator

from pydantic import ConfigDict

from campaigns.sections import CampaignOptions, CampaignSection
from campaigns.typed import AsWritten, ListOf, Problem, StoredView, hint, present
from events.sections import OWN_SECTION_KINDS, EventSettings, EventSpec, EventsSection
from judging import formula as final_formula
from judging.sections import JudgingOptions
from reading.config import Badge, Goal, PointsRules, ReadingRules
from wechat.sections import WechatOptions


class ReadingOptions(StoredView):
    """reading's sections of Campaign.config: points, badges and the collective goal (reading.config)."""
    points: AsWritten(PointsRules) | None = None
    badges: list[AsWritten(Badge)] | None = None
    goal: AsWritten(Goal) | None = None


class ReadingEventSection(StoredView):
    """reading's section of a reading event (`reading:`, kept in the event's settings)."""
    reading: AsWritten(ReadingRules) | None = None


class EventFileSpec(ReadingEventSection, EventSpec):
    """An event of a campaign file, with the sections of every app (events': entries/quiz; reading's)."""

    model_config = ConfigDict(extra="forbid")

    def problems(self, context) -> Iterator[Problem]:
        yield from EventSpec.problems(self, context)
        if self.reading is not None and self.kind is not None and self.kind not in OWN_SECTION_KINDS:
            yield Problem(("reading",), f"{self.kind} 项目不能有 reading 部分", f"a {self.kind} event cannot have a reading section")

# Each app's view of Campaign.config, and the keys they keep there. This module is the one place outside
# wechat that imports it: composing a whole campaign is the builder's job (the rest plug wechat in).
CONFIG_VIEWS = (CampaignOptions, JudgingOptions, WechatOptions, ReadingOptions)
CONFIG_SECTIONS = [name for view in CONFIG_VIEWS for name in view.model_fields]
# Keys of an event kept in Event.settings (the rest are Event columns).
EVENT_VIEWS = (EventSettings, ReadingEventSection)
EVENT_SETTINGS = [name for view in EVENT_VIEWS for name in view.model_fields]


class CampaignFile(ReadingOptions, WechatOptions, JudgingOptions, EventsSection, CampaignSection):
    """A whole campaign (fields in file order: campaigns, events, judging, wechat, reading)."""

    model_config = ConfigDict(extra="forbid")
    events: ListOf(EventFileSpec) = []

    def problems(self, context) -> Iterator[Problem]:
        for part in (CampaignSection, EventsSection, JudgingOptions, WechatOptions):
            yield from part.problems(self, context)
        yield from self._references()

    def _references(self) -> Iterator[Problem]:
        age_keys = {g.key for _, g in present(self.age_groups) if g.key}
        for i, event in present(self.events):
            for j, key in present(event.age_groups):
                if key not in age_keys:
                    hint_zh, hint_en = hint(key, age_keys)
                    yield Problem(("events", i, "age_groups", j), f"没有 key 为 “{key}” 的年龄组{hint_zh}",
                                  f"no age group with key '{key}'{hint_en}")
        kinds = {e.slug: e.kind for _, e in present(self.events) if e.slug}
        if self.judging is not None:
            for i, round_ in present(self.judging.rounds):
                yield from _event_ref(round_.event, ("judging", "rounds", i, "event"), kinds, entries_only=True)
        if self.likes is not None:
            yield from _event_ref(self.likes.event, ("likes", "event"), kinds, entries_only=True)
        for i, award in present(self.awards):
            yield from _event_ref(award.event, ("awards", i, "event"), kinds)
        if self.scoring is not None and self.scoring.formula:
            try:
                names = final_formula.names(self.scoring.formula)
            except final_formula.FormulaError:
                names = set()  # reported by Scoring itself
            if "likes" in names and self.likes is None:
                yield Problem(("scoring", "formula"), "公式用到 likes，但文件没有 likes 部分",
                              "the formula uses likes but there is no likes section")
            if "panel" in names and self.judging is None:
                yield Problem(("scoring", "formula"), "公式用到 panel，但文件没有 judging 部分",
                              "the formula uses panel but there is no judging section")


def _event_ref(slug, loc, kinds: dict, *, entries_only: bool = False) -> Iterator[Problem]:
    if slug is None:
        return
    if slug not in kinds:
        hint_zh, hint_en = hint(slug, kinds)
        yield Problem(loc, f"没有 slug 为 “{slug}” 的活动项目{hint_zh}", f"no event with slug '{slug}'{hint_en}")
    elif entries_only and kinds[slug] == "quiz":
        yield Problem(loc, f"“{slug}” 是答题项目，不收作品", f"'{slug}' is a quiz; it takes no entries")
