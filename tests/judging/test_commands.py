"""The offline commands on hand-made CSV files."""

import csv
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from judging.aggregation import baseline_raw_mean
from judging.simulation import simulate, spearman


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_judging_assign_on_handmade_csv(tmp_path):
    # No libraries in the DB: the command falls back to campaigns/examples/libraries.csv.
    entries = write(tmp_path / "E.csv", "entry_id,library_code\n" + "".join(
        f"E{n},{code}\n" for n, code in enumerate(["C-HN-CS", "X-HN-CSX", "P-HN", "C-HN-CS", "NLC", "P-HE"] * 5)))
    judges = write(tmp_path / "J.csv", "judge_id,library_code\nJ1,C-HN-CS\nJ2,X-HN-CSX\nJ3,P-HE\nJ4,NLC\nJ5,P-BJ\n")
    out = tmp_path / "A.csv"
    call_command("judging_assign", entries=str(entries), judges=str(judges), per_entry=2, out=str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    lib = {r["entry_id"]: r["library_code"] for r in csv.DictReader(entries.open(encoding="utf-8"))}
    jlib = {r["judge_id"]: r["library_code"] for r in csv.DictReader(judges.open(encoding="utf-8"))}
    assert len(rows) == 60
    assert all(lib[r["entry_id"]] != jlib[r["judge_id"]] for r in rows)
    loads = Counter(r["judge_id"] for r in rows)
    assert max(loads.values()) - min(loads.values()) <= 1


@pytest.mark.django_db
def test_judging_assign_same_city_conflict(tmp_path):
    entries = write(tmp_path / "E.csv", "entry_id,library_code\nE1,X-HN-CSX\nE2,C-HN-CS\n")
    judges = write(tmp_path / "J.csv", "judge_id,library_code\nJ1,C-HN-CS\nJ2,P-HE\nJ3,P-BJ\n")
    out = tmp_path / "A.csv"
    call_command("judging_assign", entries=str(entries), judges=str(judges), per_entry=2, out=str(out),
                 same_city_conflict=True)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert ("E1", "J1") not in {(r["entry_id"], r["judge_id"]) for r in rows}
    with pytest.raises(CommandError) as info:
        call_command("judging_assign", entries=str(entries), judges=str(judges), per_entry=3, out=str(out),
                     same_city_conflict=True)
    assert "HN-CS" in str(info.value) and "outside" in str(info.value)


@pytest.mark.django_db
def test_judging_assign_clear_errors(tmp_path):
    out = tmp_path / "A.csv"
    entries = write(tmp_path / "E.csv", "entry_id,library_code\nE1,NOPE\n")
    judges = write(tmp_path / "J.csv", "judge_id,library_code\nJ1,P-HE\n")
    with pytest.raises(CommandError, match="第 2 行.*NOPE"):
        call_command("judging_assign", entries=str(entries), judges=str(judges), per_entry=1, out=str(out))
    bad = write(tmp_path / "B.csv", "id,lib\nE1,P-HE\n")
    with pytest.raises(CommandError, match="entry_id"):
        call_command("judging_assign", entries=str(bad), judges=str(judges), per_entry=1, out=str(out))
    entries = write(tmp_path / "E.csv", "entry_id,library_code\nE1,P-HE\n")
    with pytest.raises(CommandError, match="outside"):
        call_command("judging_assign", entries=str(entries), judges=str(judges), per_entry=1, out=str(out))


def test_judging_aggregate_on_handmade_csv(tmp_path):
    scores = write(tmp_path / "S.csv", "entry_id,judge_id,criterion,score\n"
                   "A,j1,voice,9\nA,j1,rhythm,8\nA,j2,voice,4\nA,j2,rhythm,3\n"
                   "B,j1,voice,7\nB,j1,rhythm,7\nB,j3,voice,7\nB,j3,rhythm,6\n"
                   "C,j2,voice,2\nC,j2,rhythm,2\nC,j3,voice,5\nC,j3,rhythm,5\n")
    weights = write(tmp_path / "W.csv", "criterion,weight\nvoice,60\nrhythm,40\n")
    out = tmp_path / "R.csv"
    call_command("judging_aggregate", scores=str(scores), weights=str(weights), out=str(out), tolerance=2)
    rows = {r["entry_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert list(next(iter(csv.reader(out.open(encoding="utf-8"))))) == [
        "entry_id", "n_scores", "raw_mean", "trimmed_mean", "calibrated", "ci_low", "ci_high", "rank", "flags"]
    assert float(rows["A"]["raw_mean"]) == pytest.approx((8.6 + 3.6) / 2)
    assert rows["A"]["n_scores"] == "2"
    assert "disagreement" in rows["A"]["flags"] and "disagreement" not in rows["B"]["flags"]
    assert sorted(int(r["rank"]) for r in rows.values()) == [1, 2, 3]
    assert all(float(r["ci_low"]) <= float(r["calibrated"]) <= float(r["ci_high"]) for r in rows.values())


def test_judging_aggregate_errors(tmp_path):
    out = tmp_path / "R.csv"
    bad = write(tmp_path / "S.csv", "entry_id,judge_id,criterion,score\nA,j1,voice,abc\n")
    with pytest.raises(CommandError, match="第 2 行.*score"):
        call_command("judging_aggregate", scores=str(bad), out=str(out))
    good = write(tmp_path / "S2.csv", "entry_id,judge_id,criterion,score\nA,j1,voice,5\n")
    weights = write(tmp_path / "W.csv", "criterion,weight\nrhythm,1\n")
    with pytest.raises(CommandError, match="voice"):
        call_command("judging_aggregate", scores=str(good), weights=str(weights), out=str(out))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("judging_aggregate", scores=str(tmp_path / "missing.csv"), out=str(out))


def test_judging_aggregate_ranks_biased_panel_better_than_raw_mean(tmp_path):
    sim = simulate(n_entries=500, n_judges=20, per_entry=3, n_careless=2, criteria=("voice", "rhythm"), seed=11)
    scores = tmp_path / "S.csv"
    with scores.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entry_id", "judge_id", "criterion", "score"])
        writer.writerows(sim.rows)
    out = tmp_path / "R.csv"
    call_command("judging_aggregate", scores=str(scores), out=str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    calibrated = {r["entry_id"]: -int(r["rank"]) for r in rows}
    raw = baseline_raw_mean(sim.totals)
    assert spearman(sim.truth, calibrated) > spearman(sim.truth, raw) + 0.03


def test_offline_csv_outputs_never_carry_a_live_formula(tmp_path):
    from tests.spreadsheets import HOSTILE, assert_csv_neutralised

    scores = tmp_path / "S.csv"
    with scores.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["entry_id", "judge_id", "criterion", "score"])
        writer.writerows([[HOSTILE, "j1", "voice", 9], [HOSTILE, "j2", "voice", 2], ["B", "j1", "voice", 5],
                          ["B", "j2", "voice", 6]])
    out = tmp_path / "R.csv"
    call_command("judging_aggregate", scores=str(scores), out=str(out))
    text = out.read_text(encoding="utf-8")
    assert "'" + HOSTILE in {row[0] for row in csv.reader(io.StringIO(text))}
    assert_csv_neutralised(text)
