"""The page, the exports, the API and the command: scoped, and all holding the same numbers."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from reports.exports import report_tables
from reports.selectors.figures import campaign_figures
from reports.selectors.scope import Scope

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_org(nye, organizer):
    return organizer(nye.libraries["C-HN-CS"])


@pytest.fixture
def province_org(nye, organizer):
    return organizer(nye.libraries["P-HN"])


def login(client, user):
    client.force_login(user)
    return client


def test_city_organizer_sees_own_subtree_by_default(nye_visits, client, city_org):
    response = login(client, city_org).get("/reports/c/nye-2027/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-key="participations">8<' in html  # the C-HN-CS subtree, not the whole campaign (11)
    assert "长沙县图书馆" in html and "石家庄市图书馆" not in html
    assert "<svg" in html and "峰值 Peak" in html


def test_city_organizer_cannot_see_province_or_other_city(nye_visits, client, city_org):
    login(client, city_org)
    assert client.get("/reports/c/nye-2027/?library=P-HN").status_code == 403
    assert client.get("/reports/c/nye-2027/?library=C-HN-ZZ").status_code == 403
    assert client.get("/reports/c/nye-2027/export.xlsx?library=P-HN").status_code == 403
    assert client.get("/api/v1/reports/c/nye-2027/?library=P-HN").status_code == 403
    assert client.get("/reports/c/nye-2027/?library=X-HN-CSX").status_code == 200  # a county below is fine
    assert client.get("/reports/c/no-such/").status_code == 404
    assert client.get("/reports/c/nye-2027/?library=NOPE").status_code == 404


def test_campaign_without_the_organizers_libraries_is_404(nye, client, organizer, libraries):
    from campaigns.models import Campaign, CampaignLibrary

    other = Campaign.objects.create(slug="hebei-only", title="河北", lead_library=libraries["P-HE"])
    CampaignLibrary.objects.create(campaign=other, library=libraries["C-HE-SJZ"])
    login(client, organizer(libraries["C-HN-CS"]))
    assert client.get("/reports/c/hebei-only/").status_code == 404
    dashboard = client.get("/reports/").content.decode()
    assert "网络书香过大年" in dashboard and "河北" not in dashboard.split("<main")[1]


def test_non_organizers_are_kept_out(nye, client, make_user):
    assert client.get("/reports/c/nye-2027/").status_code == 302  # to the login page
    assert client.get("/api/v1/reports/c/nye-2027/").status_code == 401
    login(client, make_user("parent", phone="13900000000"))
    assert client.get("/reports/c/nye-2027/").status_code == 403
    assert client.get("/reports/").status_code == 403
    assert client.get("/api/v1/reports/c/nye-2027/").status_code == 403


def test_xlsx_holds_the_same_numbers_as_the_page_and_json(nye_visits, client, province_org):
    login(client, province_org)
    data = client.get("/api/v1/reports/c/nye-2027/").json()
    assert data["scope"]["library"] == "P-HN" and data["headline"]["participations"] == 8
    response = client.get("/reports/c/nye-2027/export.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    tables = report_tables(data)
    assert wb.sheetnames == [t.title for t in tables]  # one sheet per table
    for table in tables:
        rows = [list(r) for r in wb[table.title].iter_rows(values_only=True)]
        assert rows[0] == table.headers
        assert [["" if v is None else v for v in r] for r in rows[1:]] == [
            ["" if v is None else v for v in r] for r in table.rows], table.key
    summary = {r[0]: r[1] for r in wb["总览 Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["参与人次 Participations"] == 8 and summary["参与人数 Participants"] == 5
    days = {r[0]: r for r in wb["每日 By day"].iter_rows(min_row=2, values_only=True)}
    assert days["2027-02-05"][-1] == "峰值 Peak"
    page = client.get("/reports/c/nye-2027/").content.decode()
    assert 'data-key="participants">5<' in page


def test_exports_never_carry_a_live_formula(nye, client, province_org):
    from campaigns.models import Child
    from tests.spreadsheets import HOSTILE, assert_csv_neutralised, assert_no_formulas, xlsx_values

    Child.objects.filter(nickname="小c1").update(nickname=HOSTILE)  # a quiz finisher: in "quiz_top"
    login(client, province_org)
    data = client.get("/reports/c/nye-2027/export.xlsx").content
    assert HOSTILE in xlsx_values(data)
    assert_no_formulas(data)
    for url in ("/reports/c/nye-2027/export.csv", "/reports/c/nye-2027/export.csv?table=quiz_top"):
        text = client.get(url).content.decode("utf-8")
        assert "'" + HOSTILE.replace('"', '""') in text, url
        assert_csv_neutralised(text)


class _Tables(HTMLParser):
    """The report page's tables as text: {data-table key: [[cell, …], …]} (header row first)."""

    def __init__(self):
        super().__init__()
        self.tables, self.key, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "data-table" in attrs:
            self.key = attrs["data-table"]
            self.tables[self.key] = []
        elif tag == "tr" and self.key:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.key].append(self.row)
            self.row = None
        elif tag == "table":
            self.key = None


def test_page_tables_hold_the_same_numbers_as_the_xlsx(nye_visits, client, organizer):
    login(client, organizer(nye_visits.libraries["NLC"]))
    parser = _Tables()
    parser.feed(client.get("/reports/c/nye-2027/").content.decode())
    wb = load_workbook(io.BytesIO(client.get("/reports/c/nye-2027/export.xlsx").content))
    data = client.get("/api/v1/reports/c/nye-2027/").json()
    assert data["headline"]["participations"] == 11

    def norm(value):
        text = "" if value is None or value == "—" else str(value)
        try:
            return float(text)  # 30.0 on the page is 30 once Excel has stored it
        except ValueError:
            return text

    for table in report_tables(data):
        sheet = [[norm(v) for v in row] for row in wb[table.title].iter_rows(values_only=True)]
        page = parser.tables[table.key]
        if not table.rows:
            page = page[:1]  # the page shows a "no data yet" row
        assert [[norm(c) for c in row] for row in page] == sheet, table.key


def test_csv_export(nye_visits, client, province_org):
    login(client, province_org)
    text = client.get("/reports/c/nye-2027/export.csv").content.decode("utf-8-sig")
    assert "# 总览 Summary" in text and "# 每日 By day" in text
    rows = list(csv.reader(io.StringIO(client.get("/reports/c/nye-2027/export.csv?table=days").content.decode("utf-8-sig"))))
    assert rows[0][0] == "日期 Date"
    assert [r[0] for r in rows[1:]] == ["2027-02-03", "2027-02-04", "2027-02-05", "2027-02-06"]
    assert client.get("/reports/c/nye-2027/export.csv?table=nope").status_code == 400


def test_command_json_xlsx_csv_match_figures(nye_visits, tmp_path, capsysbinary):
    call_command("campaign_report", "nye-2027", "--library", "C-HN-CS", "--format", "json")
    data = json.loads(capsysbinary.readouterr().out)
    expected = campaign_figures(Scope(campaign=nye_visits.campaign, library=nye_visits.libraries["C-HN-CS"]))
    data.pop("generated_at"), expected.pop("generated_at")
    assert data == json.loads(json.dumps(expected))
    out = tmp_path / "r.xlsx"
    call_command("campaign_report", "nye-2027", "--format", "xlsx", "--out", str(out))
    wb = load_workbook(out)
    summary = {r[0]: r[1] for r in wb["总览 Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["参与人次 Participations"] == 11 and summary["访问量 Page views"] == 7
    csv_out = tmp_path / "r.csv"
    call_command("campaign_report", "nye-2027", "--format", "csv", "--out", str(csv_out))
    assert "参与人次 Participations,11" in csv_out.read_text(encoding="utf-8-sig")


def test_command_errors_are_bilingual(nye):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="没有这个活动"):
        call_command("campaign_report", "nope", "--format", "json")
    with pytest.raises(CommandError, match="XLSX"):
        call_command("campaign_report", "nye-2027", "--format", "xlsx")


def test_dashboard_lists_attention_and_headline(nye_visits, client, organizer):
    from freezegun import freeze_time

    national = organizer(nye_visits.libraries["NLC"])
    with freeze_time("2027-02-18 00:00:00"):  # 80% of the round's time used
        html = login(client, national).get("/reports/").content.decode()
    assert "网络书香过大年" in html
    assert "2 件作品待审核" in html  # c2 and c3 entries: ready, pending moderation
    assert "1 位评委进度落后" in html and "评委甲" in html  # 1 of 2 done at 80% of the time
    assert "评委乙" not in html  # judge B finished
    assert 'href="/entries/moderation/"' in html and f'href="/judging/rounds/{nye_visits.round.pk}/progress/"' in html
    assert 'data-kind="appeals"' not in html


def test_dashboard_attention_appeals(nye, client, organizer):
    from judging.models import Appeal, Result

    result = Result.objects.get(award_key="zhuangyuan")
    Appeal.objects.create(result=result, filed_by=nye.children["c1"].guardian, status="open")
    html = login(client, organizer(nye.libraries["C-HN-CS"])).get("/reports/").content.decode()
    assert "1 项申诉待处理" in html
    html = login(client, organizer(nye.libraries["P-HE"])).get("/reports/").content.decode()
    assert "申诉" not in html  # the appealed entry is not in Hebei


def test_county_organizer_sees_their_county(nye_visits, client, organizer):
    html = login(client, organizer(nye_visits.libraries["X-HN-CSX"])).get("/reports/c/nye-2027/").content.decode()
    assert 'value="X-HN-CSX" selected' in html
    assert 'data-key="participations">6<' in html  # c1: 2 attempts, c1 and c2 entries, 2 likes
    assert client.get("/reports/c/nye-2027/?library=C-HN-CS").status_code == 403
