"""The typed settings of reading check-ins, points, badges and the collective goal, with their defaults
stated once. The campaign file stores them in Event.settings["reading"] (per reading event) and in
Campaign.config["points"], ["badges"], ["goal"]; everything in this app reads them through here."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Book(_Model):
    title: str = Field(min_length=1, max_length=120)
    author: str = Field(default="", max_length=80)


class ReadingRules(_Model):
    """A reading event's rules (`reading:` in the event)."""

    max_minutes_per_log: int = Field(default=180, ge=1, le=1440)
    max_logs_per_day: int = Field(default=3, ge=1, le=20)
    backdate_days: int = Field(default=2, ge=0, le=30)          # how many days back a log may be dated
    photo_required_over_minutes: int | None = Field(default=None, ge=1, le=1440)
    reading_list: list[Book] = Field(default_factory=list, max_length=500)
    # Logs longer than this, entered between 00:00 and 05:00, are flagged for the library.
    night_flag_minutes: int = Field(default=240, ge=1, le=1440)


class Streak(_Model):
    days: int = Field(ge=2, le=366)
    bonus: int = Field(ge=1, le=100_000)


class PointsRules(_Model):
    """`points:` in the campaign file: what each activity earns, with daily caps per source."""

    per_reading_minute: float = Field(default=1, ge=0, le=100)
    reading_daily_cap: int | None = Field(default=90, ge=0)
    quiz_finished: int = Field(default=10, ge=0)
    quiz_daily_cap: int | None = Field(default=None, ge=0)
    entry_accepted: int = Field(default=20, ge=0)
    like_received: int = Field(default=1, ge=0)
    like_daily_cap: int | None = Field(default=10, ge=0)
    checkin: int = Field(default=15, ge=0)
    streaks: list[Streak] = Field(default_factory=lambda: [Streak(days=7, bonus=50)])

    def cap(self, source: str) -> int | None:
        return {"reading": self.reading_daily_cap, "quiz": self.quiz_daily_cap, "like": self.like_daily_cap}.get(source)


class BadgeRule(_Model):
    """One condition (the badge is earned when every condition given holds)."""

    first_log: bool = False
    streak_days: int | None = Field(default=None, ge=2)
    minutes: int | None = Field(default=None, ge=1)
    events: int | None = Field(default=None, ge=1)       # took part in at least this many of the campaign's events
    recited: bool = False                                 # an accepted recitation entry
    checkins: int | None = Field(default=None, ge=1)     # offline check-ins (exhibitions, lectures)
    points: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _some_condition(self):
        if not any([self.first_log, self.streak_days, self.minutes, self.events, self.recited, self.checkins,
                    self.points]):
            raise ValueError("徽章至少要有一个条件 / a badge needs at least one condition")
        return self


class Badge(_Model):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")
    title: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=200)
    rule: BadgeRule


class Goal(_Model):
    """`goal:` — a collective goal the whole federation reads toward."""

    minutes: int = Field(ge=1, le=10**12)
    title: str = Field(default="", max_length=80)


class CampaignReading(_Model):
    points: PointsRules = Field(default_factory=PointsRules)
    badges: list[Badge] = Field(default_factory=list, max_length=50)
    goal: Goal | None = None
    kind: Literal["campaign"] = "campaign"


DEFAULT_BADGES = [
    Badge(key="first-log", title="阅读起步", description="第一次阅读打卡 First reading log", rule=BadgeRule(first_log=True)),
    Badge(key="streak-7", title="连续七天", description="连续 7 天打卡 7 days in a row", rule=BadgeRule(streak_days=7)),
    Badge(key="minutes-1000", title="千分钟读者", description="累计阅读 1000 分钟 1,000 minutes read",
          rule=BadgeRule(minutes=1000)),
]


def campaign_reading(campaign) -> CampaignReading:
    """The campaign's points, badges and goal (defaults when the file says nothing)."""
    cached = getattr(campaign, "_reading_settings", None)
    if cached is not None:
        return cached
    config = campaign.config if isinstance(campaign.config, dict) else {}
    data = {k: config[k] for k in ("points", "badges", "goal") if config.get(k) is not None}
    settings = CampaignReading.model_validate(data)
    if "badges" not in data:
        settings = settings.model_copy(update={"badges": DEFAULT_BADGES})
    campaign._reading_settings = settings
    return settings


def reading_rules(event) -> ReadingRules:
    raw = event.settings.get("reading") if isinstance(event.settings, dict) else None
    return ReadingRules.model_validate(raw or {})
