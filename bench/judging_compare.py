"""Comparative judgement against the calibrated rubric round, on one simulated panel with known truth.

1,500 entries from 200 libraries in 40 cities, 36 judges of whom 3 are careless and 4 favour entries
from their own city (judging/simulation.py: `simulate_panel`). The same perception model drives both
methods, so the comparison is fair:
- comparative round: adaptive pairing (judging/comparative.py) until every entry has 10 comparisons,
  Bradley–Terry fit with per-judge weights;
- rubric round: 3 judges per entry (judging/assignment.py), calibrated aggregation (judging/aggregation.py).
Judge time: 1 rubric scoring = 2 comparisons, so the rubric round costs 4,500 units and the
comparative round 3,750 at 10 per entry (the table also shows 12 per entry: equal judge time).

Printed: Spearman with the truth and top-60 precision of each; SSR and split-half reliability
against the reliability actually achieved (correlation of two independent comparative runs with
fresh judgements); fit time for 1,500 entries × 15,000 judgements and the time to choose the next
500 pairs, each as a ratio to its goal.

    .venv/bin/python -m bench.judging_compare
"""

from __future__ import annotations

import os
import random
import time

import numpy as np

SEEDS = (7, 11)
# Ofqual's ±5 marks on a 40-mark question, on this 100-point scale: about 12 points at 95 %, sd ≈ 6.
ABSOLUTE_NOISE = 6.0


def comparative_round(panel, per_entry: int, seed: int, batch: int = 500):
    from judging.comparative import Judgement, PairingState, fit, next_pairs

    done: list[Judgement] = []
    target = len(panel.entries) * per_entry // 2
    while len(done) < target:
        state = PairingState(entries=panel.entries, judges=panel.judges, done=done, tree=panel.tree,
                             seed=seed * 100_003 + len(done))
        rows = next_pairs(state, min(batch, target - len(done)))
        if not rows:
            break
        done.extend(Judgement(a, b, j, panel.compare(a, b, j)) for a, b, j in rows)
    return done, fit(done, seed=seed)


def rubric_round(panel, per_entry: int, seed: int):
    from judging.aggregation import aggregate
    from judging.assignment import assign

    result = assign(panel.entries, panel.judges, per_entry, tree=panel.tree, anchors=0, seed=seed)
    totals = {(e, j): panel.score(e, j) for e, j in result.pairs}
    agg = aggregate(totals)
    return len(result.pairs), {r.entry_id: r.calibrated for r in agg.entries}


def main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from judging.comparative import Judgement, PairingState, fit, next_pairs
    from judging.simulation import simulate_panel, spearman, top_precision

    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    rows = []
    over = []
    for seed in SEEDS:
        panel = simulate_panel(seed=seed)
        for per_entry in (10, 12):
            t0 = time.perf_counter()
            done, f = comparative_round(panel, per_entry, seed)
            elapsed = time.perf_counter() - t0
            est = {e.entry_id: e.score for e in f.entries}
            flagged = sorted(j for j, m in f.judges.items() if m.flagged)
            rows.append((seed, f"comparative {per_entry}/entry", len(done) / 2, spearman(panel.truth, est),
                         top_precision(panel.truth, est, 60), f.ssr, f.split_half))
            if per_entry == 10:
                # Reliability actually achieved: the same panel, fresh judgements, another pairing.
                _, f2 = comparative_round(panel, per_entry, seed + 1000)
                e2 = {e.entry_id: e.score for e in f2.entries}
                keys = sorted(set(est) & set(e2))
                achieved = float(np.corrcoef([est[k] for k in keys], [e2[k] for k in keys])[0, 1])
                over.append((seed, (f.ssr + f2.ssr) / 2, (f.split_half + f2.split_half) / 2, achieved))
                print(f"seed {seed}: {len(done)} comparisons in {elapsed:.1f} s (pairing + simulated judges); "
                      f"careless {panel.careless} biased {panel.biased}; flagged by misfit {flagged}; "
                      f"weights of careless judges "
                      f"{', '.join(f'{f.judges[j].weight:.2f}' for j in panel.careless)}")
        n_scores, calibrated = rubric_round(panel, 3, seed)
        rows.append((seed, "rubric 3/entry, calibrated", n_scores, spearman(panel.truth, calibrated),
                     top_precision(panel.truth, calibrated, 60), None, None))
        panel.absolute_noise = ABSOLUTE_NOISE
        n_scores, calibrated = rubric_round(panel, 3, seed)
        rows.append((seed, f"rubric, ±{ABSOLUTE_NOISE:.0f} pt absolute noise", n_scores,
                     spearman(panel.truth, calibrated), top_precision(panel.truth, calibrated, 60), None, None))

    print()
    print(f"{'seed':<6}{'method':<30}{'judge time':>11}{'Spearman':>10}{'top-60':>8}{'SSR':>7}{'split½':>8}")
    for seed, name, units, sp, tp, rel, sh in rows:
        extra = f"{rel:>7.3f}{sh:>8.3f}" if rel is not None else f"{'':>7}{'':>8}"
        print(f"{seed:<6}{name:<30}{units:>11.0f}{sp:>10.4f}{tp:>8.3f}{extra}")
    print("(judge time in rubric scorings; 1 scoring = 2 comparisons)")

    print()
    for seed, reported, split, achieved in over:
        print(f"seed {seed}: reported SSR {reported:.3f} (split-half {split:.3f}); achieved (correlation of two "
              f"independent runs) {achieved:.3f}; SSR − achieved {reported - achieved:+.3f} (goal ≤ +0.05)")

    # Speed: fit 1,500 entries × 15,000 judgements, and choose the next 500 pairs after 7,500.
    panel = simulate_panel(seed=3)
    rng = random.Random(3)
    ids = [e.id for e in panel.entries]
    judges = [j.id for j in panel.judges]
    many = []
    for k in range(15_000):
        a, b = rng.sample(ids, 2)
        j = judges[k % len(judges)]
        many.append(Judgement(a, b, j, panel.compare(a, b, j)))
    # Wall time and this process' CPU time: on a shared, oversubscribed machine the CPU time is the
    # figure that does not depend on what else runs (numpy/scipy use one thread here).
    t0, c0 = time.perf_counter(), time.process_time()
    fit(many, split_half=False)
    fit_time, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    fit(many)
    fit_split_time = time.perf_counter() - t0
    state = PairingState(entries=panel.entries, judges=panel.judges, done=many[:7_500], tree=panel.tree, seed=3)
    t0, c0 = time.perf_counter(), time.process_time()
    chosen = next_pairs(state, 500)
    pair_time, pair_cpu = time.perf_counter() - t0, time.process_time() - c0
    print()
    print(f"fit 1,500 × 15,000: {fit_time:.2f} s wall, {fit_cpu:.2f} s CPU (÷ goal 2 s = {fit_cpu / 2:.2f} by CPU); "
          f"with the split-half refits {fit_split_time:.2f} s wall")
    print(f"next 500 pairs after 7,500: {pair_time:.2f} s wall, {pair_cpu:.2f} s CPU for {len(chosen)} pairs "
          f"(÷ goal 1 s = {pair_cpu:.2f} by CPU)")
    print(f"load average: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
