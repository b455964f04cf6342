"""Every spreadsheet the product writes (XLSX and CSV) goes through here.

Exports carry text that families typed (a child's nickname, a library's name), and a spreadsheet
runs text beginning with `= + - @` (or a tab / carriage return before one) as a formula: a nickname
`=HYPERLINK("http://…","x")` would become a live link in the organizer's Excel. So:

- XLSX: such text is written as a string cell with Excel's "quote prefix" (shown exactly as typed,
  never evaluated, and still text when the organizer edits the cell);
- CSV, which has no cell types: such text gets a leading apostrophe (OWASP's advice).

Numbers stay numbers, also when written as text (a negative score is not a formula)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")  # "-1.250" in an offline-judging CSV stays a number
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value)


def csv_cell(value):
    """A CSV field that no spreadsheet will run; None becomes an empty field."""
    if value is None:
        return ""
    return "'" + value if is_formula_like(value) else value


class CsvWriter:
    """csv.writer whose every field goes through `csv_cell`."""

    def __init__(self, fh, **kwargs):
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([csv_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(rows: Iterable[Iterable], *, bom: bool = True) -> str:
    """Rows as CSV text; the UTF-8 BOM lets Excel open Chinese text correctly."""
    out = io.StringIO()
    CsvWriter(out).writerows(rows)
    return ("\ufeff" if bom else "") + out.getvalue()


@dataclass
class Sheet:
    title: str  # Excel allows 31 characters; longer titles are cut
    headers: Sequence[str]
    rows: Sequence[Sequence]


_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="F3E9E9")


def _cell(ws, value):
    cell = WriteOnlyCell(ws, value="" if value is None else value)
    if is_formula_like(value):
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        cell.quotePrefix = True
    return cell


def xlsx_bytes(sheets: Iterable[Sheet], *, title: str = "") -> bytes:
    """A workbook with one sheet per `Sheet`: bold frozen header row, columns sized to their text.

    Written in openpyxl's write-only mode, so a 100 000-row leaderboard streams instead of building
    a cell object per value in memory first."""
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=(sheet.title or "sheet")[:31])
        for i, header in enumerate(sheet.headers, start=1):
            width = max([len(str(header))] + [len(str(r[i - 1])) for r in sheet.rows[:200] if len(r) >= i])
            ws.column_dimensions[get_column_letter(i)].width = min(max(10, width * 1.3), 48)
        ws.freeze_panes = "A2"
        header_cells = []
        for header in sheet.headers:
            cell = _cell(ws, header)
            cell.font, cell.fill = _BOLD, _FILL
            header_cells.append(cell)
        ws.append(header_cells)
        for row in sheet.rows:
            ws.append([_cell(ws, v) for v in row])
    if not wb.worksheets:
        wb.create_sheet(title="sheet")
    if title:
        wb.properties.title = title
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
