"""Import the library federation from CSV or XLSX (columns: code, name, level, parent_code, province).

The whole file is validated first; any bad row is reported with its row number and nothing is
written. Re-importing updates libraries by code."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from campaigns.models import Library
from campaigns.page_cache import pages_changed
from config.text import decode_csv

COLUMNS = ["code", "name", "level", "parent_code", "province"]


@dataclass
class RowError:
    row: int
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 (row {self.row}): {self.message_zh} / {self.message_en}"


class LibraryImportError(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int


def read_rows(path: Path | str, content: bytes | None = None) -> list[dict]:
    """Rows as dicts with the header's keys; row numbers count the header as row 1."""
    path = Path(path)
    data = content if content is not None else path.read_bytes()
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        values = [["" if v is None else str(v).strip() for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        text = _decode(data)
        values = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    if not values:
        raise LibraryImportError([RowError(1, "文件是空的", "the file is empty")])
    header = [h.strip().lower() for h in values[0]]
    missing = [c for c in COLUMNS if c not in header and c != "province"]
    if missing:
        raise LibraryImportError(
            [RowError(1, f"缺少列：{', '.join(missing)}", f"missing columns: {', '.join(missing)}")]
        )
    rows = []
    for number, cells in enumerate(values[1:], start=2):
        if not any(cells):
            continue
        row = {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(header)}
        row["_row"] = number
        rows.append(row)
    return rows


def _decode(data: bytes) -> str:
    text = decode_csv(data)
    if text is not None:
        return text
    raise LibraryImportError([RowError(1, "无法识别文件编码，请另存为 UTF-8 CSV", "unknown encoding; save as UTF-8 CSV")])


def libraries_import(*, path: Path | str, content: bytes | None = None) -> ImportResult:
    rows = read_rows(path, content)
    existing = {lib.code: lib for lib in Library.objects.all()}
    errors: list[RowError] = []
    by_code: dict[str, dict] = {}
    for row in rows:
        code, level, name = row.get("code", ""), row.get("level", "").lower(), row.get("name", "")
        n = row["_row"]
        if not code:
            errors.append(RowError(n, "缺少代码 code", "code is empty"))
            continue
        if code in by_code:
            first = by_code[code]["_row"]
            errors.append(RowError(n, f"代码 {code} 重复（第 {first} 行已有）", f"duplicate code {code} (also row {first})"))
            continue
        if not name:
            errors.append(RowError(n, f"{code} 缺少名称", f"{code}: name is empty"))
        if level not in Library.LEVEL_RANK:
            errors.append(
                RowError(n, f"{code} 的级别“{level}”无效，应为 national/provincial/city/county",
                         f"{code}: level '{level}' must be national, provincial, city or county")
            )
        row["level"] = level
        by_code[code] = row

    def level_of(code: str) -> str | None:
        if code in by_code:
            return by_code[code]["level"]
        return existing[code].level if code in existing else None

    for code, row in by_code.items():
        n, parent_code, level = row["_row"], row.get("parent_code", ""), row["level"]
        if level not in Library.LEVEL_RANK:
            continue
        if level == "national":
            if parent_code:
                errors.append(RowError(n, f"国家馆 {code} 不能有上级馆", f"national library {code} cannot have a parent"))
            continue
        if not parent_code:
            errors.append(RowError(n, f"{code} 缺少上级馆代码 parent_code", f"{code}: parent_code is empty"))
            continue
        parent_level = level_of(parent_code)
        if parent_level is None:
            errors.append(RowError(n, f"{code} 的上级馆 {parent_code} 不存在", f"{code}: unknown parent {parent_code}"))
        elif parent_level in Library.LEVEL_RANK and Library.LEVEL_RANK[parent_level] >= Library.LEVEL_RANK[level]:
            errors.append(
                RowError(n, f"{code}（{level}）不能隶属于 {parent_code}（{parent_level}）",
                         f"{code} ({level}) cannot sit under {parent_code} ({parent_level})")
            )
    errors += _cycle_errors(by_code, existing)
    if errors:
        raise LibraryImportError(sorted(errors, key=lambda e: e.row))
    return _write(by_code, existing)


def _cycle_errors(by_code: dict, existing: dict) -> list[RowError]:
    errors = []
    for code, row in by_code.items():
        seen, current = {code}, row.get("parent_code")
        while current:
            if current in seen:
                errors.append(RowError(row["_row"], f"{code} 的上级关系形成循环", f"{code}: parent chain loops"))
                break
            seen.add(current)
            current = by_code[current].get("parent_code") if current in by_code else (
                existing[current].parent.code if current in existing and existing[current].parent_id else None)
    return errors


@transaction.atomic
def _write(by_code: dict, existing: dict) -> ImportResult:
    created = updated = unchanged = 0
    for code, row in by_code.items():
        fields = {"name": row["name"], "level": row["level"], "province": row.get("province", "")}
        lib = existing.get(code)
        if lib is None:
            existing[code] = Library.objects.create(code=code, path=f"/{code}/", **fields)
            created += 1
        elif any(getattr(lib, k) != v for k, v in fields.items()) or (lib.parent.code if lib.parent_id else "") != (
            row.get("parent_code") or ""
        ):
            for k, v in fields.items():
                setattr(lib, k, v)
            updated += 1
        else:
            unchanged += 1
    for code, row in by_code.items():
        lib = existing[code]
        parent_code = row.get("parent_code") or ""
        lib.parent = existing[parent_code] if parent_code else None
        lib.save()
    library_paths_rebuild()
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def library_paths_rebuild() -> None:
    """Recompute every materialised path from the parent links (the tree is small: one pass)."""
    libraries = {lib.pk: lib for lib in Library.objects.all()}
    cache: dict[int, str] = {}

    def path_of(lib: Library) -> str:
        if lib.pk not in cache:
            parent = libraries.get(lib.parent_id)
            cache[lib.pk] = (path_of(parent) if parent else "/") + f"{lib.code}/"
        return cache[lib.pk]

    changed = []
    for lib in libraries.values():
        path = path_of(lib)
        if lib.path != path:
            lib.path = path
            changed.append(lib)
    Library.objects.bulk_update(changed, ["path"], batch_size=500)
    if changed:
        pages_changed()  # bulk_update sends no post_save (campaigns/page_cache.py)
