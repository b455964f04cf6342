"""Points for one answer. Pure functions: the formulas are the campaign's published rules."""

import math

from events.sections import Quiz


def round_half_up(value: float) -> int:
    return int(math.floor(value + 0.5))


def credit(*, kind: str, correct: str, chosen: str, partial: str) -> float:
    """Share of the question's points earned: 1 for right, 0 for wrong, a fraction for partial
    multiple choice (only when no wrong option was ticked: guessing everything earns nothing)."""
    right, picked = set(correct), set(chosen)
    if picked == right:
        return 1.0
    if kind == "multiple" and partial == "proportional" and picked and picked <= right:
        return len(picked) / len(right)
    return 0.0


def points_for(*, settings: Quiz, share: float, seconds: float) -> int:
    """fixed: P·share; time_bonus: (P + (T − t)·b)·share, by default the libraries' 100 + (T − t)·30;
    kahoot: round((1 − t/(2T))·P)·share with P = 1000. t is measured on the server, clamped to [0, T]."""
    if share <= 0:
        return 0
    T = settings.question_seconds
    t = max(0.0, seconds)
    if settings.formula == "time_bonus" and T:
        return round_half_up((settings.base_points + max(0.0, T - t) * settings.bonus_per_second) * share)
    if settings.formula == "kahoot" and T:
        return round_half_up((1 - min(t, T) / (2 * T)) * settings.base_points * share)
    return round_half_up(settings.base_points * share)
