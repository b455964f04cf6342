"""The events app's part of a campaign: its events, each with the settings of its kind — a quiz's rules
(`quiz:`) or what an entry event accepts (`entries:`). Stored per event in Event.settings and read by the
services as typed objects through `event_settings(event)` / `quiz_rules(event)`."""

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field

from campaigns.typed import (
    AllOr,
    Boolean,
    Choice,
    DateTime,
    Integer,
    ListOf,
    Number,
    Problem,
    SettingsModel,
    Slug,
    StoredView,
    Text,
    hint,
    present,
    typed_view,
    unique,
    window,
)
from config.errors import UserFacingError

EVENT_KINDS = ["quiz", "recitation", "essay", "photo", "drawing", "video", "reading"]
# Kinds whose settings are another app's section (reading: `reading:`), neither entries nor quiz.
OWN_SECTION_KINDS = ["reading"]
MEDIA = ["audio", "image", "essay", "video"]
CHANNELS = ["web", "wechat_voice"]
CONSENT_PURPOSES = ["judging", "gallery", "publish_name"]
FORMULAS = ["fixed", "time_bonus", "kahoot"]
TIE_BREAK_KEYS = ["score", "total_time", "finished_at"]
EXPLANATIONS = ["after_each", "at_end", "never"]
# flag: elders ranked with everyone, marked on the board; separate: their own individual board.
ELDER_RANKINGS = ["flag", "separate"]

# Which media each kind of event may accept, and which limits apply to which media.
MEDIA_BY_KIND = {"recitation": ["audio", "video"], "essay": ["essay"], "photo": ["image"],
                 "drawing": ["image"], "video": ["video"]}
LIMIT_MEDIA = {"min_seconds": ["audio", "video"], "max_seconds": ["audio", "video"], "max_chars": ["essay"],
               "max_megapixels": ["image"], "max_bytes": MEDIA}

# Network jitter between "shown" and "received" is not the child's fault: a fixed grace period,
# never a client-reported timestamp (ClassQuiz's round-trip compensation is gameable).
GRACE_SECONDS = 1.5
# A quiz without a time_limit section gives 20 seconds a question.
DEFAULT_PER_QUESTION_SECONDS = 20
# time_bonus: 100 + (T − t)·30 unless the file says otherwise.
DEFAULT_BONUS_PER_SECOND = 30.0


# --- entries ----------------------------------------------------------------------------------------

class Limits(SettingsModel):
    min_seconds: Number(gt=0) | None = None
    max_seconds: Number(gt=0) | None = None
    max_bytes: Integer(ge=1) | None = None
    max_chars: Integer(ge=1) | None = None
    max_megapixels: Number(gt=0) | None = None


class Entries(SettingsModel):
    """What an entry event accepts."""
    media: ListOf(Choice(MEDIA), min_items=1, unique=True)
    channels: ListOf(Choice(CHANNELS), min_items=1, unique=True) = ["web"]
    # One live entry per child per event is a database constraint of submissions: only 1 is accepted for now.
    per_child: Integer(ge=1, le=1) = 1
    limits: Limits | None = None
    poems: AllOr(ListOf(Slug(), min_items=1, unique=True)) | None = None
    consent_required: ListOf(Choice(CONSENT_PURPOSES), unique=True) = ["judging"]
    opens: DateTime | None = None
    closes: DateTime | None = None

    def problems(self, context) -> Iterator[Problem]:
        media = [m for m in self.media or [] if m]
        if "wechat_voice" in (self.channels or []) and media and "audio" not in media:
            yield Problem(("channels",), "wechat_voice（微信语音）需要 media 包含 audio",
                          "wechat_voice needs audio among the media")
        limits = self.limits
        if limits is not None:
            for name in Limits.model_fields:
                if getattr(limits, name, None) is not None and media and not set(LIMIT_MEDIA[name]) & set(media):
                    yield Problem(("limits", name), f"只适用于 {'、'.join(LIMIT_MEDIA[name])} 作品",
                                  f"applies only to {', '.join(LIMIT_MEDIA[name])} media")
            if limits.min_seconds and limits.max_seconds and limits.max_seconds <= limits.min_seconds:
                yield Problem(("limits", "max_seconds"), "必须大于 min_seconds", "must be greater than min_seconds")
        yield from window(self, ())


# --- quizzes ----------------------------------------------------------------------------------------

class Quota(SettingsModel):
    """One draw rule: `count` questions of a difficulty or of a tag."""
    difficulty: Integer(ge=1, le=5) | None = None
    tag: Text(max_length=40) | None = None
    count: Integer(ge=1)

    def problems(self, context) -> Iterator[Problem]:
        if (self.difficulty is None) == (self.tag is None):
            yield Problem((), "每项抽题规则写 difficulty 或 tag 中的一个，再写 count",
                          "each draw rule names either difficulty or tag (not both), plus count")


class TimeLimit(SettingsModel):
    per_question_seconds: Integer(ge=1, le=3600) | None = None
    paper_seconds: Integer(ge=1, le=86400) | None = None


class Attempts(SettingsModel):
    per_day: Integer(ge=1) = 1
    per_campaign: Integer(ge=1) | None = None

    def problems(self, context) -> Iterator[Problem]:
        if self.per_day and self.per_campaign and self.per_campaign < self.per_day:
            yield Problem(("per_campaign",), "不能少于 per_day", "must not be less than per_day")


class QuizScoring(SettingsModel):
    formula: Choice(FORMULAS) = "fixed"
    points: Number(gt=0) = 100
    bonus_per_second: Number(ge=0) | None = None
    multiple_partial: Choice(["none", "proportional"]) = "none"


class Elder(SettingsModel):
    """长辈模式 (elder mode): extra time on timed questions, and how elder-mode results are ranked."""
    extra_time_percent: Integer(ge=0, le=400) = 100
    ranking: Choice(ELDER_RANKINGS) = "flag"


class Quiz(SettingsModel):
    """A quiz's rules. The properties below are what the quiz services read."""
    bank: Slug()
    questions: Integer(ge=1, le=500)
    draw: ListOf(Quota) = []  # empty: every question drawn at random
    shuffle_options: Boolean = True
    time_limit: TimeLimit | None = None
    attempts: Attempts = Field(default_factory=Attempts)
    scoring: QuizScoring = Field(default_factory=QuizScoring)
    tie_break: ListOf(Choice(TIE_BREAK_KEYS), min_items=1, unique=True) = list(TIE_BREAK_KEYS)
    explanations: Choice(EXPLANATIONS) = "at_end"
    practice: Boolean = False
    members_only: Boolean = False
    opens: DateTime | None = None
    closes: DateTime | None = None
    elder: Elder = Field(default_factory=Elder)

    def problems(self, context) -> Iterator[Problem]:
        draws = present(self.draw)
        if draws and self.questions and len(draws) == len(self.draw) and all(d.count for _, d in draws):
            total = sum(d.count for _, d in draws)
            if total != self.questions:
                yield Problem(("draw",), f"各项 count 之和（{total}）应等于 questions（{self.questions}）",
                              f"the counts add up to {total} but questions is {self.questions}")
        scoring = self.scoring
        if scoring is not None and scoring.formula in ("time_bonus", "kahoot") and not (
                self.time_limit and self.time_limit.per_question_seconds):
            yield Problem(("scoring", "formula"), f"{scoring.formula} 计分需要 time_limit.per_question_seconds",
                          f"{scoring.formula} scoring needs time_limit.per_question_seconds")
        if scoring is not None and scoring.formula == "time_bonus":
            if scoring.bonus_per_second is None:
                scoring.bonus_per_second = DEFAULT_BONUS_PER_SECOND
        elif scoring is not None and scoring.bonus_per_second is not None:
            yield Problem(("scoring", "bonus_per_second"), "只用于 time_bonus 计分", "is used only by time_bonus scoring")
        yield from window(self, ())

    @property
    def per_question_seconds(self) -> int | None:
        if self.time_limit is None:
            return DEFAULT_PER_QUESTION_SECONDS
        return self.time_limit.per_question_seconds

    @property
    def paper_seconds(self) -> int | None:
        return self.time_limit.paper_seconds if self.time_limit else None

    @property
    def attempts_per_day(self) -> int | None:
        return self.attempts.per_day

    @property
    def attempts_per_campaign(self) -> int | None:
        return self.attempts.per_campaign

    @property
    def formula(self) -> str:
        return self.scoring.formula

    @property
    def multiple_partial(self) -> str:
        return self.scoring.multiple_partial

    @property
    def bonus_per_second(self) -> float:
        value = self.scoring.bonus_per_second
        return DEFAULT_BONUS_PER_SECOND if value is None else value

    @property
    def base_points(self) -> int:
        """P: points of a right answer (fixed), the base of time_bonus, the maximum of kahoot.
        points defaults to 100; for kahoot that default means Kahoot's 1000."""
        points = round(self.scoring.points)
        if self.formula == "kahoot":
            return 1000 if points == 100 else points
        return points

    @property
    def question_seconds(self) -> float | None:
        """T in the time formulas: the per-question limit, else the paper's time shared out."""
        if self.per_question_seconds:
            return float(self.per_question_seconds)
        if self.paper_seconds:
            return self.paper_seconds / max(self.questions, 1)
        return None

    @property
    def elders_apart(self) -> bool:
        """Whether elder-mode results are ranked on their own board (else they are flagged in place)."""
        return self.elder.ranking == "separate"

    def time_factor(self, elder: bool = False) -> float:
        """How much longer an elder-mode attempt's clocks run (1 for everyone else)."""
        return 1 + self.elder.extra_time_percent / 100 if elder else 1.0

    def question_limit(self, elder: bool = False) -> float | None:
        """The per-question limit of this attempt, in seconds (None: untimed questions)."""
        return self.per_question_seconds * self.time_factor(elder) if self.per_question_seconds else None

    def attempt_seconds(self, elder: bool = False) -> int:
        """How long an attempt may stay open before it is closed and scored as answered."""
        factor = self.time_factor(elder)
        if self.paper_seconds:
            return int(self.paper_seconds * factor)
        if self.per_question_seconds:
            # Time to read explanations between questions, but never an open-ended attempt.
            return int(self.questions * (self.per_question_seconds * factor + 30))
        return 3600


# --- events -----------------------------------------------------------------------------------------

class EventSettings(StoredView):
    """Event.settings: the section of the event's kind (a later app's section, e.g. reading's, is its own)."""
    entries: Entries | None = None
    quiz: Quiz | None = None

    @property
    def window(self) -> tuple[datetime | None, datetime | None]:
        """The event's own opening window (entries.opens/closes or quiz.opens/closes), if it declares one."""
        for section in (self.entries, self.quiz):
            if section is not None and (section.opens or section.closes):
                return section.opens, section.closes
        return None, None


class EventColumns(SettingsModel):
    """Columns of the Event row."""
    slug: Slug()
    kind: Choice(EVENT_KINDS)
    title: Text(max_length=120)
    description: Text() = ""
    age_groups: ListOf(Slug(max_length=40), unique=True) = []


class EventSpec(EventSettings, EventColumns):
    """One event of a campaign file: its columns, then the settings of its kind."""

    model_config = ConfigDict(extra="forbid")

    def problems(self, context) -> Iterator[Problem]:
        kind = self.kind
        if kind is None:
            return
        if kind in OWN_SECTION_KINDS:
            for unwanted in ("entries", "quiz"):
                if getattr(self, unwanted) is not None:
                    yield Problem((unwanted,), f"{kind} 项目不能有 {unwanted} 部分",
                                  f"a {kind} event cannot have an {unwanted} section")
            return
        wanted, unwanted = ("quiz", "entries") if kind == "quiz" else ("entries", "quiz")
        if getattr(self, unwanted) is not None:
            yield Problem((unwanted,), f"{kind} 项目不能有 {unwanted} 部分", f"a {kind} event cannot have an {unwanted} section")
        if getattr(self, wanted) is None:
            yield Problem((wanted,), f"{kind} 项目需要 {wanted} 部分", f"a {kind} event needs an {wanted} section")
        if kind == "quiz" or self.entries is None:
            return
        entries = self.entries
        for j, medium in present(entries.media):
            if medium not in MEDIA_BY_KIND[kind]:
                yield Problem(("entries", "media", j), f"{kind} 项目只能收 {'、'.join(MEDIA_BY_KIND[kind])} 作品",
                              f"a {kind} event accepts only {', '.join(MEDIA_BY_KIND[kind])}")
        if kind != "recitation":
            if entries.poems is not None:
                yield Problem(("entries", "poems"), "只有诵读（recitation）项目可以指定诗词", "only a recitation event has poems")
            return
        if entries.poems is None:
            entries.poems = "all"
        catalog = context.get("catalog")
        if catalog is not None and isinstance(entries.poems, list):
            for j, key in present(entries.poems):
                if key not in catalog.poems:
                    hint_zh, hint_en = hint(key, catalog.poems)
                    yield Problem(("entries", "poems", j), f"诗词库中没有 “{key}”{hint_zh}",
                                  f"no poem '{key}' in the catalogue{hint_en}")


class EventsSection(SettingsModel):
    """The events app's part of a campaign file."""
    events: ListOf(EventSpec) = []

    def problems(self, context) -> Iterator[Problem]:
        yield from unique(self.events, "slug", ("events",))


# --- reading them -----------------------------------------------------------------------------------

def event_settings(event) -> EventSettings:
    """The typed settings of an event (cached on the instance until it is saved)."""
    return typed_view(event, "settings", EventSettings, tz=_campaign_zone(event))


def _campaign_zone(event) -> ZoneInfo | None:
    """The campaign's zone when the campaign is already loaded (no query just for a zone)."""
    campaign = event._state.fields_cache.get("campaign") if hasattr(event, "_state") else None
    try:
        return ZoneInfo(campaign.timezone) if campaign is not None and campaign.timezone else None
    except (ValueError, KeyError, OSError):
        return None


def quiz_rules(event) -> Quiz:
    """The quiz section of a quiz event; a quiz without one cannot be played."""
    quiz = event_settings(event).quiz
    if quiz is None:
        raise UserFacingError("quiz_no_bank", "本答题活动尚未配置题库", "No question bank is attached to this quiz",
                              status=409)
    return quiz
