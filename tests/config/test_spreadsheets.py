"""The one export helper: text that a spreadsheet would run is neutralised; numbers stay numbers."""

import csv
import io

import pytest
from openpyxl import load_workbook

from config.spreadsheets import Sheet, csv_cell, csv_text, xlsx_bytes
from tests.spreadsheets import HOSTILE, assert_no_formulas

DANGEROUS = [HOSTILE, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1", "=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_fields_that_start_like_a_formula_get_an_apostrophe(text):
    assert csv_cell(text) == "'" + text
    row = next(csv.reader(io.StringIO(csv_text([["a", text]], bom=False))))
    assert row == ["a", "'" + text]


def test_csv_keeps_numbers_and_ordinary_text():
    assert [csv_cell(v) for v in (-3, 2.5, "-1.250", "+4", "1e-3", "小明", "a=b", None)] == [
        -3, 2.5, "-1.250", "+4", "1e-3", "小明", "a=b", ""]
    assert csv_text([["小明"]]).startswith("\ufeff")  # Excel reads the Chinese text as UTF-8


def test_xlsx_cells_are_text_shown_as_typed():
    data = xlsx_bytes([Sheet("名单 List", ["昵称 Nickname", "分 Score"], [[t, -1] for t in DANGEROUS] + [["小明", 3]])],
                      title="t")
    assert_no_formulas(data)
    ws = load_workbook(io.BytesIO(data))["名单 List"]
    assert [c.value for c in ws["A"]][1:] == DANGEROUS + ["小明"]  # nothing added to what the family typed
    assert all(c.data_type == "s" and c.quotePrefix for c in ws["A"][1:len(DANGEROUS) + 1])
    assert ws["B2"].value == -1 and ws["B2"].data_type == "n"
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_an_xlsx_with_no_sheets_still_opens():
    assert load_workbook(io.BytesIO(xlsx_bytes([]))).sheetnames == ["sheet"]
