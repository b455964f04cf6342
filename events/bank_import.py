"""Question bank import from XLSX or CSV (the columns of corpus/data/quiz_bank.xlsx).

All rows are checked first; one bad row and nothing is written, and every bad row is reported
with its spreadsheet row number and the reason. Re-importing updates questions by their id."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass

from django.db import transaction

from config.errors import UserFacingError
from config.text import decode_csv
from events.models import OPTION_LETTERS, Question, QuestionBank

COLUMNS = ["id", "type", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "difficulty", "tags",
           "explanation"]
REQUIRED = ["id", "type", "stem", "option_a", "option_b", "answer"]
KINDS = {"single": "single", "multiple": "multiple", "truefalse": "truefalse",
         "单选": "single", "多选": "multiple", "判断": "truefalse"}
MAX_ROWS = 20000


@dataclass
class RowError:
    row: int
    reason_zh: str
    reason_en: str

    def as_dict(self) -> dict:
        return {"row": self.row, "reason_zh": self.reason_zh, "reason_en": self.reason_en}

    def __str__(self) -> str:
        return f"第 {self.row} 行 row {self.row}: {self.reason_zh} ({self.reason_en})"


def _refuse(zh: str, en: str, errors: list[RowError] | None = None) -> UserFacingError:
    extra = {"errors": [e.as_dict() for e in errors]} if errors is not None else {}
    return UserFacingError("bank_import_invalid", zh, en, status=400, **extra)


def read_rows(data: bytes, filename: str = "") -> list[list]:
    """The sheet as rows of cell values (header first), from XLSX (by content) or CSV."""
    if data[:2] == b"PK":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise _refuse("无法读取该 Excel 文件，请另存为 .xlsx 后重试", f"Cannot read this Excel file ({exc})") from exc
        sheet = workbook.worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    if filename.lower().endswith((".xls", ".xlsx")):
        raise _refuse("文件不是有效的 .xlsx 表格（旧版 .xls 请另存为 .xlsx）",
                      "Not a valid .xlsx workbook (save old .xls files as .xlsx)")
    text = decode_csv(data)
    if text is None:
        raise _refuse("CSV 文件编码无法识别，请使用 UTF-8", "Unrecognised CSV encoding, please use UTF-8")
    return [row for row in csv.reader(io.StringIO(text))]


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_rows(rows: list[list]) -> tuple[list[dict], list[RowError]]:
    if not rows or not any(_cell(v) for v in rows[0]):
        return [], [RowError(1, "文件为空或缺少表头", "The file is empty or has no header row")]
    header = [_cell(v).lower() for v in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return [], [RowError(1, f"表头缺少列：{', '.join(missing)}", f"Header lacks columns: {', '.join(missing)}")]
    if len(rows) > MAX_ROWS + 1:
        return [], [RowError(MAX_ROWS + 2, f"题目过多（最多 {MAX_ROWS} 道）", f"Too many rows (at most {MAX_ROWS})")]
    index = {name: header.index(name) for name in COLUMNS if name in header}
    parsed: list[dict] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        values = {name: _cell(row[i]) if i < len(row) else "" for name, i in index.items()}
        if not any(values.values()):
            continue  # blank line
        row_errors: list[tuple[str, str]] = []
        qid = values.get("id", "")
        if not qid:
            row_errors.append(("缺少题号 id", "missing id"))
        elif len(qid) > 40:
            row_errors.append(("题号超过 40 个字符", "id longer than 40 characters"))
        elif qid in seen:
            row_errors.append((f"题号 {qid} 与第 {seen[qid]} 行重复", f"id {qid} repeats row {seen[qid]}"))
        else:
            seen[qid] = number
        kind = KINDS.get(values.get("type", "").lower())
        if kind is None:
            row_errors.append((f"题型“{values.get('type', '')}”无效，应为 single/multiple/truefalse",
                               f"type {values.get('type', '')!r} must be single, multiple or truefalse"))
        if not values.get("stem"):
            row_errors.append(("缺少题干 stem", "missing stem"))
        options = {letter: values.get(f"option_{letter.lower()}", "") for letter in OPTION_LETTERS}
        for letter, text in options.items():
            if len(text) > 300:
                row_errors.append((f"选项 {letter} 超过 300 字", f"option {letter} longer than 300 characters"))
        present = [letter for letter in OPTION_LETTERS if options[letter]]
        if not options["A"] or not options["B"]:
            row_errors.append(("选项 A 和 B 必填", "options A and B are required"))
        elif present != list(OPTION_LETTERS[: len(present)]):
            row_errors.append(("选项须从 A 起连续填写，不能跳过", "options must be filled from A without gaps"))
        if kind == "truefalse" and len(present) != 2:
            row_errors.append(("判断题只能有 A、B 两个选项", "true/false questions have exactly options A and B"))
        answer = re.sub(r"[\s,，、;；|/]", "", values.get("answer", "").upper())
        letters = sorted(set(answer))
        if not answer:
            row_errors.append(("缺少答案 answer", "missing answer"))
        elif len(letters) != len(answer) or any(letter not in OPTION_LETTERS for letter in letters):
            row_errors.append((f"答案“{values.get('answer')}”无效，应为 A–D 字母", f"answer {values.get('answer')!r} must be letters A–D"))
        elif any(letter not in present for letter in letters):
            row_errors.append((f"答案 {answer} 指向了空选项", f"answer {answer} names an empty option"))
        elif kind in ("single", "truefalse") and len(letters) != 1:
            row_errors.append(("单选题和判断题只能有一个答案", "single and true/false questions have exactly one answer"))
        difficulty_text = values.get("difficulty", "") or "1"
        try:
            difficulty = int(float(difficulty_text))
            if not 1 <= difficulty <= 5 or float(difficulty_text) != difficulty:
                raise ValueError
        except ValueError:
            difficulty = 1
            row_errors.append((f"难度“{difficulty_text}”无效，应为 1–5 的整数", f"difficulty {difficulty_text!r} must be a whole number 1–5"))
        tags = [t.strip() for t in re.split(r"[|,，;；、]", values.get("tags", "")) if t.strip()]
        for zh, en in row_errors:
            errors.append(RowError(number, zh, en))
        if not row_errors:
            parsed.append({
                "external_id": qid, "kind": kind, "stem": values["stem"],
                "option_a": options["A"], "option_b": options["B"], "option_c": options["C"], "option_d": options["D"],
                "answer": "".join(letters), "difficulty": difficulty, "tags": tags,
                "explanation": values.get("explanation", ""),
            })
    if not parsed and not errors:
        errors.append(RowError(2, "文件中没有题目", "The file contains no questions"))
    return parsed, errors


@dataclass
class ImportResult:
    created: int
    updated: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def questions_import(*, bank: QuestionBank, data: bytes, filename: str = "") -> ImportResult:
    """Validate every row, then write all of them in one transaction (or nothing)."""
    parsed, errors = parse_rows(read_rows(data, filename))
    if errors:
        raise _refuse(
            f"题库导入失败：{len(errors)} 处错误，未导入任何题目。" + "；".join(str(e) for e in errors[:20]),
            f"Import refused: {len(errors)} error(s), nothing was imported.", errors,
        )
    created = updated = 0
    with transaction.atomic():
        existing = {q.external_id: q for q in Question.objects.select_for_update().filter(bank=bank)}
        fields = ["kind", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "difficulty", "tags",
                  "explanation"]
        to_update, to_create = [], []
        for values in parsed:
            question = existing.get(values["external_id"])
            if question is None:
                question = Question(bank=bank, **values)
                question.full_clean(exclude=["image"], validate_unique=False)
                to_create.append(question)
            else:
                for name in fields:
                    setattr(question, name, values[name])
                question.full_clean(exclude=["image"], validate_unique=False)
                to_update.append(question)
        Question.objects.bulk_create(to_create)
        Question.objects.bulk_update(to_update, fields)
        created, updated = len(to_create), len(to_update)
        bank.save(update_fields=["updated_at"])
    return ImportResult(created=created, updated=updated)
