"""Assigning judges to entries: k judges per entry, hard conflicts of interest, balanced loads,
a connected judge graph and a few anchor entries. Pure Python + numpy/scipy, no Django here, so
`manage.py judging_assign`, the web workflow and the benchmarks all run the same code.

How it works
1. Entries are grouped by their conflict key (their library, or library + city). A judge may score
   a group's entries unless the judge shares the library (or, optionally, the city).
2. A max-flow over source → group → judge → sink decides how many entries of each group every
   judge takes. Judge capacities on the sink edges are the balanced quotas (equal capacities:
   loads differ by at most one; declared capacities: proportional to them, never above them).
   If the exact quotas are infeasible (conflicts bite), the quotas are relaxed step by step and
   the spread actually reached is reported; if no assignment exists at all the error says why.
3. Within a group, judges' counts are laid out one after another and dealt round-robin to the
   entries (McNaughton's wrap-around), so every entry gets k *distinct* judges.
4. Anchor entries are scored by many judges (all eligible ones by default) for linkage and drift.
5. If the judge graph (judges linked by a shared entry) is not connected, load-neutral swaps
   between components join it.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from config.errors import UserFacingError


class AssignmentError(UserFacingError):
    """The constraints cannot be met; the message names the library or the number that is short."""


@dataclass(frozen=True)
class JudgeSpec:
    id: str
    library: str
    capacity: int | None = None


@dataclass(frozen=True)
class EntrySpec:
    id: str
    library: str


@dataclass
class LibraryTree:
    """code → (level, parent code). Enough to find a library's city for the same-city conflict."""

    levels: dict[str, str] = field(default_factory=dict)
    parents: dict[str, str | None] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows) -> LibraryTree:
        tree = cls()
        for row in rows:
            code = (row.get("code") or "").strip()
            if code:
                tree.levels[code] = (row.get("level") or "").strip()
                tree.parents[code] = (row.get("parent_code") or "").strip() or None
        return tree

    def __contains__(self, code: str) -> bool:
        return code in self.levels

    def city_of(self, code: str) -> str:
        """A county's city is its parent city library; a city library is its own city; a
        provincial or national library has no city and only conflicts with itself."""
        level = self.levels.get(code)
        if level == "county":
            parent = self.parents.get(code)
            return parent or code
        return code


@dataclass
class AssignmentResult:
    pairs: list[tuple[str, str]]            # (entry_id, judge_id)
    loads: dict[str, int]
    anchors: list[str]
    quotas: dict[str, int]
    relaxed_by: int = 0                     # 0 when the balanced quotas were met exactly

    def judges_of(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for entry_id, judge_id in self.pairs:
            out[entry_id].append(judge_id)
        return out


def conflict_key(library: str, tree: LibraryTree | None, same_city: bool) -> tuple[str, str]:
    if same_city and tree is not None:
        return (library, tree.city_of(library))
    return (library, "")


def is_conflict(entry_library: str, judge_library: str, tree: LibraryTree | None, same_city: bool) -> bool:
    if entry_library == judge_library:
        return True
    if same_city and tree is not None:
        city = tree.city_of(entry_library)
        return city == tree.city_of(judge_library) and (city in tree.levels)
    return False


def balanced_quotas(judges: list[JudgeSpec], total: int) -> list[int]:
    """Largest-remainder split of `total` proportional to capacity (equal when none is declared)."""
    caps = [j.capacity for j in judges]
    declared = [c for c in caps if c is not None]
    if declared and len(declared) != len(caps):
        default = max(1, round(sum(declared) / len(declared)))
        caps = [c if c is not None else default for c in caps]
    weights = np.array([c if c is not None else 1 for c in caps], dtype=float)
    if declared:
        if weights.sum() < total:
            raise AssignmentError(
                "capacity_short",
                f"评委总容量 {int(weights.sum())} 份，少于需要的 {total} 份评分，请增加评委或容量",
                f"judges' total capacity {int(weights.sum())} is less than the {total} scores needed; "
                "add judges or raise capacities",
            )
    if weights.sum() <= 0:
        raise AssignmentError("capacity_zero", "评委容量都是 0", "every judge has capacity 0")
    share = weights / weights.sum() * total
    base = np.floor(share).astype(int)
    rest = total - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    if declared:
        base = np.minimum(base, weights.astype(int))
    return base.tolist()


def assign(
    entries: list[EntrySpec],
    judges: list[JudgeSpec],
    per_entry: int,
    *,
    tree: LibraryTree | None = None,
    same_city: bool = False,
    anchors: int = 0,
    anchor_judges: int | None = None,
    seed: int = 0,
) -> AssignmentResult:
    """k judges per entry (plus `anchors` entries scored by `anchor_judges` judges, default all eligible)."""
    if per_entry < 1:
        raise AssignmentError("per_entry", "每件作品至少需要 1 位评委", "each entry needs at least 1 judge")
    if not entries:
        raise AssignmentError("no_entries", "没有需要评审的作品", "there are no entries to assign")
    if not judges:
        raise AssignmentError("no_judges", "没有评委", "there are no judges")
    _check_unique([e.id for e in entries], "作品", "entry")
    _check_unique([j.id for j in judges], "评委", "judge")
    rng = random.Random(seed)
    n_j = len(judges)

    # Conflict groups: entries sharing a library (and city) have the same eligible judges.
    groups: dict[str, list[int]] = defaultdict(list)
    for i, entry in enumerate(entries):
        groups[entry.library].append(i)
    group_keys = sorted(groups)
    allowed = {
        g: np.array([not is_conflict(g, j.library, tree, same_city) for j in judges], dtype=bool)
        for g in group_keys
    }
    for g in group_keys:
        if allowed[g].sum() < per_entry:
            raise AssignmentError(
                "too_few_judges_outside",
                f"图书馆 {g} 的作品需要 {per_entry} 位评委，但馆外"
                f"{'（且不同城市）' if same_city else ''}只有 {int(allowed[g].sum())} 位评委",
                f"entries of library {g} need {per_entry} judges but only {int(allowed[g].sum())} judges "
                f"are outside that library{' and its city' if same_city else ''}",
                library=g,
            )

    # Anchors: entries from libraries with many eligible judges, spread over different libraries.
    anchor_idx: list[int] = []
    anchor_need: dict[int, int] = {}
    if anchors > 0:
        by_eligible = sorted(group_keys, key=lambda g: (-int(allowed[g].sum()), g))
        pool = by_eligible[: max(anchors, 1)]
        for n in range(min(anchors, len(entries))):
            g = pool[n % len(pool)]
            candidates = [i for i in groups[g] if i not in anchor_need]
            if not candidates:
                continue
            i = rng.choice(candidates)
            eligible = int(allowed[g].sum())
            need = eligible if anchor_judges is None else max(per_entry, min(anchor_judges, eligible))
            anchor_idx.append(i)
            anchor_need[i] = need

    total = sum(anchor_need.get(i, per_entry) for i in range(len(entries)))
    quotas = balanced_quotas(judges, total)
    if sum(quotas) < total:
        raise AssignmentError(
            "capacity_short",
            f"评委容量不足：需要 {total} 份评分，只能安排 {sum(quotas)} 份",
            f"not enough judge capacity: {total} scores needed, {sum(quotas)} possible",
        )

    # Flow units: each ordinary group is one node; each anchor entry is its own node.
    units: list[tuple[list[int], int, np.ndarray]] = []  # (entry indices, judges each, allowed mask)
    for g in group_keys:
        plain = [i for i in groups[g] if i not in anchor_need]
        if plain:
            units.append((plain, per_entry, allowed[g]))
    for i in anchor_idx:
        units.append(([i], anchor_need[i], allowed[entries[i].library]))

    caps_limit = [j.capacity if j.capacity is not None else None for j in judges]
    relaxed = 0
    flows = None
    max_relax = max(total, 1)
    step = 0
    while True:
        limits = [
            q + relaxed if caps_limit[k] is None else min(q + relaxed, caps_limit[k])
            for k, q in enumerate(quotas)
        ]
        flows, value = _solve_flow(units, limits, n_j)
        if value == total:
            break
        if relaxed >= max_relax or all(
            caps_limit[k] is not None and limits[k] >= caps_limit[k] for k in range(n_j)
        ):
            raise AssignmentError(
                "infeasible",
                f"无法满足约束：最多只能安排 {value} / {total} 份评分（回避规则或评委容量限制）",
                f"constraints cannot be met: at most {value} of {total} scores can be placed "
                "(conflict-of-interest rules or judge capacities)",
            )
        step += 1
        relaxed = min(max_relax, 2 ** (step - 1))

    # Deal each unit's per-judge counts round-robin so every entry gets distinct judges.
    entry_judges: list[list[int]] = [[] for _ in entries]
    for u, (idx, _need, _mask) in enumerate(units):
        order = list(range(n_j))
        rng.shuffle(order)
        slots: list[int] = []
        for k in order:
            slots.extend([k] * int(flows[u, k]))
        members = list(idx)
        rng.shuffle(members)
        n = len(members)
        for t, k in enumerate(slots):
            entry_judges[members[t % n]].append(k)

    _connect(entries, judges, entry_judges, tree, same_city, rng)
    _rebalance(entries, judges, entry_judges, quotas_for(judges, entry_judges), tree, same_city)

    pairs = [(entries[i].id, judges[k].id) for i in range(len(entries)) for k in entry_judges[i]]
    loads = {j.id: 0 for j in judges}
    for _, jid in pairs:
        loads[jid] += 1
    return AssignmentResult(
        pairs=pairs, loads=loads, anchors=[entries[i].id for i in anchor_idx],
        quotas={j.id: q for j, q in zip(judges, quotas, strict=True)}, relaxed_by=relaxed,
    )


def quotas_for(judges: list[JudgeSpec], entry_judges: list[list[int]]) -> list[int]:
    return balanced_quotas(judges, sum(len(js) for js in entry_judges))


def _check_unique(ids: list[str], zh: str, en: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise AssignmentError("duplicate_id", f"{zh}编号重复：{i}", f"duplicate {en} id: {i}")
        seen.add(i)


def _solve_flow(units, limits: list[int], n_j: int):
    """Integer max flow; returns (units × judges flow matrix, total flow)."""
    n_u = len(units)
    source, sink = 0, 1 + n_u + n_j
    rows, cols, caps = [], [], []
    for u, (idx, need, mask) in enumerate(units):
        rows.append(source)
        cols.append(1 + u)
        caps.append(len(idx) * need)
        for k in np.nonzero(mask)[0]:
            rows.append(1 + u)
            cols.append(1 + n_u + int(k))
            caps.append(len(idx))
    for k in range(n_j):
        rows.append(1 + n_u + k)
        cols.append(sink)
        caps.append(int(limits[k]))
    graph = csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    result = maximum_flow(graph, source, sink)
    flow = result.flow.tocoo()
    flows = np.zeros((n_u, n_j), dtype=int)
    for r, c, v in zip(flow.row, flow.col, flow.data, strict=True):
        if 1 <= r <= n_u and c > n_u and c < sink and v > 0:
            flows[r - 1, c - 1 - n_u] = int(v)
    return flows, int(result.flow_value)


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def judge_components(n_judges: int, entry_judges: list[list[int]]) -> list[int]:
    """Component label per judge in the graph 'judges linked by a shared entry'."""
    uf = _UnionFind(n_judges)
    for js in entry_judges:
        for k in js[1:]:
            uf.union(js[0], k)
    return [uf.find(k) for k in range(n_judges)]


def is_connected(judge_ids: list[str], pairs: list[tuple[str, str]]) -> bool:
    """True when every judge who has work is linked to every other through shared entries."""
    index = {j: n for n, j in enumerate(judge_ids)}
    by_entry: dict[str, list[int]] = defaultdict(list)
    for entry_id, judge_id in pairs:
        by_entry[entry_id].append(index[judge_id])
    labels = judge_components(len(judge_ids), list(by_entry.values()))
    busy = {index[j] for _, j in pairs}
    return len({labels[k] for k in busy}) <= 1


def _connect(entries, judges, entry_judges, tree, same_city, rng) -> None:
    """Load-neutral swaps (e1: a→b, e2: b→a) between components until the judge graph is connected."""
    n_j = len(judges)
    for _ in range(4 * n_j):
        labels = judge_components(n_j, entry_judges)
        busy = sorted({k for js in entry_judges for k in js})
        comps = sorted({labels[k] for k in busy})
        if len(comps) <= 1:
            return
        main = comps[0]
        joined = False
        in_main = [i for i, js in enumerate(entry_judges) if js and labels[js[0]] == main]
        outside = [i for i, js in enumerate(entry_judges) if js and labels[js[0]] != main]
        rng.shuffle(in_main)
        rng.shuffle(outside)
        for e1 in in_main[:2000]:
            if len(entry_judges[e1]) < 2:
                continue
            for e2 in outside[:2000]:
                for a in entry_judges[e1]:
                    for b in entry_judges[e2]:
                        if (
                            b not in entry_judges[e1] and a not in entry_judges[e2]
                            and not is_conflict(entries[e1].library, judges[b].library, tree, same_city)
                            and not is_conflict(entries[e2].library, judges[a].library, tree, same_city)
                        ):
                            entry_judges[e1][entry_judges[e1].index(a)] = b
                            entry_judges[e2][entry_judges[e2].index(b)] = a
                            joined = True
                            break
                    if joined:
                        break
                if joined:
                    break
            if joined:
                break
        if not joined:
            return  # is_connected() lets callers and tests see it; happens only with a degenerate panel


def _move(i: int, hi: int, lo: int, entry_judges, by_judge, loads) -> None:
    """Hand entry i from judge hi to judge lo, keeping the per-judge index and loads in step."""
    entry_judges[i][entry_judges[i].index(hi)] = lo
    by_judge[hi].discard(i)
    by_judge[lo].add(i)
    loads[hi] -= 1
    loads[lo] += 1


def _rebalance(entries, judges, entry_judges, quotas, tree, same_city, rounds: int = 10000) -> None:
    """Move single assignments from the most overloaded to the most underloaded judge while allowed."""
    n_j = len(judges)
    loads = np.zeros(n_j, dtype=int)
    by_judge: dict[int, set[int]] = defaultdict(set)
    for i, js in enumerate(entry_judges):
        for k in js:
            loads[k] += 1
            by_judge[k].add(i)
    target = np.array(quotas)
    caps = [j.capacity for j in judges]
    for _ in range(rounds):
        excess = loads - target
        hi_order = np.argsort(-excess, kind="stable")
        lo_order = np.argsort(excess, kind="stable")
        moved = False
        for hi in hi_order[:5]:
            if excess[hi] <= 0:
                break
            for lo in lo_order:
                if excess[lo] >= 0 or (caps[lo] is not None and loads[lo] >= caps[lo]):
                    continue
                for i in by_judge[hi]:
                    if lo in entry_judges[i] or is_conflict(entries[i].library, judges[lo].library, tree, same_city):
                        continue
                    _move(i, hi, lo, entry_judges, by_judge, loads)
                    moved = True
                    break
                if moved:
                    break
            if moved:
                break
        if not moved:
            return


def load_spread(result: AssignmentResult) -> int:
    values = list(result.loads.values())
    return max(values) - min(values) if values else 0


def pick_extra_judge(
    entry: EntrySpec,
    judges: list[JudgeSpec],
    loads: dict[str, int],
    *,
    exclude: set[str],
    tree: LibraryTree | None = None,
    same_city: bool = False,
    rng: random.Random | None = None,
) -> JudgeSpec:
    """The least-loaded eligible judge (relative to capacity) not already on the entry."""
    candidates = [
        j for j in judges
        if j.id not in exclude and not is_conflict(entry.library, j.library, tree, same_city)
        and (j.capacity is None or loads.get(j.id, 0) < j.capacity)
    ]
    if not candidates:
        raise AssignmentError(
            "no_extra_judge",
            f"作品 {entry.id} 找不到另一位没有回避冲突的评委",
            f"no further judge without a conflict is available for entry {entry.id}",
        )
    rng = rng or random.Random(0)
    rng.shuffle(candidates)
    if any(x.capacity for x in judges):
        return min(candidates, key=lambda j: loads.get(j.id, 0) / (j.capacity or 1))
    return min(candidates, key=lambda j: loads.get(j.id, 0))


def reassign(
    entries: list[EntrySpec],
    judges: list[JudgeSpec],
    pairs: list[tuple[str, str]],
    *,
    drop_judges: set[str] = frozenset(),
    conflicts: set[tuple[str, str]] = frozenset(),
    tree: LibraryTree | None = None,
    same_city: bool = False,
    seed: int = 0,
) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """Replace dropped judges and declared (entry, judge) conflicts, keeping k per entry, conflicts,
    balance and connectivity. Returns the new pairs and the changes as (entry, old judge, new judge)."""
    rng = random.Random(seed)
    active = [j for j in judges if j.id not in drop_judges]
    if not active:
        raise AssignmentError("no_judges", "没有剩余的评委", "no judges are left")
    index = {j.id: n for n, j in enumerate(active)}
    entry_index = {e.id: n for n, e in enumerate(entries)}
    entry_judges: list[list[int]] = [[] for _ in entries]
    vacancies: list[tuple[int, str]] = []
    barred: dict[int, set[str]] = defaultdict(set)
    for entry_id, judge_id in pairs:
        i = entry_index[entry_id]
        if judge_id in drop_judges or (entry_id, judge_id) in conflicts:
            vacancies.append((i, judge_id))
            barred[i].add(judge_id)
        else:
            entry_judges[i].append(index[judge_id])
    for entry_id, judge_id in conflicts:
        if entry_id in entry_index:
            barred[entry_index[entry_id]].add(judge_id)
    loads = {j.id: 0 for j in active}
    for js in entry_judges:
        for k in js:
            loads[active[k].id] += 1
    changes = []
    vacant = defaultdict(int)
    for v, _ in vacancies:
        vacant[v] += 1
    counts = sorted(len(js) + vacant[i] for i, js in enumerate(entry_judges))
    per_entry = counts[len(counts) // 2] if counts else 1
    for i, old in vacancies:
        exclude = {active[k].id for k in entry_judges[i]} | barred[i]
        try:
            new = pick_extra_judge(entries[i], active, loads, exclude=exclude, tree=tree, same_city=same_city,
                                   rng=rng)
        except AssignmentError:
            if len(entry_judges[i]) >= per_entry:  # an anchor keeps plenty of judges without a replacement
                continue
            raise
        entry_judges[i].append(index[new.id])
        loads[new.id] += 1
        changes.append((entries[i].id, old, new.id))

    # Rebalance without ever moving an entry back to a judge who declared a conflict on it.
    _rebalance_barred(entries, active, entry_judges, quotas_for(active, entry_judges), tree, same_city, barred)
    _connect(entries, active, entry_judges, tree, same_city, rng)
    new_pairs = [(entries[i].id, active[k].id) for i in range(len(entries)) for k in entry_judges[i]]
    before: dict[str, set[str]] = defaultdict(set)
    for entry_id, judge_id in pairs:
        before[entry_id].add(judge_id)
    now: dict[str, set[str]] = defaultdict(set)
    for entry_id, judge_id in new_pairs:
        now[entry_id].add(judge_id)
    final_changes = []
    for entry_id, old, _new in changes:
        added = sorted(now[entry_id] - before[entry_id])
        final_changes.append((entry_id, old, added[0] if added else ""))
    return new_pairs, final_changes


def _rebalance_barred(entries, judges, entry_judges, quotas, tree, same_city, barred) -> None:
    n_j = len(judges)
    loads = np.zeros(n_j, dtype=int)
    by_judge: dict[int, set[int]] = defaultdict(set)
    for i, js in enumerate(entry_judges):
        for k in js:
            loads[k] += 1
            by_judge[k].add(i)
    target = np.array(quotas)
    for _ in range(10000):
        excess = loads - target
        hi = int(np.argmax(excess))
        if excess[hi] <= 0:
            return
        moved = False
        for lo in np.argsort(excess, kind="stable"):
            if excess[lo] >= 0:
                break
            cap = judges[lo].capacity
            if cap is not None and loads[lo] >= cap:
                continue
            for i in list(by_judge[hi]):
                if (lo in entry_judges[i] or judges[lo].id in barred.get(i, ())
                        or is_conflict(entries[i].library, judges[lo].library, tree, same_city)):
                    continue
                _move(i, hi, lo, entry_judges, by_judge, loads)
                moved = True
                break
            if moved:
                break
        if not moved:
            return
