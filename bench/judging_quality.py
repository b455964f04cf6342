"""Quality of the aggregation methods on a simulated panel with known truth.

2,000 entries, 40 judges (lenient/harsh, flat/spread-out, noisy, 4 careless), 3 judges per entry.
Prints Spearman correlation with the true quality and precision of the top 60 for the raw mean
(Award Force), per-judge z-scores (Evalato), ratio to the judge's mean (Reviewr ReviewIQ) and our
calibrated score, side by side, over several seeds.
Goal: calibrated Spearman ≥ 0.95 and ≥ 0.01 above the best other, top-60 precision no lower.

    .venv/bin/python -m bench.judging_quality
"""

import time

import numpy as np

from judging.aggregation import aggregate, baseline_ratio, baseline_raw_mean, baseline_zscore
from judging.simulation import simulate, spearman, top_precision

SEEDS = (7, 11, 23)


def main() -> None:
    names = ["raw mean", "z-score", "ratio to judge mean", "calibrated"]
    sp = {n: [] for n in names}
    tp = {n: [] for n in names}
    for seed in SEEDS:
        sim = simulate(n_entries=2000, n_judges=40, per_entry=3, n_careless=4, seed=seed)
        t0 = time.perf_counter()
        agg = aggregate(sim.totals)
        fit = time.perf_counter() - t0
        estimates = {
            "raw mean": baseline_raw_mean(sim.totals),
            "z-score": baseline_zscore(sim.totals),
            "ratio to judge mean": baseline_ratio(sim.totals),
            "calibrated": {r.entry_id: r.calibrated for r in agg.entries},
        }
        mean_gain = np.mean([m.gain for m in agg.judges.values()])
        print(f"seed {seed}: calibrated fit {fit:.2f} s, {agg.iterations} EM iterations; careless judges "
              f"{', '.join(sim.careless)} got gain "
              f"{', '.join(f'{agg.judges[j].gain / mean_gain:.2f}' for j in sim.careless)} × the panel's mean gain")
        for n in names:
            sp[n].append(spearman(sim.truth, estimates[n]))
            tp[n].append(top_precision(sim.truth, estimates[n], 60))
    print()
    print(f"{'method':<22}{'Spearman':>10}{'top-60 precision':>18}   (mean over seeds {SEEDS})")
    for n in names:
        print(f"{n:<22}{np.mean(sp[n]):>10.4f}{np.mean(tp[n]):>18.3f}")
    best_other = max(np.mean(sp[n]) for n in names[:-1])
    best_other_top = max(np.mean(tp[n]) for n in names[:-1])
    cal, cal_top = np.mean(sp["calibrated"]), np.mean(tp["calibrated"])
    print()
    print(f"calibrated − best other Spearman: {cal - best_other:+.4f} (goal ≥ +0.01); "
          f"calibrated Spearman {cal:.4f} (goal ≥ 0.95); "
          f"top-60 {cal_top:.3f} vs best other {best_other_top:.3f} (goal: no lower)")
    ok = cal >= 0.95 and cal - best_other >= 0.01 and cal_top >= best_other_top
    print("GOAL MET" if ok else "GOAL NOT MET")


if __name__ == "__main__":
    main()
