"""CSV input/output for offline judging (`judging_assign`, `judging_aggregate`). Errors name the
file, the row and the column, Chinese first. Files are written through config/spreadsheets.py (no cell
an organizer opens in Excel runs as a formula)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from config.errors import UserFacingError
from config.spreadsheets import CsvWriter
from config.text import decode_csv
from judging.aggregation import Aggregate
from judging.assignment import EntrySpec, JudgeSpec, LibraryTree


class CsvError(UserFacingError):
    pass


def _decode(data: bytes) -> str:
    text = decode_csv(data)
    if text is not None:
        return text
    raise CsvError("encoding", "文件编码无法识别，请保存为 UTF-8 CSV", "unknown file encoding; save it as UTF-8 CSV")


def read_csv(path: str | Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number counting the header as 1, row) pairs; checks the required columns."""
    path = Path(path)
    if not path.is_file():
        raise CsvError("no_file", f"找不到文件：{path}", f"file not found: {path}")
    rows = list(csv.reader(io.StringIO(_decode(path.read_bytes()))))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise CsvError("empty", f"{path.name} 是空的", f"{path.name} is empty")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise CsvError(
            "columns", f"{path.name} 缺少列：{', '.join(missing)}（需要 {','.join(required)}）",
            f"{path.name} is missing columns: {', '.join(missing)} (expected {','.join(required)})",
        )
    out = []
    for n, row in enumerate(rows[1:], start=2):
        out.append((n, {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}))
    return out


def _library(path: Path, n: int, code: str, tree: LibraryTree, allow_unknown: bool = False) -> str:
    if not code:
        raise CsvError("library_missing", f"{path.name} 第 {n} 行：缺少 library_code",
                       f"{path.name} row {n}: library_code is empty")
    if code not in tree and not allow_unknown:
        raise CsvError("library_unknown", f"{path.name} 第 {n} 行：未知的图书馆代码 {code}",
                       f"{path.name} row {n}: unknown library code {code}")
    return code


def read_entries(path: str | Path, tree: LibraryTree, allow_unknown: bool = False) -> list[EntrySpec]:
    """allow_unknown: a library code not in the tree is kept as it is (it then conflicts only with
    judges of that same code) instead of refused."""
    path = Path(path)
    entries, seen = [], set()
    for n, row in read_csv(path, ["entry_id", "library_code"]):
        if not row["entry_id"]:
            raise CsvError("id_missing", f"{path.name} 第 {n} 行：缺少 entry_id", f"{path.name} row {n}: entry_id is empty")
        if allow_unknown and row["entry_id"] in seen:
            raise CsvError("duplicate", f"{path.name} 第 {n} 行：作品 {row['entry_id']} 重复",
                           f"{path.name} row {n}: entry {row['entry_id']} appears twice")
        seen.add(row["entry_id"])
        entries.append(EntrySpec(row["entry_id"], _library(path, n, row["library_code"], tree, allow_unknown)))
    return entries


def read_judges(path: str | Path, tree: LibraryTree, allow_unknown: bool = False) -> list[JudgeSpec]:
    path = Path(path)
    judges = []
    for n, row in read_csv(path, ["judge_id", "library_code"]):
        if not row["judge_id"]:
            raise CsvError("id_missing", f"{path.name} 第 {n} 行：缺少 judge_id", f"{path.name} row {n}: judge_id is empty")
        capacity = None
        if row.get("capacity"):
            try:
                capacity = int(row["capacity"])
                if capacity < 0:
                    raise ValueError
            except ValueError:
                raise CsvError("capacity", f"{path.name} 第 {n} 行：capacity 必须是非负整数，而不是 {row['capacity']}",
                               f"{path.name} row {n}: capacity must be a whole number ≥ 0, not {row['capacity']}") from None
        judges.append(JudgeSpec(row["judge_id"], _library(path, n, row["library_code"], tree, allow_unknown), capacity))
    return judges


def _number(path: Path, n: int, column: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise CsvError("number", f"{path.name} 第 {n} 行：{column} 不是数字：{value!r}",
                       f"{path.name} row {n}: {column} is not a number: {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise CsvError("number", f"{path.name} 第 {n} 行：{column} 不是有效数字", f"{path.name} row {n}: {column} is not finite")
    return number


def read_scores(path: str | Path) -> list[tuple[str, str, str, float]]:
    path = Path(path)
    rows, seen = [], set()
    for n, row in read_csv(path, ["entry_id", "judge_id", "criterion", "score"]):
        for column in ("entry_id", "judge_id", "criterion", "score"):
            if not row[column]:
                raise CsvError("empty_cell", f"{path.name} 第 {n} 行：{column} 为空", f"{path.name} row {n}: {column} is empty")
        key = (row["entry_id"], row["judge_id"], row["criterion"])
        if key in seen:
            raise CsvError("duplicate", f"{path.name} 第 {n} 行：同一评委对同一作品同一项重复打分",
                           f"{path.name} row {n}: duplicate score for the same entry, judge and criterion")
        seen.add(key)
        rows.append((*key, _number(path, n, "score", row["score"])))
    if not rows:
        raise CsvError("empty", f"{path.name} 没有分数", f"{path.name} has no scores")
    return rows


def read_weights(path: str | Path) -> dict[str, float]:
    path = Path(path)
    weights = {}
    for n, row in read_csv(path, ["criterion", "weight"]):
        weight = _number(path, n, "weight", row["weight"])
        if weight < 0:
            raise CsvError("weight", f"{path.name} 第 {n} 行：权重不能为负", f"{path.name} row {n}: weight must not be negative")
        weights[row["criterion"]] = weight
    if not weights or sum(weights.values()) <= 0:
        raise CsvError("weights", f"{path.name} 的权重之和必须大于 0", f"the weights in {path.name} must add up to more than 0")
    return weights


def write_assignment(path: str | Path, pairs: list[tuple[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = CsvWriter(fh)
        writer.writerow(["entry_id", "judge_id"])
        writer.writerows(pairs)


RESULT_COLUMNS = ["entry_id", "n_scores", "raw_mean", "trimmed_mean", "calibrated", "ci_low", "ci_high", "rank", "flags"]


def write_results(path: str | Path, aggregate: Aggregate) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = CsvWriter(fh)
        writer.writerow(RESULT_COLUMNS)
        for r in sorted(aggregate.entries, key=lambda r: r.rank):
            writer.writerow([
                r.entry_id, r.n_scores, f"{r.raw_mean:.3f}", f"{r.trimmed_mean:.3f}", f"{r.calibrated:.3f}",
                f"{r.ci_low:.3f}", f"{r.ci_high:.3f}", r.rank, ";".join(r.flags),
            ])


def read_judgements(path: str | Path, *, entries: set[str] | None = None, judges: set[str] | None = None):
    """Rows entry_a,entry_b,judge,winner (winner: a, b or tie) → comparative.Judgement list."""
    from judging.comparative import WINNERS, Judgement

    path = Path(path)
    out = []
    for n, row in read_csv(path, ["entry_a", "entry_b", "judge", "winner"]):
        for column in ("entry_a", "entry_b", "judge", "winner"):
            if not row[column]:
                raise CsvError("empty_cell", f"{path.name} 第 {n} 行：{column} 为空", f"{path.name} row {n}: {column} is empty")
        winner = row["winner"].lower()
        if winner not in WINNERS:
            raise CsvError("winner", f"{path.name} 第 {n} 行：winner 只能是 a、b 或 tie，而不是 {row['winner']!r}",
                           f"{path.name} row {n}: winner must be a, b or tie, not {row['winner']!r}")
        if row["entry_a"] == row["entry_b"]:
            raise CsvError("same_entry", f"{path.name} 第 {n} 行：作品不能和自己比较",
                           f"{path.name} row {n}: an entry cannot be compared with itself")
        for column in ("entry_a", "entry_b"):
            if entries is not None and row[column] not in entries:
                raise CsvError("entry_unknown", f"{path.name} 第 {n} 行：{column} {row[column]} 不在作品名单中",
                               f"{path.name} row {n}: {column} {row[column]} is not in the entries file")
        if judges is not None and row["judge"] not in judges:
            raise CsvError("judge_unknown", f"{path.name} 第 {n} 行：评委 {row['judge']} 不在评委名单中",
                           f"{path.name} row {n}: judge {row['judge']} is not in the judges file")
        out.append(Judgement(row["entry_a"], row["entry_b"], row["judge"], winner))
    return out


def write_pairs(path: str | Path, pairs: list[tuple[str, str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = CsvWriter(fh)
        writer.writerow(["entry_a", "entry_b", "judge"])
        writer.writerows(pairs)


def write_fit(path: str | Path, result) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = CsvWriter(fh)
        writer.writerow(["entry", "score", "se", "rank", "rank_low", "rank_high", "comparisons"])
        for e in result.entries:
            writer.writerow([e.entry_id, f"{e.score:.4f}", f"{e.se:.4f}", e.rank, e.rank_low, e.rank_high,
                             e.n_comparisons])
