"""Aggregating judges' scores: raw mean, trimmed mean and a calibrated score with an interval.
Pure numpy, no Django: `manage.py judging_aggregate`, the web workflow and the benchmarks share it.

The calibrated model (a bias + gain + reliability model in the spirit of Piech et al.'s PG1 and
Cornell's revNorm) says judge j's total for entry e is

    x_ej = a_j + g_j · q_e + noise,   noise ~ N(0, σ_j²)

a_j is the judge's leniency (bias), g_j how strongly the judge separates good from weak work
(gain), σ_j how noisy the judge is (1/σ_j² is the reliability). The entry's quality q_e has a
N(0, 1) prior. It is fitted by expectation-maximisation: given the judges, each q_e has a Gaussian
posterior (mean and variance in closed form, weighting each judge by g_j²/σ_j²); given those, each
judge's (a_j, g_j) is a small ridge regression and σ_j² an inverse-gamma posterior mode. A careless
judge who scores at random ends up with g_j ≈ 0 and large σ_j, so their scores barely count; a harsh
or lenient judge is simply shifted. The calibrated score is reported on the panel's own scale
(what a typical judge of this panel would give), with a 95 % interval from the posterior variance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

Z95 = 1.959964


@dataclass
class JudgeModel:
    bias: float
    gain: float
    noise_sd: float
    n_scores: int

    @property
    def reliability(self) -> float:
        return (self.gain / self.noise_sd) ** 2 if self.noise_sd > 0 else 0.0


@dataclass
class EntryResult:
    entry_id: str
    n_scores: int
    raw_mean: float
    trimmed_mean: float
    calibrated: float
    ci_low: float
    ci_high: float
    rank: int = 0
    flags: list[str] = field(default_factory=list)
    judge_totals: dict[str, float] = field(default_factory=dict)


@dataclass
class Aggregate:
    entries: list[EntryResult]
    judges: dict[str, JudgeModel]
    iterations: int

    def by_entry(self) -> dict[str, EntryResult]:
        return {r.entry_id: r for r in self.entries}


def combine_criteria(
    rows: list[tuple[str, str, str, float]],
    weights: dict[str, float] | None = None,
    ranges: dict[str, tuple[float, float]] | None = None,
) -> dict[tuple[str, str], float]:
    """(entry, judge, criterion, score) rows → one total per (entry, judge).

    With `ranges` each criterion is first mapped to 0–100 of its range; the total is the
    weighted mean over the criteria the judge scored (weights default to 1)."""
    sums: dict[tuple[str, str], float] = defaultdict(float)
    wsum: dict[tuple[str, str], float] = defaultdict(float)
    for entry_id, judge_id, criterion, score in rows:
        w = 1.0 if not weights else float(weights.get(criterion, 0.0))
        if w == 0.0:
            continue
        value = float(score)
        if ranges and criterion in ranges:
            lo, hi = ranges[criterion]
            value = (value - lo) / (hi - lo) * 100.0 if hi > lo else 0.0
        sums[(entry_id, judge_id)] += w * value
        wsum[(entry_id, judge_id)] += w
    return {key: sums[key] / wsum[key] for key in sums if wsum[key] > 0}


def trimmed_mean(values: np.ndarray, min_for_trim: int = 4) -> float:
    """去掉一个最高分和一个最低分: drop the highest and lowest when there are at least `min_for_trim`."""
    if len(values) >= min_for_trim:
        values = np.sort(values)[1:-1]
    return float(np.mean(values))


def fit_calibration(
    e_idx: np.ndarray, j_idx: np.ndarray, x: np.ndarray, n_e: int, n_j: int,
    *, max_iter: int = 200, tol: float = 1e-6,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """EM fit of x = a_j + g_j q_e + N(0, s2_j). Returns q mean, q variance, a, g, s2, iterations.
    Works on standardised scores; q is identified by its N(0,1) prior and a mean-gain of one."""
    center, scale = float(np.mean(x)), float(np.std(x)) or 1.0
    z = (x - center) / scale
    n_per_j = np.bincount(j_idx, minlength=n_j).astype(float)
    n_per_e = np.bincount(e_idx, minlength=n_e).astype(float)
    # Priors (weak, in standardised units): bias ~ N(0, 1), gain ~ N(1, 0.5²), σ² ~ InvGamma(2, 0.3).
    lam_a, lam_g, alpha0, beta0 = 1.0, 4.0, 2.0, 0.3
    a = np.bincount(j_idx, weights=z, minlength=n_j) / np.maximum(n_per_j, 1)
    g = np.ones(n_j)
    s2 = np.full(n_j, 0.5)
    q = np.bincount(e_idx, weights=z - a[j_idx], minlength=n_e) / np.maximum(n_per_e, 1)
    v = np.ones(n_e)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 — the count is returned
        # E-step: posterior of each entry's quality.
        w = g[j_idx] ** 2 / s2[j_idx]
        prec = 1.0 + np.bincount(e_idx, weights=w, minlength=n_e)
        q_new = np.bincount(e_idx, weights=g[j_idx] * (z - a[j_idx]) / s2[j_idx], minlength=n_e) / prec
        v = 1.0 / prec
        # M-step: per-judge ridge regression of z on E[q] (using E[q²] = q² + v).
        qe, ve = q_new[e_idx], v[e_idx]
        s_q = np.bincount(j_idx, weights=qe, minlength=n_j)
        s_qq = np.bincount(j_idx, weights=qe * qe + ve, minlength=n_j)
        s_z = np.bincount(j_idx, weights=z, minlength=n_j)
        s_qz = np.bincount(j_idx, weights=qe * z, minlength=n_j)
        # Solve [[n+λa, Σq], [Σq, Σq²+λg]] [a, g] = [Σz, Σqz + λg·1] per judge, scaled by σ² prior-wise.
        m11 = n_per_j + lam_a * s2
        m12 = s_q
        m22 = s_qq + lam_g * s2
        r1 = s_z
        r2 = s_qz + lam_g * s2 * 1.0
        det = m11 * m22 - m12 * m12
        det = np.where(np.abs(det) < 1e-12, 1e-12, det)
        a_new = (r1 * m22 - m12 * r2) / det
        g_new = (m11 * r2 - m12 * r1) / det
        resid = z - a_new[j_idx] - g_new[j_idx] * qe
        sse = np.bincount(j_idx, weights=resid ** 2 + g_new[j_idx] ** 2 * ve, minlength=n_j)
        s2_new = (sse + 2 * beta0) / (n_per_j + 2 * alpha0 + 2)
        delta = max(float(np.max(np.abs(q_new - q))) if n_e else 0.0, float(np.max(np.abs(g_new - g))))
        q, a, g, s2 = q_new, a_new, g_new, np.maximum(s2_new, 1e-4)
        if delta < tol:
            break
    # Final E-step with the converged judges.
    w = g[j_idx] ** 2 / s2[j_idx]
    prec = 1.0 + np.bincount(e_idx, weights=w, minlength=n_e)
    q = np.bincount(e_idx, weights=g[j_idx] * (z - a[j_idx]) / s2[j_idx], minlength=n_e) / prec
    v = 1.0 / prec
    # Back to the score scale.
    return q, v, a * scale + center, g * scale, s2 * scale * scale, it


def aggregate(
    totals: dict[tuple[str, str], float],
    *,
    tolerance: float | None = None,
    min_for_trim: int = 4,
    outlier_sigma: float = 3.0,
    expected_per_entry: int | None = None,
) -> Aggregate:
    """totals: (entry, judge) → the judge's total for the entry. Ranks by the calibrated score."""
    entry_ids = sorted({e for e, _ in totals})
    judge_ids = sorted({j for _, j in totals})
    if not entry_ids:
        return Aggregate([], {}, 0)
    e_pos = {e: n for n, e in enumerate(entry_ids)}
    j_pos = {j: n for n, j in enumerate(judge_ids)}
    keys = list(totals)
    e_idx = np.fromiter((e_pos[e] for e, _ in keys), dtype=np.int64, count=len(keys))
    j_idx = np.fromiter((j_pos[j] for _, j in keys), dtype=np.int64, count=len(keys))
    x = np.fromiter((totals[k] for k in keys), dtype=float, count=len(keys))
    n_e, n_j = len(entry_ids), len(judge_ids)

    q, v, a, g, s2, iters = fit_calibration(e_idx, j_idx, x, n_e, n_j)
    # Report on the panel's scale: what an average judge (mean bias, mean gain) would give.
    n_per_j = np.bincount(j_idx, minlength=n_j).astype(float)
    wj = n_per_j / n_per_j.sum()
    a_bar, g_bar = float(np.dot(wj, a)), float(np.dot(wj, g))
    g_bar = g_bar if abs(g_bar) > 1e-9 else 1.0
    calibrated = a_bar + g_bar * q
    half = Z95 * abs(g_bar) * np.sqrt(v)

    order = np.argsort(e_idx, kind="stable")
    bounds = np.searchsorted(e_idx[order], np.arange(n_e + 1))
    if tolerance is None:
        tolerance = 0.2 * (float(x.max()) - float(x.min())) if len(x) > 1 else 0.0
    predicted = a[j_idx] + g[j_idx] * q[e_idx]
    outlier = np.abs(x - predicted) > outlier_sigma * np.sqrt(s2[j_idx])

    results: list[EntryResult] = []
    for n, entry_id in enumerate(entry_ids):
        rows = order[bounds[n]:bounds[n + 1]]
        values = x[rows]
        flags = []
        core = np.sort(values)[1:-1] if len(values) >= 4 else values  # one extreme among many is no dispute
        if len(core) > 1 and float(core.max() - core.min()) > tolerance:
            flags.append("disagreement")
        if bool(outlier[rows].any()):
            flags.append("outlier")
        if expected_per_entry and len(values) < expected_per_entry:
            flags.append("few_scores")
        results.append(EntryResult(
            entry_id=entry_id, n_scores=len(values), raw_mean=float(values.mean()),
            trimmed_mean=trimmed_mean(values, min_for_trim), calibrated=float(calibrated[n]),
            ci_low=float(calibrated[n] - half[n]), ci_high=float(calibrated[n] + half[n]), flags=flags,
            judge_totals={judge_ids[int(j_idx[r])]: float(x[r]) for r in rows},
        ))
    for rank, r in enumerate(sorted(results, key=lambda r: (-r.calibrated, r.entry_id)), start=1):
        r.rank = rank
    judges = {
        judge_ids[k]: JudgeModel(bias=float(a[k]), gain=float(g[k]), noise_sd=float(np.sqrt(s2[k])),
                                 n_scores=int(n_per_j[k]))
        for k in range(n_j)
    }
    return Aggregate(entries=results, judges=judges, iterations=iters)


def straddling_cut(results: list[EntryResult], top: int, field_name: str = "calibrated") -> list[str]:
    """Entries whose interval contains the score at the cut (rank `top` / `top`+1): they need more scores."""
    ranked = sorted(results, key=lambda r: -getattr(r, field_name))
    if top <= 0 or top >= len(ranked):
        return []
    cut = (getattr(ranked[top - 1], field_name) + getattr(ranked[top], field_name)) / 2
    return [r.entry_id for r in ranked if r.ci_low <= cut <= r.ci_high]


# Baselines, used by the benchmark and shown for transparency.

def baseline_raw_mean(totals: dict[tuple[str, str], float]) -> dict[str, float]:
    sums: dict[str, list[float]] = defaultdict(list)
    for (e, _), value in totals.items():
        sums[e].append(value)
    return {e: float(np.mean(vs)) for e, vs in sums.items()}


def baseline_zscore(totals: dict[tuple[str, str], float]) -> dict[str, float]:
    """Evalato: each score as a z-score within its judge, averaged per entry."""
    by_judge: dict[str, list[float]] = defaultdict(list)
    for (_, j), value in totals.items():
        by_judge[j].append(value)
    stats = {j: (float(np.mean(vs)), float(np.std(vs)) or 1.0) for j, vs in by_judge.items()}
    out: dict[str, list[float]] = defaultdict(list)
    for (e, j), value in totals.items():
        m, s = stats[j]
        out[e].append((value - m) / s)
    return {e: float(np.mean(vs)) for e, vs in out.items()}


def baseline_ratio(totals: dict[tuple[str, str], float]) -> dict[str, float]:
    """Reviewr ReviewIQ: each score divided by its judge's mean, averaged per entry."""
    by_judge: dict[str, list[float]] = defaultdict(list)
    for (_, j), value in totals.items():
        by_judge[j].append(value)
    means = {j: float(np.mean(vs)) or 1.0 for j, vs in by_judge.items()}
    out: dict[str, list[float]] = defaultdict(list)
    for (e, j), value in totals.items():
        out[e].append(value / means[j])
    return {e: float(np.mean(vs)) for e, vs in out.items()}
