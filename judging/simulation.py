"""A simulated judging panel with known truth, for the benchmarks and tests (no Django).

Entries have a true quality q ~ N(0, 1). Judge j gives  70 + bias_j + gain_j·10·q + noise  with
bias ~ N(0, 8) points (lenient and harsh judges), gain ~ U(0.5, 1.6) (flat and spread-out judges)
and noise sd ~ U(2, 6) points; a few careless judges ignore the work (gain 0, noise sd 10). Scores
are clipped to 0–100 and rounded to whole points, as on a paper form."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from judging.assignment import EntrySpec, JudgeSpec, assign


@dataclass
class Simulation:
    truth: dict[str, float]
    rows: list[tuple[str, str, str, float]]          # entry, judge, criterion, score
    totals: dict[tuple[str, str], float]
    careless: list[str]
    entries: list[EntrySpec]
    judges: list[JudgeSpec]


def simulate(
    *, n_entries: int = 2000, n_judges: int = 40, per_entry: int = 3, n_careless: int = 4,
    criteria: tuple[str, ...] = ("total",), n_libraries: int = 200, seed: int = 7,
) -> Simulation:
    rng = np.random.default_rng(seed)
    libraries = [f"L{n:03d}" for n in range(n_libraries)]
    entries = [EntrySpec(f"E{n:05d}", libraries[int(rng.integers(n_libraries))]) for n in range(n_entries)]
    judges = [JudgeSpec(f"J{n:03d}", libraries[(n * 7) % n_libraries]) for n in range(n_judges)]
    result = assign(entries, judges, per_entry, anchors=0, seed=seed)
    truth = {e.id: float(rng.normal()) for e in entries}
    bias = rng.normal(0, 8, n_judges)
    gain = rng.uniform(0.5, 1.6, n_judges)
    noise = rng.uniform(2, 6, n_judges)
    careless_idx = set(rng.choice(n_judges, size=n_careless, replace=False).tolist()) if n_careless else set()
    for k in careless_idx:
        gain[k], noise[k] = 0.0, 10.0
    j_pos = {j.id: n for n, j in enumerate(judges)}
    # Criteria share the entry's quality with a little criterion-specific variation.
    rows: list[tuple[str, str, str, float]] = []
    totals: dict[tuple[str, str], float] = {}
    crit_offsets = {c: rng.normal(0, 0.3, n_entries) for c in criteria}
    e_pos = {e.id: n for n, e in enumerate(entries)}
    for entry_id, judge_id in result.pairs:
        k = j_pos[judge_id]
        values = []
        for c in criteria:
            q = truth[entry_id] + (crit_offsets[c][e_pos[entry_id]] if len(criteria) > 1 else 0.0)
            score = 70 + bias[k] + gain[k] * 10 * q + rng.normal(0, noise[k])
            score = float(np.clip(np.round(score), 0, 100))
            rows.append((entry_id, judge_id, c, score))
            values.append(score)
        totals[(entry_id, judge_id)] = float(np.mean(values))
    return Simulation(truth=truth, rows=rows, totals=totals, careless=[judges[k].id for k in sorted(careless_idx)],
                      entries=entries, judges=judges)


def spearman(truth: dict[str, float], estimate: dict[str, float]) -> float:
    from scipy.stats import spearmanr

    keys = sorted(truth)
    return float(spearmanr([truth[k] for k in keys], [estimate[k] for k in keys]).statistic)


def top_precision(truth: dict[str, float], estimate: dict[str, float], top: int = 60) -> float:
    best = set(sorted(truth, key=lambda k: -truth[k])[:top])
    picked = set(sorted(estimate, key=lambda k: -estimate[k])[:top])
    return len(best & picked) / top
