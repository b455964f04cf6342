"""A provincial organizer opens the report on a phone-sized screen and downloads the XLSX."""

import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.e2e

SEED = """
from datetime import datetime, timezone, timedelta
from campaigns.library_import import libraries_import
from campaigns.models import Campaign, CampaignLibrary, Child, Library, OrganizerRole, Registration, Stage, User
from reports.services import visits_rollup
from reports.visits import hit_record
libraries_import(path=r"{csv}")
L = {{lib.code: lib for lib in Library.objects.all()}}
org = User.objects.create_user(username="org-hn", password="Shuxiang-2027", is_staff=True)
OrganizerRole.objects.create(user=org, library=L["P-HN"])
c = Campaign.objects.create(slug="nye-2027", title="网络书香过大年", lead_library=L["NLC"])
Stage.objects.create(campaign=c, kind="entries_open", starts_at=datetime(2027, 1, 20, tzinfo=timezone.utc),
                     ends_at=datetime(2027, 2, 20, tzinfo=timezone.utc))
guardian = User.objects.create_user(username="g", phone="13800000001", password="Shuxiang-2027")
for i, code in enumerate(["C-HN-CS", "X-HN-CSX", "X-HN-CSX", "C-HN-ZZ", "C-HE-SJZ"]):
    CampaignLibrary.objects.get_or_create(campaign=c, library=L[code])
    child = Child.objects.create(guardian=guardian, display_name=f"孩子{{i}}", nickname=f"小{{i}}", birth_year=2017,
                                 library=L[code])
    r = Registration.objects.create(campaign=c, child=child, library=L[code])
    Registration.objects.filter(pk=r.pk).update(created_at=datetime(2027, 2, 3 + i % 3, 12, tzinfo=timezone.utc))
for day in range(1, 8):
    for n in range(day):
        hit_record(slug="nye-2027", code="C-HN-CS", ip=f"10.0.{{day}}.{{n}}", user_agent="phone",
                   at=datetime(2027, 2, day, 8, tzinfo=timezone.utc))
visits_rollup()
"""


def test_provincial_organizer_reads_report_on_phone_and_downloads_xlsx(server, phone_page, corpus):
    server.start()
    server.shell(SEED.format(csv=corpus / "data" / "libraries.csv"))
    page = phone_page
    # A family opens the Changsha branch page on a phone (counted through the real ASGI server;
    # the headless browser's own user agent would be skipped as a robot).
    page.set_extra_http_headers({"User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) MicroMessenger/8.0.47"})
    assert page.goto(server.url + "/c/nye-2027/lib/C-HN-CS/").status == 200
    page.goto(server.url + "/reports/c/nye-2027/")
    page.fill("input[name=username]", "org-hn")
    page.fill("input[name=password]", "Shuxiang-2027")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/reports/c/nye-2027/")
    assert page.locator("h1").inner_text().startswith("网络书香过大年")
    # The province's subtree: Hunan's four registrations, not Hebei's.
    assert page.locator('[data-key="registrations"]').count() == 0
    assert page.locator('[data-key="participants"]').inner_text() == "4"
    assert page.locator('[data-key="visits_pv"]').inner_text() == "29"  # 1 + 2 + … + 7 seeded, + the visit above
    assert page.locator("svg.chart").count() >= 2
    assert "峰值 Peak 02-07" in page.locator("svg.chart").nth(1).inner_html()  # the visits chart marks its peak
    # Readable at 375 px: the page itself never scrolls sideways (wide tables scroll in their box).
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1
    with page.expect_download() as download_info:
        page.click("#download-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(open(download.path(), "rb").read()))
    summary = {row[0]: row[1] for row in wb["总览 Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["参与人数 Participants"] == 4
    assert summary["访问量 Page views"] == 29
    assert summary["访问峰值日 Peak day (views)"] == "2027-02-07 (7)"
