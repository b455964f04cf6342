"""Assignment: conflicts never violated, balanced loads, connected judge graph, anchors, reassignment."""

import random
from collections import Counter

import pytest

from judging.assignment import (
    AssignmentError,
    EntrySpec,
    JudgeSpec,
    LibraryTree,
    assign,
    is_conflict,
    is_connected,
    load_spread,
    reassign,
)


def random_tree(rng: random.Random) -> tuple[LibraryTree, list[str]]:
    rows = [{"code": "N", "level": "national", "parent_code": ""}]
    for p in range(rng.randint(2, 5)):
        rows.append({"code": f"P{p}", "level": "provincial", "parent_code": "N"})
        for c in range(rng.randint(1, 4)):
            rows.append({"code": f"C{p}{c}", "level": "city", "parent_code": f"P{p}"})
            for x in range(rng.randint(0, 4)):
                rows.append({"code": f"X{p}{c}{x}", "level": "county", "parent_code": f"C{p}{c}"})
    tree = LibraryTree.from_rows(rows)
    return tree, [r["code"] for r in rows]


@pytest.mark.parametrize("seed", range(25))
def test_never_same_library_or_city_on_random_trees(seed):
    rng = random.Random(seed)
    tree, codes = random_tree(rng)
    same_city = seed % 2 == 0
    entries = [EntrySpec(f"e{n}", rng.choice(codes)) for n in range(rng.randint(20, 200))]
    judges = [JudgeSpec(f"j{n}", rng.choice(codes)) for n in range(rng.randint(8, 20))]
    k = rng.randint(1, 3)
    try:
        result = assign(entries, judges, k, tree=tree, same_city=same_city, anchors=rng.randint(0, 2), seed=seed)
    except AssignmentError as exc:
        # Refusal is only allowed when some library truly lacks k eligible judges.
        lib = exc.extra["library"]
        eligible = [j for j in judges if not is_conflict(lib, j.library, tree, same_city)]
        assert len(eligible) < k
        return
    lib = {e.id: e.library for e in entries}
    jlib = {j.id: j.library for j in judges}
    assert all(lib[e] != jlib[j] for e, j in result.pairs)
    if same_city:
        assert all(tree.city_of(lib[e]) != tree.city_of(jlib[j]) for e, j in result.pairs)
    per_entry = Counter(e for e, _ in result.pairs)
    assert all(per_entry[e.id] >= k for e in entries)
    assert len(set(result.pairs)) == len(result.pairs)  # distinct judges per entry


def test_county_conflicts_with_its_city_when_same_city_is_on():
    tree = LibraryTree.from_rows([
        {"code": "P", "level": "provincial", "parent_code": ""},
        {"code": "C", "level": "city", "parent_code": "P"},
        {"code": "X", "level": "county", "parent_code": "C"},
    ])
    assert is_conflict("X", "C", tree, True)
    assert not is_conflict("X", "C", tree, False)
    assert not is_conflict("X", "P", tree, True)


def test_balanced_loads_and_connected_graph():
    rng = random.Random(5)
    libs = [f"L{n}" for n in range(50)]
    entries = [EntrySpec(f"e{n}", rng.choice(libs)) for n in range(997)]
    judges = [JudgeSpec(f"j{n}", libs[n]) for n in range(23)]
    result = assign(entries, judges, 3, anchors=2, seed=1)
    assert load_spread(result) <= 1
    assert is_connected([j.id for j in judges], result.pairs)
    counts = Counter(e for e, _ in result.pairs)
    assert len(result.anchors) == 2
    assert all(counts[a] > 3 for a in result.anchors)


def test_connected_even_without_anchors():
    rng = random.Random(2)
    libs = [f"L{n}" for n in range(30)]
    entries = [EntrySpec(f"e{n}", rng.choice(libs)) for n in range(400)]
    judges = [JudgeSpec(f"j{n}", libs[n]) for n in range(20)]
    result = assign(entries, judges, 2, anchors=0, seed=3)
    assert is_connected([j.id for j in judges], result.pairs)


def test_loads_proportional_to_capacity():
    entries = [EntrySpec(f"e{n}", "A") for n in range(300)]
    judges = [JudgeSpec("j1", "B", 100), JudgeSpec("j2", "C", 200), JudgeSpec("j3", "D", 300)]
    result = assign(entries, judges, 2)
    assert result.loads == {"j1": 100, "j2": 200, "j3": 300}


def test_clear_error_when_too_few_judges_outside_a_library():
    entries = [EntrySpec("e1", "A"), EntrySpec("e2", "B")]
    judges = [JudgeSpec("j1", "A"), JudgeSpec("j2", "C")]
    with pytest.raises(AssignmentError) as info:
        assign(entries, judges, 2)
    assert "A" in info.value.message_zh and "outside" in info.value.message_en


def test_error_when_capacity_short():
    entries = [EntrySpec(f"e{n}", "A") for n in range(10)]
    with pytest.raises(AssignmentError) as info:
        assign(entries, [JudgeSpec("j1", "B", 3), JudgeSpec("j2", "C", 3)], 1)
    assert info.value.code == "capacity_short"


def test_reassign_after_drop_and_conflict_keeps_constraints():
    rng = random.Random(9)
    libs = [f"L{n}" for n in range(40)]
    entries = [EntrySpec(f"e{n}", rng.choice(libs)) for n in range(600)]
    judges = [JudgeSpec(f"j{n}", libs[n]) for n in range(24)]
    result = assign(entries, judges, 3, anchors=2, seed=2)
    victim = next(p for p in result.pairs if p[1] != "j0")
    new_pairs, changes = reassign(entries, judges, result.pairs, drop_judges={"j0"}, conflicts={victim})
    assert not any(j == "j0" for _, j in new_pairs)
    assert victim not in new_pairs
    lib = {e.id: e.library for e in entries}
    jlib = {j.id: j.library for j in judges}
    assert all(lib[e] != jlib[j] for e, j in new_pairs)
    counts = Counter(e for e, _ in new_pairs)
    assert all(counts[e.id] >= 3 for e in entries)
    loads = Counter(j for _, j in new_pairs)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert is_connected([j.id for j in judges if j.id != "j0"], new_pairs)
    assert changes and all(new for _, _, new in changes if new)


def test_real_library_tree_with_same_city_conflict():
    import csv

    from django.conf import settings

    with open(settings.BASE_DIR / "campaigns" / "examples" / "libraries.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    tree = LibraryTree.from_rows(rows)
    codes = [r["code"] for r in rows]
    rng = random.Random(42)
    entries = [EntrySpec(f"e{n}", rng.choice(codes)) for n in range(3000)]
    judges = [JudgeSpec(f"j{n}", code) for n, code in enumerate(rng.sample(codes, 40))]
    result = assign(entries, judges, 3, tree=tree, same_city=True, anchors=3, seed=1)
    lib = {e.id: e.library for e in entries}
    jlib = {j.id: j.library for j in judges}
    assert not any(lib[e] == jlib[j] or tree.city_of(lib[e]) == tree.city_of(jlib[j]) for e, j in result.pairs)
    assert load_spread(result) <= 1 and is_connected([j.id for j in judges], result.pairs)
