import pytest
from django.core.management import CommandError, call_command

from campaigns.library_import import LibraryImportError, libraries_import
from campaigns.models import Library


def test_real_tree_imports_with_its_levels(libraries):
    counts = {level: Library.objects.filter(level=level).count() for level in Library.LEVEL_RANK}
    assert counts == {"national": 1, "provincial": 32, "city": 211, "county": 215}
    assert libraries["X-HN-CSX"].path == "/NLC/P-HN/C-HN-CS/X-HN-CSX/"
    assert libraries["X-BJ-CY"].parent.code == "P-BJ"  # districts of municipalities sit under the province


def test_command_reimport_is_idempotent(db, corpus, capsys):
    path = str(corpus / "data" / "libraries.csv")
    call_command("importlibraries", path)
    call_command("importlibraries", path)
    assert "unchanged 459" in capsys.readouterr().out
    assert Library.objects.count() == 459


def test_reimport_updates_by_code_and_moves_subtrees(libraries, tmp_path):
    f = tmp_path / "move.csv"
    f.write_text("code,name,level,parent_code,province\nC-HN-CS,长沙市图书馆,city,P-HN-CHILD,湖南\n", encoding="utf-8")
    result = libraries_import(path=f)
    assert (result.created, result.updated) == (0, 1)
    assert Library.objects.get(code="C-HN-CS").name == "长沙市图书馆"
    assert Library.objects.get(code="X-HN-CSX").path == "/NLC/P-HN-CHILD/C-HN-CS/X-HN-CSX/"


@pytest.mark.parametrize(
    "rows, row, fragment",
    [
        ("NEW,新馆,county,NOPE,湖南", 3, "unknown parent NOPE"),
        ("NEW,新馆,provincial,C-HN-CS,湖南", 3, "cannot sit under C-HN-CS"),
        ("NEW,新馆,county,C-HN-CS,湖南\nNEW,新馆2,county,C-HN-CS,湖南", 4, "duplicate code NEW"),
        ("NEW,新馆,village,C-HN-CS,湖南", 3, "level 'village'"),
    ],
)
def test_bad_row_is_reported_by_number_and_nothing_is_written(libraries, tmp_path, rows, row, fragment):
    f = tmp_path / "bad.csv"
    f.write_text("code,name,level,parent_code,province\nGOOD,好馆,county,C-HN-CS,湖南\n" + rows + "\n", encoding="utf-8")
    with pytest.raises(LibraryImportError) as info:
        libraries_import(path=f)
    assert any(e.row == row and fragment in e.message_en for e in info.value.errors), info.value.errors
    assert not Library.objects.filter(code__in=["GOOD", "NEW"]).exists()
    assert Library.objects.count() == 459


def test_command_fails_loudly_on_a_broken_file(db, tmp_path, capsys):
    f = tmp_path / "bad.csv"
    f.write_text("code,name,level,parent_code,province\nA,甲,city,ZZ,湖南\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("importlibraries", str(f))
    assert "第 2 行" in capsys.readouterr().err
    assert Library.objects.count() == 0


def test_xlsx_is_accepted(db, corpus, tmp_path):
    import csv

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in csv.reader(open(corpus / "data" / "libraries.csv", encoding="utf-8")):
        ws.append(row)
    path = tmp_path / "libraries.xlsx"
    wb.save(path)
    assert libraries_import(path=path).created == 459


def test_gbk_csv_from_chinese_excel_is_accepted(libraries, tmp_path):
    f = tmp_path / "gbk.csv"
    f.write_bytes("code,name,level,parent_code,province\nX-NEW,新县图书馆,county,C-HN-CS,湖南\n".encode("gbk"))
    assert libraries_import(path=f).created == 1
    assert Library.objects.get(code="X-NEW").name == "新县图书馆"


def test_undecodable_csv_is_refused_with_the_fix(libraries, tmp_path):
    f = tmp_path / "binary.csv"
    f.write_bytes(b"code,name\n\xff\xfe\x00\x81\xff")
    with pytest.raises(LibraryImportError, match="UTF-8"):
        libraries_import(path=f)
