"""Comparative judgement: the Bradley–Terry fit, its reliability figures, the pairing rules and the
offline `judging_compare` command."""

import csv
import random

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from judging.assignment import EntrySpec, JudgeSpec, LibraryTree, is_conflict
from judging.comparative import Judgement, PairingState, fit, next_pair_for_judge, next_pairs, rank_intervals
from judging.simulation import simulate_panel, spearman


def _run(panel, per_entry, seed=1, batch=200):
    done = []
    target = len(panel.entries) * per_entry // 2
    while len(done) < target:
        state = PairingState(entries=panel.entries, judges=panel.judges, done=done, tree=panel.tree, seed=seed + len(done))
        rows = next_pairs(state, min(batch, target - len(done)))
        assert rows, "pairing stalled"
        done += [Judgement(a, b, j, panel.compare(a, b, j)) for a, b, j in rows]
    return done


@pytest.fixture(scope="module")
def panel_fit():
    panel = simulate_panel(n_entries=200, n_judges=12, n_careless=1, n_biased=1, n_cities=10, seed=5)
    done = _run(panel, 12)
    return panel, done, fit(done, seed=1)


def test_fit_recovers_the_order_and_discounts_a_careless_judge(panel_fit):
    panel, done, result = panel_fit
    estimate = {e.entry_id: e.score for e in result.entries}
    assert set(estimate) == set(panel.truth)
    assert spearman(panel.truth, estimate) > 0.85
    careless = panel.careless[0]
    assert result.judges[careless].weight < 0.4
    assert result.judges[careless].flagged
    typical = [m.weight for j, m in result.judges.items() if j != careless]
    assert np.mean(typical) > 0.9
    # Ranks run 1..n and every rank interval holds its rank.
    assert sorted(e.rank for e in result.entries) == list(range(1, len(result.entries) + 1))
    assert all(e.rank_low <= e.rank <= e.rank_high for e in result.entries)
    assert all(e.se > 0 for e in result.entries)


def test_reliability_figures_are_in_range_and_not_overstated(panel_fit):
    panel, done, result = panel_fit
    assert 0.5 < result.ssr < 1
    assert result.split_half is not None and 0.3 < result.split_half < 1
    # A second, independent run of the same panel: SSR must not promise more agreement than it gets.
    rerun = fit(_run(panel, 12, seed=99), split_half=False)
    first = {e.entry_id: e.score for e in result.entries}
    second = {e.entry_id: e.score for e in rerun.entries}
    keys = sorted(first)
    achieved = np.corrcoef([first[k] for k in keys], [second[k] for k in keys])[0, 1]
    assert result.ssr <= achieved + 0.05


def test_a_tie_counts_half_a_win_for_each():
    rows = [Judgement("A", "B", "j1", "tie"), Judgement("A", "B", "j2", "tie"),
            Judgement("A", "C", "j1", "a"), Judgement("B", "C", "j2", "a")]
    result = fit(rows, split_half=False).by_entry()
    assert result["A"].wins == result["B"].wins == 2.0
    assert abs(result["A"].score - result["B"].score) < 1e-6
    assert result["C"].score < result["A"].score


def test_more_wins_rank_higher_and_unanimous_entries_stay_finite():
    rows = [Judgement("top", other, f"j{k % 3}", "a") for k, other in enumerate(["x", "y", "z"] * 3)]
    rows += [Judgement("x", "y", "j1", "a"), Judgement("y", "z", "j2", "a"), Judgement("x", "z", "j0", "a")]
    result = fit(rows, split_half=False)
    assert result.entries[0].entry_id == "top"
    assert all(np.isfinite(e.score) and np.isfinite(e.se) for e in result.entries)


def test_rank_intervals_widen_with_uncertainty():
    scores = np.array([3.0, 2.9, 0.0, -3.0])
    rank, low, high = rank_intervals(scores, np.array([0.05, 0.05, 0.05, 0.05]))
    assert rank.tolist() == [1, 2, 3, 4] and low.tolist() == [1, 1, 3, 4] and high.tolist() == [2, 2, 3, 4]
    rank, low, high = rank_intervals(scores, np.array([1.0, 1.0, 1.0, 1.0]))
    assert low.tolist() == [1, 1, 1, 3] and high.tolist() == [3, 3, 4, 4]


def _tree():
    rows = [{"code": "C1", "level": "city", "parent_code": "P"}, {"code": "C1K", "level": "county", "parent_code": "C1"},
            {"code": "C2", "level": "city", "parent_code": "P"}, {"code": "C2K", "level": "county", "parent_code": "C2"}]
    return LibraryTree.from_rows(rows)


def test_pairing_honours_conflicts_reaches_the_minimum_and_spreads_work():
    tree = _tree()
    libs = ["C1", "C1K", "C2", "C2K"]
    entries = [EntrySpec(f"E{n}", libs[n % 4]) for n in range(40)]
    judges = [JudgeSpec(f"J{n}", libs[n % 4]) for n in range(8)]
    state = PairingState(entries=entries, judges=judges, tree=tree, same_city=True, seed=3)
    rows = next_pairs(state, 40 * 6 // 2)
    lib_of = {e.id: e.library for e in entries} | {j.id: j.library for j in judges}
    for a, b, j in rows:
        assert a != b
        assert not is_conflict(lib_of[a], lib_of[j], tree, True)
        assert not is_conflict(lib_of[b], lib_of[j], tree, True)
    counts = {e.id: 0 for e in entries}
    for a, b, _ in rows:
        counts[a] += 1
        counts[b] += 1
    assert min(counts.values()) >= 5
    loads = [sum(1 for *_, j in rows if j == judge.id) for judge in judges]
    assert max(loads) - min(loads) <= 1
    keyed = [(j, *sorted((a, b))) for a, b, j in rows]
    assert len(keyed) == len(set(keyed)), "a judge saw the same pair twice"


def test_later_pairs_concentrate_where_the_order_is_uncertain():
    panel = simulate_panel(n_entries=150, n_judges=10, n_careless=0, n_biased=0, n_cities=8, seed=9)
    done = _run(panel, 6)
    scores = {e.entry_id: e.score for e in fit(done, split_half=False).entries}
    adaptive = next_pairs(PairingState(entries=panel.entries, judges=panel.judges, done=done, tree=panel.tree,
                                       seed=2), 150)
    rng = random.Random(2)
    ids = [e.id for e in panel.entries]
    random_pairs = [rng.sample(ids, 2) for _ in range(150)]
    gap = np.mean([abs(scores[a] - scores[b]) for a, b, _ in adaptive])
    random_gap = np.mean([abs(scores[a] - scores[b]) for a, b in random_pairs])
    assert gap < 0.5 * random_gap


def test_next_pair_for_one_judge_avoids_their_library():
    entries = [EntrySpec("E1", "L1"), EntrySpec("E2", "L2"), EntrySpec("E3", "L3")]
    judges = [JudgeSpec("J", "L1")]
    pair = next_pair_for_judge(PairingState(entries=entries, judges=judges), "J")
    assert pair is not None and "E1" not in pair and set(pair) == {"E2", "E3"}
    assert next_pair_for_judge(PairingState(entries=entries[:2], judges=judges), "J") is None


def _write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.mark.django_db
def test_offline_commands_next_then_fit(tmp_path, capsys):
    panel = simulate_panel(n_entries=60, n_judges=8, n_careless=1, n_biased=0, n_cities=6, seed=4)
    _write(tmp_path / "entries.csv", ["entry_id", "library_code"], [(e.id, e.library) for e in panel.entries])
    _write(tmp_path / "judges.csv", ["judge_id", "library_code"], [(j.id, j.library) for j in panel.judges])
    done = []
    for round_no in range(4):
        args = ["judging_compare", "next", "--entries", str(tmp_path / "entries.csv"),
                "--judges", str(tmp_path / "judges.csv"), "--batch", "75", "--out", str(tmp_path / "next.csv"),
                "--seed", str(round_no)]
        if done:
            args += ["--judgements", str(tmp_path / "done.csv")]
        call_command(*args)
        with open(tmp_path / "next.csv", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == ["entry_a", "entry_b", "judge"]
            batch = list(reader)
        assert len(batch) == 75
        done += [(r["entry_a"], r["entry_b"], r["judge"], panel.compare(r["entry_a"], r["entry_b"], r["judge"]))
                 for r in batch]
        _write(tmp_path / "done.csv", ["entry_a", "entry_b", "judge", "winner"], done)
    capsys.readouterr()
    call_command("judging_compare", "fit", "--judgements", str(tmp_path / "done.csv"), "--out", str(tmp_path / "r.csv"))
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("SSR=") and " split_half=" in out[-1]
    ssr_value = float(out[-1].split()[0].split("=")[1])
    assert 0 < ssr_value < 1
    with open(tmp_path / "r.csv", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[:4] == ["entry", "score", "se", "rank"]
        rows = list(reader)
    assert len(rows) == 60
    assert sorted(int(r["rank"]) for r in rows) == list(range(1, 61))
    estimate = {r["entry"]: float(r["score"]) for r in rows}
    assert spearman(panel.truth, estimate) > 0.7


@pytest.mark.django_db
@pytest.mark.parametrize("row, message", [
    (["E1", "E2", "J1", "left"], "winner"),
    (["E1", "E1", "J1", "a"], "itself"),
    (["E1", "", "J1", "a"], "entry_b"),
])
def test_bad_judgement_rows_are_named(tmp_path, row, message):
    _write(tmp_path / "done.csv", ["entry_a", "entry_b", "judge", "winner"], [["E1", "E2", "J1", "a"], row])
    with pytest.raises(CommandError) as err:
        call_command("judging_compare", "fit", "--judgements", str(tmp_path / "done.csv"), "--out", str(tmp_path / "r.csv"))
    text = str(err.value)
    assert "第 3 行" in text and "row 3" in text and message in text


@pytest.mark.django_db
def test_next_refuses_judgements_about_unknown_entries(tmp_path):
    _write(tmp_path / "entries.csv", ["entry_id", "library_code"], [("E1", "X1"), ("E2", "X2")])
    _write(tmp_path / "judges.csv", ["judge_id", "library_code"], [("J1", "X3")])
    _write(tmp_path / "done.csv", ["entry_a", "entry_b", "judge", "winner"], [("E1", "E9", "J1", "a")])
    with pytest.raises(CommandError, match="E9"):
        call_command("judging_compare", "next", "--entries", str(tmp_path / "entries.csv"), "--judges",
                     str(tmp_path / "judges.csv"), "--judgements", str(tmp_path / "done.csv"), "--batch", "1",
                     "--out", str(tmp_path / "n.csv"))
