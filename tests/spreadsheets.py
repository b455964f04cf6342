"""Checks shared by the export tests: a cell a spreadsheet would run as a formula never leaves us."""

import csv
import io
import zipfile

from openpyxl import load_workbook

HOSTILE = '=HYPERLINK("http://x","x")'


def assert_no_formulas(data: bytes) -> None:
    """No formula anywhere in the workbook's XML, and every formula-looking text cell is a quoted string."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    for ws in load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in ("=", "+", "-", "@"):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate, cell.value)


def xlsx_values(data: bytes) -> list:
    return [v for ws in load_workbook(io.BytesIO(data)).worksheets for row in ws.iter_rows(values_only=True) for v in row]


def assert_csv_neutralised(text: str) -> None:
    """Every field that begins like a formula carries the apostrophe (numbers are numbers)."""
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        for field in row:
            if field[:1] in ("=", "+", "@", "\t", "\r") or (field[:1] == "-" and not _number(field)):
                raise AssertionError(f"live formula cell in CSV: {field!r}")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
