"""The judging app's part of a campaign: rounds and rubrics, likes, the final-score formula and awards.
Kept in Campaign.config and read by the services as typed objects through `judging_options(campaign)`."""

from collections.abc import Iterator

from campaigns.sections import campaign_zone
from campaigns.typed import (
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
    present,
    typed_view,
    unique,
    window,
)
from judging import formula as final_formula

SCOPES = ["library", "city", "province", "national"]
METHODS = ["rubric", "comparative"]
OFFICIAL_SCORES = ["calibrated", "trimmed_mean", "raw_mean"]
TIE_BREAKS = ["priority_criterion", "head_to_head", "chief", "calibrated", "trimmed_mean", "raw_mean", "likes"]


class Criterion(SettingsModel):
    key: Slug(max_length=40)
    label: Text(max_length=60)
    weight: Number(gt=0)
    min: Number(ge=0) = 0
    max: Number(gt=0) = 10
    priority: Integer(ge=1) | None = None

    def problems(self, context) -> Iterator[Problem]:
        if self.min is not None and self.max is not None and self.max <= self.min:
            yield Problem(("max",), "必须大于 min", "must be greater than min")


class Advance(SettingsModel):
    top: Integer(ge=1) | None = None
    top_percent: Number(gt=0, le=100) | None = None

    def problems(self, context) -> Iterator[Problem]:
        if (self.top is None) == (self.top_percent is None):
            yield Problem((), "写 top（前 N 名）或 top_percent（前 N%）中的一个",
                          "write one of top (the best N) or top_percent (the best N%)")


class RoundSpec(SettingsModel):
    key: Slug(max_length=40)
    event: Slug()
    title: Text(max_length=120)
    scope: Choice(SCOPES)
    method: Choice(METHODS) = "rubric"
    judges_per_entry: Integer(ge=1, le=20) = 3
    comparisons_per_entry: Integer(ge=2, le=60) = 10
    rubric: ListOf(Criterion, min_items=1) | None = None
    advance: Advance | None = None
    opens: DateTime | None = None
    closes: DateTime | None = None
    tolerance: Number(ge=0) = 15
    same_city_conflict: Boolean = False
    anchors: Integer(ge=0, le=50) = 2
    # The campaign's judge panel (评审组, made by importing judges) whose judges score it; none: every judge.
    panel: Text(max_length=80) | None = None

    def problems(self, context) -> Iterator[Problem]:
        if self.method == "rubric" and not self.rubric and self.key is not None:
            yield Problem(("rubric",), "量表评分轮次必须写 rubric（评分项）",
                          "a rubric round needs a rubric (its criteria); a comparative round does not")
        criteria = present(self.rubric)
        yield from unique(self.rubric, "key", ("rubric",))
        yield from unique([c if c is not None and c.priority is not None else None for c in self.rubric or []],
                          "priority", ("rubric",))
        weights = [c.weight for _, c in criteria if c.weight is not None]
        if weights and len(weights) == len(self.rubric or []) and abs(sum(weights) - 100) > 1e-9:
            yield Problem(("rubric",), f"各项 weight 之和应为 100（现为 {sum(weights):g}）",
                          f"the weights must add up to 100 (they add up to {sum(weights):g})")
        yield from window(self, ())


class Judging(SettingsModel):
    official_score: Choice(OFFICIAL_SCORES) = "calibrated"
    tie_break: ListOf(Choice(TIE_BREAKS), min_items=1, unique=True) = ["priority_criterion", "head_to_head", "chief"]
    rounds: ListOf(RoundSpec, min_items=1)

    def problems(self, context) -> Iterator[Problem]:
        yield from unique(self.rounds, "key", ("rounds",))


class Likes(SettingsModel):
    event: Slug()
    per_voter_per_entry_per_day: Integer(ge=1) = 1
    per_voter_per_day: Integer(ge=1) = 20
    per_minute: Integer(ge=1) = 10
    burst_per_network_10min: Integer(ge=1) = 15

    def problems(self, context) -> Iterator[Problem]:
        if (self.per_voter_per_day and self.per_voter_per_entry_per_day
                and self.per_voter_per_day < self.per_voter_per_entry_per_day):
            yield Problem(("per_voter_per_day",), "不能少于 per_voter_per_entry_per_day",
                          "must not be less than per_voter_per_entry_per_day")


class Scoring(SettingsModel):
    formula: Text(max_length=200)
    likes_normalisation: Choice(["max_in_scope"]) = "max_in_scope"

    def problems(self, context) -> Iterator[Problem]:
        if self.formula is None:
            return
        try:
            final_formula.names(self.formula)
        except final_formula.FormulaError as exc:
            yield Problem(("formula",), exc.message_zh, exc.message_en)


class Award(SettingsModel):
    key: Slug(max_length=40)
    title: Text(max_length=60)
    title_en: Text(max_length=60) | None = None  # on the certificate and the English pages
    count: Integer(ge=1)
    # An entry award goes to the best entries of its event; `kind: organisation` (优秀组织奖) goes to the
    # libraries with the most entries.
    kind: Choice(["organisation"]) | None = None
    event: Slug() | None = None
    scope: Choice(SCOPES) = "national"

    def problems(self, context) -> Iterator[Problem]:
        if self.kind is None and self.event is None and self.key is not None:
            yield Problem(("event",), "缺少必填字段 event", "event is required")


class JudgingOptions(StoredView):
    """The judging app's settings of a campaign (its sections of Campaign.config and of a campaign file)."""
    judging: Judging | None = None
    likes: Likes | None = None
    scoring: Scoring | None = None
    awards: ListOf(Award) = []

    def problems(self, context) -> Iterator[Problem]:
        yield from unique(self.awards, "key", ("awards",))

    @property
    def official_score(self) -> str:
        return self.judging.official_score if self.judging else Judging.model_fields["official_score"].default

    @property
    def tie_break(self) -> list[str]:
        return list(self.judging.tie_break if self.judging else Judging.model_fields["tie_break"].default)

    @property
    def rounds(self) -> list[RoundSpec]:
        return list(self.judging.rounds) if self.judging else []

    @property
    def likes_rules(self) -> Likes:
        """The likes limits (the defaults when the campaign has no likes section)."""
        return self.likes or Likes.model_construct(event=None)

    @property
    def final_formula(self) -> str:
        return self.scoring.formula if self.scoring else "panel"

    def entry_awards(self, event_slug: str) -> list[Award]:
        return [a for a in self.awards if a.kind is None and a.event in (None, event_slug)]

    def organisation_awards(self, event_slug: str) -> list[Award]:
        return [a for a in self.awards if a.kind == "organisation" and a.event in (None, event_slug)]


def judging_options(campaign) -> JudgingOptions:
    """The typed judging settings of a campaign (cached on the instance until it is saved)."""
    return typed_view(campaign, "config", JudgingOptions, tz=campaign_zone(campaign))
