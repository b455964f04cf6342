"""Aggregation: trimmed mean, calibrated model beats the raw mean on a biased panel, flags, formula."""

import numpy as np
import pytest

from judging import formula
from judging.aggregation import aggregate, baseline_raw_mean, combine_criteria, straddling_cut, trimmed_mean
from judging.simulation import simulate, spearman, top_precision


def test_trimmed_mean_drops_extremes_only_with_enough_scores():
    assert trimmed_mean(np.array([1.0, 5.0, 9.0])) == pytest.approx(5.0)
    assert trimmed_mean(np.array([0.0, 5.0, 6.0, 100.0])) == pytest.approx(5.5)


def test_combine_criteria_weights_and_ranges():
    rows = [("e", "j", "a", 10), ("e", "j", "b", 5)]
    assert combine_criteria(rows, {"a": 3, "b": 1}, {"a": (0, 10), "b": (0, 10)})[("e", "j")] == pytest.approx(87.5)


def test_calibrated_beats_raw_mean_on_biased_panel():
    sim = simulate(n_entries=600, n_judges=20, per_entry=3, n_careless=2, seed=3)
    agg = aggregate(sim.totals)
    calibrated = {r.entry_id: r.calibrated for r in agg.entries}
    raw = baseline_raw_mean(sim.totals)
    assert spearman(sim.truth, calibrated) > spearman(sim.truth, raw) + 0.03
    assert top_precision(sim.truth, calibrated, 30) >= top_precision(sim.truth, raw, 30)
    # The careless judges are recognised: their gain is far below the panel's.
    gains = np.mean([m.gain for m in agg.judges.values()])
    assert all(agg.judges[j].gain < 0.5 * gains for j in sim.careless)
    assert all(r.ci_low < r.calibrated < r.ci_high for r in agg.entries)


def test_harsh_judge_is_corrected():
    # Judge H scores every entry 20 points below the others; calibrated removes the offset.
    totals = {}
    quality = {f"e{n}": 50 + n for n in range(30)}
    judges = ["A", "B", "H"]
    for n, (e, q) in enumerate(quality.items()):
        for j in (judges[n % 3], judges[(n + 1) % 3]):
            totals[(e, j)] = q - (20 if j == "H" else 0)
    agg = aggregate(totals)
    ranked = [r.entry_id for r in sorted(agg.entries, key=lambda r: r.rank)]
    assert ranked[:5] == ["e29", "e28", "e27", "e26", "e25"]
    assert agg.judges["H"].bias < agg.judges["A"].bias - 10


def test_disagreement_flag_and_straddle():
    totals = {("e1", "a"): 90, ("e1", "b"): 40, ("e2", "a"): 70, ("e2", "b"): 72, ("e3", "a"): 60, ("e3", "b"): 61}
    agg = aggregate(totals, tolerance=15)
    flags = {r.entry_id: r.flags for r in agg.entries}
    assert "disagreement" in flags["e1"] and "disagreement" not in flags["e2"]
    assert straddling_cut(agg.entries, 1)  # someone's interval spans the cut between ranks 1 and 2


def test_formula_is_evaluated_safely():
    assert formula.evaluate("0.7 * panel + 0.3 * likes", panel=80, likes=50) == pytest.approx(71)
    assert formula.evaluate("(panel + likes) / 2", panel=80, likes=40) == pytest.approx(60)
    for bad in ["__import__('os').system('x')", "panel ** 2", "open", "panel if likes else 1", "likes[0]",
                "(lambda: 1)()", "panel; likes", ""]:
        with pytest.raises(formula.FormulaError):
            formula.evaluate(bad, panel=1, likes=1)
