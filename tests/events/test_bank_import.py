import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from config.errors import UserFacingError
from events.bank_import import questions_import
from events.models import Question, QuestionBank
from tests.events.conftest import BANK_ROWS, make_bank_csv


@pytest.fixture
def bank(tree):
    return QuestionBank.objects.create(slug="b1", title="题库", owner=tree["P-HN"])


@pytest.mark.django_db
def test_corpus_xlsx_imports_80_questions(bank, corpus):
    result = questions_import(bank=bank, data=(corpus / "data" / "quiz_bank.xlsx").read_bytes(), filename="quiz_bank.xlsx")
    assert result.created == 80 and result.updated == 0
    assert bank.questions.count() == 80
    q = bank.questions.get(external_id="Q069")
    assert q.kind == "multiple" and q.answer == "ABCD" and q.tags == ["汉诗", "汉乐府", "江南"]
    tf = bank.questions.get(external_id="Q057")
    assert tf.kind == "truefalse" and tf.options == {"A": "正确", "B": "错误"}
    assert set(bank.questions.values_list("kind", flat=True)) == {"single", "multiple", "truefalse"}


@pytest.mark.django_db
def test_corpus_csv_imports_80_and_reimport_updates_by_id(bank, corpus):
    data = (corpus / "data" / "quiz_bank.csv").read_bytes()
    assert questions_import(bank=bank, data=data, filename="quiz_bank.csv").created == 80
    changed = data.decode("utf-8-sig").replace("《静夜思》的作者是谁？", "《静夜思》是谁写的？").encode()
    result = questions_import(bank=bank, data=changed, filename="quiz_bank.csv")
    assert (result.created, result.updated) == (0, 80)
    assert bank.questions.count() == 80
    assert bank.questions.get(external_id="Q001").stem == "《静夜思》是谁写的？"


@pytest.mark.django_db
def test_every_bad_row_reported_and_nothing_imported(bank):
    rows = list(BANK_ROWS[:3]) + [
        ("X1", "essay", "题干", "甲", "乙", "", "", "A", 1, "", ""),           # row 5: bad type
        ("X2", "single", "", "甲", "乙", "", "", "A", 1, "", ""),              # row 6: no stem
        ("X3", "single", "题干", "甲", "乙", "", "", "C", 1, "", ""),          # row 7: answer names empty option
        ("X4", "single", "题干", "甲", "乙", "丙", "", "AB", 1, "", ""),       # row 8: two answers for single
        ("X5", "truefalse", "题干", "对", "错", "又", "", "A", 1, "", ""),     # row 9: three options for t/f
        ("E01", "single", "重复", "甲", "乙", "", "", "A", 1, "", ""),         # row 10: repeats row 2
        ("X6", "multiple", "题干", "甲", "乙", "丙", "丁", "AB", 9, "", ""),   # row 11: difficulty out of range
        ("X7", "single", "题干", "甲", "", "丙", "", "A", 1, "", ""),          # row 12: B missing
    ]
    with pytest.raises(UserFacingError) as info:
        questions_import(bank=bank, data=make_bank_csv(rows), filename="bad.csv")
    errors = info.value.extra["errors"]
    assert [e["row"] for e in errors] == [5, 6, 7, 8, 9, 10, 11, 12]
    assert "type" in errors[0]["reason_en"] and "stem" in errors[1]["reason_en"]
    assert "row 2" in errors[5]["reason_en"]
    assert all(e["reason_zh"] for e in errors)
    assert info.value.code == "bank_import_invalid"
    assert Question.objects.count() == 0  # the three good rows were not half-imported


@pytest.mark.django_db
def test_missing_columns_and_garbage_files_are_refused(bank):
    with pytest.raises(UserFacingError) as info:
        questions_import(bank=bank, data="id,stem\nQ1,题\n".encode(), filename="x.csv")
    assert info.value.extra["errors"][0]["row"] == 1 and "type" in info.value.extra["errors"][0]["reason_en"]
    with pytest.raises(UserFacingError):
        questions_import(bank=bank, data=b"PK\x03\x04 not really a zip", filename="x.xlsx")
    with pytest.raises(UserFacingError):
        questions_import(bank=bank, data=b"", filename="x.csv")
    assert Question.objects.count() == 0


@pytest.mark.django_db
def test_xlsx_numbers_and_gb18030_csv(bank):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "type", "stem", "option_a", "option_b", "option_c", "option_d", "answer", "difficulty", "tags",
                  "explanation"])
    sheet.append([101, "单选", "数字题号", "甲", "乙", None, None, "b", 2.0, "标签一，标签二", None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    questions_import(bank=bank, data=buffer.getvalue(), filename="n.xlsx")
    q = bank.questions.get(external_id="101")
    assert (q.kind, q.answer, q.difficulty, q.tags) == ("single", "B", 2, ["标签一", "标签二"])
    gb = make_bank_csv([("G1", "single", "简体中文题干", "甲", "乙", "", "", "A", 1, "", "")]).decode().encode("gb18030")
    questions_import(bank=bank, data=gb, filename="gb.csv")
    assert bank.questions.get(external_id="G1").stem == "简体中文题干"


@pytest.mark.django_db
def test_importquestions_command(tree, corpus, tmp_path, capsys):
    call_command("importquestions", str(corpus / "data" / "quiz_bank.xlsx"), "--bank", "national", "--owner", "NLC")
    bank = QuestionBank.objects.get(slug="national")
    assert bank.questions.count() == 80 and bank.owner.code == "NLC"
    call_command("importquestions", str(corpus / "data" / "quiz_bank.csv"), "--bank", "national")
    assert bank.questions.count() == 80
    bad = tmp_path / "bad.csv"
    bad.write_bytes(make_bank_csv([("Z1", "single", "题", "甲", "乙", "", "", "E", 1, "", "")]))
    with pytest.raises(CommandError):
        call_command("importquestions", str(bad), "--bank", "national")
    assert "row 2" in capsys.readouterr().err
    assert bank.questions.count() == 80


@pytest.mark.django_db
def test_admin_upload_form(client, tree, corpus, make_user):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    bank = QuestionBank.objects.create(slug="adm", title="管理后台题库", owner=tree["NLC"])
    page = client.get(f"/admin/events/questionbank/{bank.pk}/change/")
    assert f"/admin/events/questionbank/{bank.pk}/import/" in page.content.decode()
    bad = io.BytesIO(make_bank_csv([("Z1", "single", "题", "甲", "乙", "", "", "", 1, "", "")]))
    bad.name = "bad.csv"
    response = client.post(f"/admin/events/questionbank/{bank.pk}/import/", {"file": bad})
    assert response.status_code == 200 and "missing answer" in response.content.decode()
    with open(corpus / "data" / "quiz_bank.xlsx", "rb") as fh:
        response = client.post(f"/admin/events/questionbank/{bank.pk}/import/", {"file": fh})
    assert response.status_code == 302
    assert bank.questions.count() == 80


@pytest.mark.django_db
def test_banks_are_shared_down_the_tree(tree):
    from events.selectors import banks_usable_by
    from events.services import bank_usable_by

    provincial = QuestionBank.objects.create(slug="hn", title="湖南题库", owner=tree["P-HN"])
    assert bank_usable_by(provincial, tree["X-HN-CSX"]) and bank_usable_by(provincial, tree["C-HN-CS"])
    assert not bank_usable_by(provincial, tree["P-HE"]) and not bank_usable_by(provincial, tree["NLC"])
    assert list(banks_usable_by(tree["X-HN-CSX"])) == [provincial]
    assert list(banks_usable_by(tree["C-HE-SJZ"])) == []


@pytest.mark.django_db
def test_organizers_import_into_their_banks_and_read_shared_ones(client, tree, corpus, organizer):
    national = QuestionBank.objects.create(slug="nat", title="国家题库", owner=tree["NLC"])
    provincial = QuestionBank.objects.create(slug="hn", title="湖南题库", owner=tree["P-HN"])
    hebei = QuestionBank.objects.create(slug="he", title="河北题库", owner=tree["P-HE"])
    client.force_login(organizer(tree["C-HN-CS"]))
    listing = client.get("/admin/events/questionbank/").content.decode()
    assert "国家题库" in listing and "湖南题库" in listing and "河北题库" not in listing  # shared down, not sideways
    assert client.get(f"/admin/events/questionbank/{national.pk}/import/").status_code == 403  # read, not write
    assert client.get(f"/admin/events/questionbank/{hebei.pk}/import/").status_code == 404
    client.force_login(organizer(tree["P-HN"], username="org-hn"))
    with open(corpus / "data" / "quiz_bank.csv", "rb") as fh:
        response = client.post(f"/admin/events/questionbank/{provincial.pk}/import/", {"file": fh})
    assert response.status_code == 302 and provincial.questions.count() == 80
