"""The builder's steps, as an organizer's browser posts them (Django test client)."""

import re
from zoneinfo import ZoneInfo

import pytest

from builder import file_port
from campaigns.models import AuditEvent, Campaign, CampaignLibrary
from events.models import Event

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def create(client, **extra):
    data = {"template": "blank", "slug": "hn-summer-2028", "title": "2028 湖南暑期阅读答题", "lead": "P-HN", **extra}
    return client.post("/builder/new/", data)


def test_new_blank_campaign_is_a_draft_led_by_the_organizers_library_in_its_subtree(hn_client, tree):
    response = create(hn_client)
    assert response.status_code == 302 and response["Location"] == "/builder/c/hn-summer-2028/basics/"
    campaign = Campaign.objects.get(slug="hn-summer-2028")
    assert campaign.lead_library.code == "P-HN"
    assert [s.kind for s in campaign.stages.all()] == ["draft"]
    codes = set(CampaignLibrary.objects.filter(campaign=campaign).values_list("library__code", flat=True))
    assert "P-HN" in codes and "C-HN-CS" in codes and "P-HE" not in codes
    audit = AuditEvent.objects.get(action="builder.saved", campaign=campaign)
    assert audit.actor.username == "org-hn"


def test_a_provincial_organizer_cannot_take_part_outside_the_subtree(hn_client, tree):
    create(hn_client)
    response = hn_client.post("/builder/c/hn-summer-2028/participation/",
                              {"mode": "pick", "subtree": ["P-HN", "P-HE"], "go": "participation"})
    assert response.status_code == 200
    assert "只能选择您管理范围内的图书馆" in response.content.decode()
    assert not CampaignLibrary.objects.filter(campaign__slug="hn-summer-2028", library__code="P-HE").exists()


def test_schedule_errors_name_the_field_and_keep_what_was_typed(hn_client, tree):
    create(hn_client)
    response = hn_client.post("/builder/c/hn-summer-2028/schedule/", {
        "starts_draft": "2026-12-01T09:00", "starts_published": "2028-06-01T09:00",
        "starts_entries_open": "2028-05-01T09:00", "ends_entries_open": "2028-08-01T00:00", "go": "schedule"})
    page = response.content.decode()
    assert "entries_open 阶段不能早于 published 阶段开始" in page
    assert 'value="2028-05-01T09:00"' in page  # nothing typed is lost
    assert not Campaign.objects.get(slug="hn-summer-2028").stages.filter(kind="published").exists()


def test_quiz_event_with_draw_from_a_bank_and_worked_example(hn_client, tree, bank):
    create(hn_client)
    hn_client.post("/builder/c/hn-summer-2028/schedule/", {
        "starts_draft": Campaign.objects.get().stages.get().starts_at.astimezone(TZ).strftime("%Y-%m-%dT%H:%M"),
        "starts_published": "2028-06-01T09:00", "ends_published": "2028-09-01T00:00",
        "starts_archived": "2028-09-01T00:00", "go": "schedule"})
    hn_client.post("/builder/c/hn-summer-2028/events/", {"action": "add", "kind": "quiz", "title": "暑期答题",
                                                          "slug": "summer-quiz"})
    page = hn_client.get("/builder/c/hn-summer-2028/events/0/").content.decode()
    assert "湖南暑期题库" in page and "难度 1：10" in page  # counts by difficulty
    response = hn_client.post("/builder/c/hn-summer-2028/events/0/", {
        "title": "暑期答题", "bank": "hn-summer", "questions": "10", "draw_rows": "3",
        "draw_by_0": "difficulty", "draw_value_0": "1", "draw_count_0": "6",
        "draw_by_1": "tag", "draw_value_1": "诗词", "draw_count_1": "4",
        "per_question_seconds": "20", "per_day": "1", "formula": "time_bonus", "explanations": "at_end",
        "opens": "2028-07-01T00:00", "closes": "2028-08-01T00:00"})
    assert response.status_code == 302, re.findall(r"<li><a [^>]*><code>.*?</li>", response.content.decode())
    quiz = Event.objects.get(slug="summer-quiz").settings["quiz"]
    assert quiz["bank"] == "hn-summer" and quiz["questions"] == 10
    assert quiz["draw"] == [{"difficulty": 1, "count": 6}, {"tag": "诗词", "count": 4}]
    page = hn_client.get("/builder/c/hn-summer-2028/events/0/").content.decode()
    assert "<strong>550</strong>" in page  # 100 + (20 − 5) × 30: the worked example follows the saved formula


def test_event_outside_the_schedule_is_refused(hn_client, tree, bank):
    create(hn_client)
    campaign = Campaign.objects.get()
    hn_client.post("/builder/c/hn-summer-2028/schedule/", {
        "starts_draft": campaign.stages.get().starts_at.astimezone(TZ).strftime("%Y-%m-%dT%H:%M"),
        "starts_published": "2028-06-01T09:00", "starts_archived": "2028-09-01T00:00", "go": "schedule"})
    hn_client.post("/builder/c/hn-summer-2028/events/", {"action": "add", "kind": "quiz", "title": "答题",
                                                          "slug": "q"})
    response = hn_client.post("/builder/c/hn-summer-2028/events/0/", {
        "title": "答题", "bank": "hn-summer", "questions": "10", "draw_rows": "0", "formula": "fixed",
        "opens": "2028-10-01T00:00"})
    assert response.status_code == 200
    assert "events[0].quiz.opens" in response.content.decode()


def test_download_then_upload_gives_the_same_campaign(hn_client, tree):
    create(hn_client)
    text = hn_client.get("/builder/c/hn-summer-2028/campaign.yaml").content.decode()
    before = file_port.export_dict(Campaign.objects.get())
    from django.core.files.uploadedfile import SimpleUploadedFile
    response = hn_client.post("/builder/c/hn-summer-2028/upload/",
                              {"file": SimpleUploadedFile("c.yaml", text.encode())})
    assert response.status_code == 302
    assert file_port.export_dict(Campaign.objects.get()) == before


def test_upload_errors_are_listed_per_line(hn_client, tree):
    from django.core.files.uploadedfile import SimpleUploadedFile
    text = "slug: x-2028\ntitle: 测试\nlead_library: P-HN\nstages:\n  - kind: publishd\n    starts: 2028-01-01 09:00\nlibraries:\n  subtrees: [P-HN]\n"
    response = hn_client.post("/builder/upload/", {"file": SimpleUploadedFile("c.yaml", text.encode())})
    assert response.status_code == 400
    page = response.content.decode()
    assert "<td>5</td>" in page and "stages[0].kind" in page
    assert not Campaign.objects.filter(slug="x-2028").exists()
