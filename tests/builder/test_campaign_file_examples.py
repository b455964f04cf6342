"""The two example campaigns: they load, export, load back to an identical export, and say what the
brief says (dates relative to the demo day 2026-11-24)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from builder.campaign_file import campaign_export, campaign_file_load
from builder.campaign_file.catalog import poem_catalogue
from builder.campaign_file.poems import poems_import
from campaigns.models import AuditEvent, Campaign, Library
from campaigns.selectors import campaign_open_stages
from events.models import Event, Poem
from tests.builder.campaign_file_helpers import EXAMPLE_FILES, EXAMPLES, example_text, snapshot

TZ = ZoneInfo("Asia/Shanghai")
DEMO_DAY = datetime(2026, 11, 24, 15, 0, tzinfo=TZ)


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(EXAMPLE_FILES))
def test_example_loads_exports_and_loads_back_to_an_identical_export(libraries, slug):
    first = campaign_file_load(text=example_text(slug))
    assert first.created and first.campaign.slug == slug
    exported = campaign_export(slug=slug)

    again = campaign_file_load(text=exported)
    assert again.changes == []  # the export describes exactly what is stored
    assert campaign_export(slug=slug) == exported

    Campaign.objects.filter(slug=slug).delete()  # and on an empty database it builds the same campaign
    rebuilt = campaign_file_load(text=exported)
    assert rebuilt.created
    assert campaign_export(slug=slug) == exported


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(EXAMPLE_FILES))
def test_loading_twice_changes_nothing(libraries, slug):
    campaign = campaign_file_load(text=example_text(slug)).campaign
    before = snapshot(campaign)
    second = campaign_file_load(text=example_text(slug))
    assert second.created is False and second.changes == []
    assert snapshot(campaign) == before  # same ids, join codes and updated_at
    assert list(AuditEvent.objects.filter(campaign=campaign).values_list("action", flat=True)) == ["campaign.file_loaded"]


@pytest.mark.django_db
def test_tongyin_example_is_the_childrens_recitation_contest(libraries):
    campaign = campaign_file_load(text=example_text("tongyin-2027")).campaign
    assert campaign.title == "童音诵古韵·经典有新声 2027"
    assert campaign.lead_library.code == "NLC"
    assert campaign.branches.count() == 459
    ages = list(campaign.age_groups.values_list("min_age", "max_age"))
    assert min(a for a, _ in ages) == 6 and max(b for _, b in ages) == 12
    event = Event.objects.get(campaign=campaign, slug="recitation")
    entries = event.settings["entries"]
    assert event.kind == "recitation"
    assert entries["channels"] == ["web", "wechat_voice"] and entries["per_child"] == 1
    assert entries["media"] == ["audio"]
    catalogue = {p["id"] for p in poem_catalogue()}
    assert len(catalogue) == 24 and set(event.poems.values_list("key", flat=True)) == catalogue
    rubric = campaign.config["judging"]["rounds"][0]["rubric"]
    assert [(c["label"], c["weight"]) for c in rubric] == [("发音准确", 30), ("节奏韵律", 25), ("情感表达", 25), ("完整流畅", 20)]
    assert campaign.config["scoring"]["formula"] == "0.7 * panel + 0.3 * likes"
    assert campaign.config["likes"]["event"] == "recitation"
    assert [(a["title"], a["count"]) for a in campaign.config["awards"]] == [("诵读小状元", 10), ("诵读小达人", 50)]
    open_now = {stage.kind for stage in campaign_open_stages(campaign, DEMO_DAY)}
    assert open_now == {"published", "entries_open"}  # the demo can record and upload today
    likes = campaign.stages.get(kind="likes_open")
    judging = campaign.stages.get(kind="judging")
    assert DEMO_DAY < likes.starts_at < judging.starts_at


@pytest.mark.django_db
def test_wangluo_example_is_the_spring_festival_campaign(libraries):
    campaign = campaign_file_load(text=example_text("wangluo-shuxiang-2027")).campaign
    assert campaign.title == "网络书香过大年 2027" and campaign.lead_library.code == "NLC"
    assert campaign.branches.count() == Library.objects.count() == 459
    kinds = set(Event.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert kinds == {"quiz", "recitation", "essay", "photo", "drawing", "video", "reading"}
    assert campaign.config["goal"]["minutes"] == 1_000_000 and campaign.config["points"]["streaks"]
    open_now = {stage.kind for stage in campaign_open_stages(campaign, DEMO_DAY)}
    assert "published" in open_now
    quiz = Event.objects.get(campaign=campaign, kind="quiz").settings["quiz"]
    assert datetime.fromisoformat(quiz["opens"]) <= DEMO_DAY < datetime.fromisoformat(quiz["closes"])
    assert quiz["bank"] and sum(d["count"] for d in quiz["draw"]) == quiz["questions"]
    daily = [p for p in campaign.config["pushes"] if "daily_at" in p["schedule"]]
    assert daily, "a daily push during the Spring Festival"
    first, last = (date.fromisoformat(daily[0]["schedule"][k]) for k in ("from", "to"))
    assert first <= date(2027, 2, 5) <= last  # New Year's Eve 2027
    assert daily[0]["schedule"]["daily_at"] == "20:00"  # text, not the YAML 1.1 number 1200


@pytest.mark.django_db
def test_poem_catalogue_is_imported_by_key_idempotently(libraries):
    campaign_file_load(text=example_text("tongyin-2027"))
    assert Poem.objects.count() == 24
    poem = Poem.objects.get(key="jingyesi")
    assert (poem.title, poem.author, poem.dynasty) == ("静夜思", "李白", "唐")
    assert poem.lines[0] == "床前明月光，"
    assert poems_import() == 0
    Poem.objects.filter(key="jingyesi").update(title="wrong")
    assert poems_import() == 1 and Poem.objects.get(key="jingyesi").title == "静夜思"


@pytest.mark.django_db
def test_commands_load_and_export_files(libraries, tmp_path, capsys):
    path = EXAMPLES / EXAMPLE_FILES["tongyin-2027"]
    call_command("loadcampaign", str(path))
    assert "已创建 created" in capsys.readouterr().out
    out = tmp_path / "tongyin.yaml"
    call_command("exportcampaign", "tongyin-2027", "--out", str(out))
    call_command("loadcampaign", str(out))
    assert "无变化 unchanged" in capsys.readouterr().out
    call_command("exportcampaign", "tongyin-2027")
    assert capsys.readouterr().out == out.read_text(encoding="utf-8")


@pytest.mark.django_db
def test_demo_loads_both_examples_idempotently(corpus):
    from io import StringIO

    from builder import demo
    from campaigns import demo as campaigns_demo

    campaigns_demo.load(StringIO())
    demo.load(StringIO())
    campaigns = {c.slug: c for c in Campaign.objects.all()}
    assert set(EXAMPLE_FILES) <= set(campaigns)
    before = {slug: snapshot(campaigns[slug]) for slug in EXAMPLE_FILES}
    out = StringIO()
    demo.load(out)
    assert "unchanged" in out.getvalue()
    assert {slug: snapshot(campaigns[slug]) for slug in EXAMPLE_FILES} == before
