"""A quiz event's settings: the `quiz:` section of the campaign file, stored in Event.settings["quiz"].

Every key has a default so a half-written campaign file still gives a playable, fair quiz."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_datetime

from config.errors import UserFacingError

FORMULAS = ("fixed", "time_bonus", "kahoot")
TIE_BREAK_KEYS = ("score", "total_time", "finished_at")
EXPLANATIONS = ("after_each", "at_end", "never")
# Network jitter between "shown" and "received" is not the child's fault: a fixed grace period,
# never a client-reported timestamp (ClassQuiz's round-trip compensation is gameable).
GRACE_SECONDS = 1.5


@dataclass(frozen=True)
class Quota:
    count: int
    difficulty: int | None = None
    tag: str | None = None


@dataclass(frozen=True)
class QuizSettings:
    bank: str = ""
    questions: int = 10
    draw: tuple[Quota, ...] = ()
    shuffle_options: bool = True
    per_question_seconds: int | None = 20
    paper_seconds: int | None = None
    attempts_per_day: int | None = 1
    attempts_per_campaign: int | None = None
    formula: str = "fixed"
    points: int | None = None
    bonus_per_second: float = 30.0
    multiple_partial: str = "none"
    tie_break: tuple[str, ...] = TIE_BREAK_KEYS
    explanations: str = "at_end"
    practice: bool = False
    members_only: bool = False
    opens: datetime | None = None
    closes: datetime | None = None
    errors: list[str] = field(default_factory=list, compare=False)

    @property
    def base_points(self) -> int:
        """P: points of a right answer (fixed), the base of time_bonus, the maximum of kahoot.
        The campaign-file schema fills points=100; for kahoot that default means Kahoot's 1000."""
        if self.formula == "kahoot":
            return 1000 if self.points in (None, 100) else self.points
        return 100 if self.points is None else self.points

    @property
    def question_seconds(self) -> float | None:
        """T in the time formulas: the per-question limit, else the paper's time shared out."""
        if self.per_question_seconds:
            return float(self.per_question_seconds)
        if self.paper_seconds:
            return self.paper_seconds / max(self.questions, 1)
        return None

    def attempt_seconds(self) -> int:
        """How long an attempt may stay open before it is closed and scored as answered."""
        if self.paper_seconds:
            return int(self.paper_seconds)
        if self.per_question_seconds:
            # Time to read explanations between questions, but never an open-ended attempt.
            return int(self.questions * (self.per_question_seconds + 30))
        return 3600


def _int(value, name: str, errors: list[str], *, minimum: int = 0) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors.append(f"{name}: not a whole number ({value!r})")
        return None
    if number < minimum:
        errors.append(f"{name}: must be ≥ {minimum}")
        return None
    return number


def quiz_settings(event) -> QuizSettings:
    raw = (event.settings or {}).get("quiz") or {}
    errors: list[str] = []
    draw = []
    for index, item in enumerate(raw.get("draw") or []):
        count = _int(item.get("count"), f"draw[{index}].count", errors, minimum=1)
        if count is None:
            continue
        difficulty = _int(item.get("difficulty"), f"draw[{index}].difficulty", errors, minimum=1)
        tag = str(item["tag"]).strip() if item.get("tag") else None
        if difficulty is None and tag is None:
            errors.append(f"draw[{index}]: needs difficulty or tag")
            continue
        draw.append(Quota(count=count, difficulty=difficulty, tag=tag))
    limits = raw.get("time_limit") or {}
    attempts = raw.get("attempts") or {}
    scoring = raw.get("scoring") or {}
    formula = scoring.get("formula", "fixed")
    if formula not in FORMULAS:
        errors.append(f"scoring.formula: {formula!r} not in {FORMULAS}")
        formula = "fixed"
    partial = scoring.get("multiple_partial", "none")
    if partial not in ("none", "proportional"):
        errors.append(f"scoring.multiple_partial: {partial!r}")
        partial = "none"
    tie_break = tuple(k for k in (raw.get("tie_break") or TIE_BREAK_KEYS) if k in TIE_BREAK_KEYS) or TIE_BREAK_KEYS
    explanations = raw.get("explanations", "at_end")
    if explanations not in EXPLANATIONS:
        explanations = "at_end"
    per_question = _int(limits.get("per_question_seconds"), "time_limit.per_question_seconds", errors, minimum=1)
    paper = _int(limits.get("paper_seconds"), "time_limit.paper_seconds", errors, minimum=1)
    if "per_question_seconds" not in limits and "paper_seconds" not in limits:
        per_question = 20
    questions = _int(raw.get("questions"), "questions", errors, minimum=1) or 10
    per_day = _int(attempts.get("per_day"), "attempts.per_day", errors, minimum=1) if "per_day" in attempts else 1
    return QuizSettings(
        bank=str(raw.get("bank") or ""),
        questions=questions,
        draw=tuple(draw),
        shuffle_options=bool(raw.get("shuffle_options", True)),
        per_question_seconds=per_question,
        paper_seconds=paper,
        attempts_per_day=per_day,
        attempts_per_campaign=_int(attempts.get("per_campaign"), "attempts.per_campaign", errors, minimum=1),
        formula=formula,
        points=_int(round(scoring["points"]) if isinstance(scoring.get("points"), float) else scoring.get("points"),
                    "scoring.points", errors, minimum=0),
        bonus_per_second=float(scoring.get("bonus_per_second", 30) or 0),
        multiple_partial=partial,
        tie_break=tie_break,
        explanations=explanations,
        practice=bool(raw.get("practice", False)),
        members_only=bool(raw.get("members_only", False)),
        opens=parse_datetime(str(raw["opens"])) if raw.get("opens") else None,
        closes=parse_datetime(str(raw["closes"])) if raw.get("closes") else None,
        errors=errors,
    )


def require_valid(settings: QuizSettings) -> QuizSettings:
    if settings.errors:
        raise UserFacingError(
            "quiz_misconfigured", "答题设置有误，请联系活动组织者：" + "；".join(settings.errors),
            "The quiz settings are invalid, please contact the organizer: " + "; ".join(settings.errors),
            status=409,
        )
    if not settings.bank:
        raise UserFacingError("quiz_no_bank", "本答题活动尚未配置题库", "No question bank is attached to this quiz",
                              status=409)
    return settings
