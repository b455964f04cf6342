"""Scale of assignment and aggregation: 10,000 entries, 60 judges, 3 per entry, 4 criteria.

Goals: assignment ≤ 10 s, aggregation with intervals ≤ 5 s; each printed with the ratio to a
naive baseline measured in the same run (random assignment without any constraint; plain means).

    .venv/bin/python -m bench.judging_scale
"""

import random
import time
from collections import defaultdict

import numpy as np

from judging.aggregation import aggregate, combine_criteria
from judging.assignment import EntrySpec, JudgeSpec, assign, is_connected, load_spread
from judging.simulation import simulate

N_ENTRIES, N_JUDGES, K = 10_000, 60, 3
CRITERIA = ("pronunciation", "rhythm", "emotion", "fluency")
WEIGHTS = {"pronunciation": 30, "rhythm": 25, "emotion": 25, "fluency": 20}


def random_assignment(entries, judges, k, seed=0):
    rng = random.Random(seed)
    return [(e.id, j.id) for e in entries for j in rng.sample(judges, k)]


def plain_means(rows):
    sums = defaultdict(list)
    for e, _j, _c, s in rows:
        sums[e].append(s)
    return {e: sum(v) / len(v) for e, v in sums.items()}


def main() -> None:
    rng = random.Random(3)
    libraries = [f"L{n:03d}" for n in range(300)]
    entries = [EntrySpec(f"E{n:05d}", rng.choice(libraries)) for n in range(N_ENTRIES)]
    judges = [JudgeSpec(f"J{n:02d}", libraries[n * 5]) for n in range(N_JUDGES)]

    t0 = time.perf_counter()
    base_pairs = random_assignment(entries, judges, K)
    t_base_assign = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = assign(entries, judges, K, anchors=3, seed=1)
    t_assign = time.perf_counter() - t0
    lib = {e.id: e.library for e in entries}
    jlib = {j.id: j.library for j in judges}
    same = sum(lib[e] == jlib[j] for e, j in result.pairs)
    same_base = sum(lib[e] == jlib[j] for e, j in base_pairs)

    sim = simulate(n_entries=N_ENTRIES, n_judges=N_JUDGES, per_entry=K, n_careless=6, criteria=CRITERIA, seed=5)
    t0 = time.perf_counter()
    plain_means(sim.rows)
    t_base_agg = time.perf_counter() - t0
    t0 = time.perf_counter()
    totals = combine_criteria(sim.rows, WEIGHTS)
    agg = aggregate(totals)
    t_agg = time.perf_counter() - t0

    print(f"{N_ENTRIES} entries, {N_JUDGES} judges, {K} per entry, {len(CRITERIA)} criteria ({len(sim.rows)} scores)")
    print(f"{'step':<34}{'ours':>9}{'baseline':>10}{'ratio':>8}   goal")
    print(f"{'assignment (flow, conflicts, anchors)':<34}{t_assign:>8.2f}s{t_base_assign:>9.3f}s"
          f"{t_assign / t_base_assign:>7.0f}×   ≤ 10 s  → {'OK' if t_assign <= 10 else 'MISSED'}")
    print(f"{'aggregation (EM fit + intervals)':<34}{t_agg:>8.2f}s{t_base_agg:>9.3f}s"
          f"{t_agg / t_base_agg:>7.0f}×   ≤ 5 s   → {'OK' if t_agg <= 5 else 'MISSED'}")
    print(f"assignment: {len(result.pairs)} pairs, load spread {load_spread(result)}, anchors {len(result.anchors)}, "
          f"judge graph connected: {is_connected([j.id for j in judges], result.pairs)}, "
          f"same-library pairs {same} (random baseline: {same_base})")
    print(f"aggregation: {agg.iterations} EM iterations, mean interval width "
          f"{np.mean([r.ci_high - r.ci_low for r in agg.entries]):.2f} points")


if __name__ == "__main__":
    main()
