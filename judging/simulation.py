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


# --- a panel for comparative judgement versus rubric scoring ----------------------------------------


@dataclass
class Panel:
    """Entries in a library tree (cities with counties), judges with a perception model shared by both
    methods, so a rubric round and a comparative round of the same panel can be compared fairly.

    Judge j perceives entry e as  v = q_e + h_j·[e is from j's city] + ε,  ε ~ N(0, s_j²), with
    s_j = noise_j / (10·gain_j) from the rubric model above (a rubric score is 70 + bias_j + 10·gain_j·v,
    clipped and rounded). A careless judge perceives nothing (a comparison is a coin toss, a score is
    70 + bias_j + N(0, 10)). A city-biased judge has h_j > 0 (favours entries from their own city).
    A comparison is won by the entry perceived as better.

    `absolute_noise` (points) is the extra inconsistency of absolute marking that side-by-side
    comparison does not suffer from: the same marker gives the same work different marks on different
    days and in different company (Ofqual: about ±5 marks on a 40-mark question; Laming 2004). It is
    0 by default, which favours the rubric; the benchmark shows both."""

    truth: dict[str, float]
    entries: list[EntrySpec]
    judges: list[JudgeSpec]
    tree: object
    careless: list[str]
    biased: list[str]
    rng: np.random.Generator
    _bias: dict[str, float]
    _gain: dict[str, float]
    _noise: dict[str, float]
    _home: dict[str, float]
    _city: dict[str, str]
    absolute_noise: float = 0.0

    def _perceive(self, judge: str, entry: str) -> float:
        if judge in self.careless:
            return float(self.rng.normal())
        home = self._home[judge] if self._city[entry] == self._city[judge] else 0.0
        s = self._noise[judge] / (10 * self._gain[judge])
        return self.truth[entry] + home + float(self.rng.normal(0, s))

    def compare(self, entry_a: str, entry_b: str, judge: str) -> str:
        return "a" if self._perceive(judge, entry_a) >= self._perceive(judge, entry_b) else "b"

    def score(self, entry: str, judge: str) -> float:
        if judge in self.careless:
            value = 70 + self._bias[judge] + float(self.rng.normal(0, 10))
        else:
            value = 70 + self._bias[judge] + 10 * self._gain[judge] * self._perceive(judge, entry)
        if self.absolute_noise:
            value += float(self.rng.normal(0, self.absolute_noise))
        return float(np.clip(np.round(value), 0, 100))


def simulate_panel(*, n_entries: int = 1500, n_judges: int = 36, n_careless: int = 3, n_biased: int = 4,
                   n_cities: int = 40, counties_per_city: int = 4, home_bias: float = 0.6, seed: int = 7) -> Panel:
    from judging.assignment import LibraryTree

    rng = np.random.default_rng(seed)
    rows = []
    libraries, city_of = [], {}
    for c in range(n_cities):
        city = f"C{c:02d}"
        rows.append({"code": city, "level": "city", "parent_code": "P"})
        libraries.append(city)
        city_of[city] = city
        for k in range(counties_per_city):
            county = f"{city}K{k}"
            rows.append({"code": county, "level": "county", "parent_code": city})
            libraries.append(county)
            city_of[county] = city
    tree = LibraryTree.from_rows(rows)
    entries = [EntrySpec(f"E{n:05d}", libraries[int(rng.integers(len(libraries)))]) for n in range(n_entries)]
    judges = [JudgeSpec(f"J{n:03d}", libraries[int(rng.integers(len(libraries)))]) for n in range(n_judges)]
    truth = {e.id: float(rng.normal()) for e in entries}
    picked = rng.choice(n_judges, size=n_careless + n_biased, replace=False).tolist()
    careless = [judges[k].id for k in picked[:n_careless]]
    biased = [judges[k].id for k in picked[n_careless:]]
    bias = {j.id: float(rng.normal(0, 8)) for j in judges}
    gain = {j.id: float(rng.uniform(0.5, 1.6)) for j in judges}
    noise = {j.id: float(rng.uniform(2, 6)) for j in judges}
    home = {j.id: (home_bias if j.id in biased else 0.0) for j in judges}
    city = {e.id: city_of[e.library] for e in entries} | {j.id: city_of[j.library] for j in judges}
    return Panel(truth=truth, entries=entries, judges=judges, tree=tree, careless=careless, biased=biased,
                 rng=rng, _bias=bias, _gain=gain, _noise=noise, _home=home, _city=city)
