"""The retention purge (PIPL): archived stage start + retention_days → the campaign's children's media and
personal entry data are removed by the daily scheduled task, idempotently, with an audit row; judging
results stay; other campaigns are untouched. Real files in MEDIA_ROOT, a frozen clock."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from freezegun import freeze_time

TZ = ZoneInfo("Asia/Shanghai")
ARCHIVED = datetime(2027, 1, 1, 9, 0, tzinfo=TZ)


def _campaign(libraries, slug, *, retention_days=None, archived=ARCHIVED):
    from campaigns.models import Campaign, Stage
    from events.models import Event

    config = {} if retention_days is None else {"retention_days": retention_days}
    campaign = Campaign.objects.create(slug=slug, title=slug, lead_library=libraries["NLC"], config=config)
    results = archived or ARCHIVED
    Stage.objects.create(campaign=campaign, kind="results", starts_at=results - timedelta(days=30), ends_at=results)
    if archived is not None:
        Stage.objects.create(campaign=campaign, kind="archived", starts_at=archived)
    event = Event.objects.create(campaign=campaign, slug=f"{slug}-ev", kind="recitation", title="诵读")
    return campaign, event


def _entry(event, child, library):
    from submissions.models import Entry

    entry = Entry(event=event, child=child, library=library, kind="audio", status="ready", moderation="approved",
                  title="我的朗诵", original_name="王小明-静夜思.m4a", original_sha256="ab" * 32, duration_s=3.0,
                  waveform=[0.2, 0.8], media_info={"codec": "aac"})
    entry.original.save("a.m4a", ContentFile(b"original audio"), save=False)
    entry.playback.save("a.mp3", ContentFile(b"playback audio"), save=False)
    entry.save()
    return entry


@pytest.fixture
def world(libraries, make_user):
    from campaigns.models import Child, ConsentRecord
    from judging.models import Result, Round
    from wechat.models import Follower, VoiceMessage

    guardian = make_user("13900000301", phone="13900000301")
    child = Child.objects.create(guardian=guardian, display_name="王小明", nickname="小明", birth_year=2017,
                                 library=libraries["C-HN-CS"])
    ConsentRecord.objects.create(child=child, purpose="gallery", granted=True, text_version="t")
    old, old_event = _campaign(libraries, "old-2026", retention_days=60)
    other, other_event = _campaign(libraries, "other-2026")  # default 365 days
    entry = _entry(old_event, child, libraries["C-HN-CS"])
    kept = _entry(other_event, child, libraries["C-HN-CS"])
    round_ = Round.objects.create(campaign=old, event=old_event, key="r1", title="初评", scope="national")
    result = Result.objects.create(round=round_, entry=entry, scope_key="national", rank=1, final_score=91.5)
    follower = Follower.objects.create(openid="o-retention", library=libraries["C-HN-CS"])
    voice = VoiceMessage(follower=follower, media_id="m-1", event_id=old_event.pk, child_id=child.pk)
    voice.audio.save("v.amr", ContentFile(b"voice"), save=False)
    voice.save()
    return {"old": old, "other": other, "entry": entry, "kept": kept, "result": result, "voice": voice,
            "child": child}


def _run(captured):
    from campaigns.tasks import retention_purge_task

    with captured(execute=True):
        return retention_purge_task()


@pytest.mark.django_db
def test_purge_waits_for_archived_plus_retention_days(world, django_capture_on_commit_callbacks):
    from campaigns.models import AuditEvent
    from campaigns.retention import purge_due_at

    assert purge_due_at(world["old"]) == ARCHIVED + timedelta(days=60)
    assert purge_due_at(world["other"]) == ARCHIVED + timedelta(days=365)
    with freeze_time(ARCHIVED + timedelta(days=59, hours=23)):
        assert _run(django_capture_on_commit_callbacks) == 0
    world["entry"].refresh_from_db()
    assert world["entry"].original and default_storage.exists(world["entry"].original.name)
    assert not AuditEvent.objects.filter(action="retention_purged").exists()


@pytest.mark.django_db
def test_due_campaign_is_purged_once_and_audited(world, django_capture_on_commit_callbacks):
    from campaigns.models import AuditEvent, Child
    from judging.models import Result
    from submissions.models import Entry
    from submissions.selectors import gallery_entries
    from wechat.models import VoiceMessage

    assert gallery_entries(world["entry"].event) == [world["entry"]]
    files = [world["entry"].original.name, world["entry"].playback.name, world["voice"].audio.name]
    assert all(default_storage.exists(name) for name in files)
    with freeze_time(ARCHIVED + timedelta(days=60, minutes=1)):
        assert _run(django_capture_on_commit_callbacks) > 0
    entry = Entry.objects.get(pk=world["entry"].pk)
    assert not entry.original and not entry.playback and not entry.thumbnail
    assert entry.title == "" and entry.original_name == "" and entry.original_sha256 == ""
    assert entry.waveform == [] and entry.media_info == {}
    assert not any(default_storage.exists(name) for name in files)
    assert not VoiceMessage.objects.filter(pk=world["voice"].pk).exists()
    # Results (no media) are kept, and so is the family's profile (it is not the campaign's).
    assert Result.objects.get(pk=world["result"].pk).final_score == 91.5
    assert entry.status == "ready" and entry.duration_s == 3.0
    assert Child.objects.filter(pk=world["child"].pk).exists()
    assert gallery_entries(entry.event) == []  # nothing left to show in the gallery
    audit = AuditEvent.objects.get(action="retention_purged")
    assert audit.campaign_id == world["old"].pk
    assert audit.data["counts"]["entries"] == {"entries": 1, "files": 2}
    assert audit.data["counts"]["wechat_voice"] == {"voice_messages": 1, "files": 1}
    assert "王小明" not in str(audit.data) and "我的朗诵" not in str(audit.data)
    # The other campaign (365 days) keeps everything.
    kept = Entry.objects.get(pk=world["kept"].pk)
    assert kept.title == "我的朗诵" and default_storage.exists(kept.original.name)

    # Idempotent: the next days' runs find nothing and write no new audit row.
    with freeze_time(ARCHIVED + timedelta(days=61)):
        assert _run(django_capture_on_commit_callbacks) == 0
    assert AuditEvent.objects.filter(action="retention_purged").count() == 1


@pytest.mark.django_db
def test_default_retention_is_365_days_and_unarchived_campaigns_are_never_due(world, libraries,
                                                                              django_capture_on_commit_callbacks):
    from campaigns.retention import campaigns_due, purge_due_at
    from submissions.models import Entry

    running, _ = _campaign(libraries, "running", archived=None)
    assert purge_due_at(running) is None
    with freeze_time(ARCHIVED + timedelta(days=364)):
        assert [c.slug for c in campaigns_due()] == ["old-2026"]
    with freeze_time(ARCHIVED + timedelta(days=365, seconds=1)):
        assert [c.slug for c in campaigns_due()] == ["old-2026", "other-2026"]
        _run(django_capture_on_commit_callbacks)
    assert not Entry.objects.get(pk=world["kept"].pk).original


@pytest.mark.django_db
def test_daily_schedule_is_created_by_the_migration():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="campaigns.retention_purge")
    assert schedule.func == "campaigns.tasks.retention_purge_task"
    assert schedule.schedule_type == Schedule.DAILY and schedule.repeats == -1


def test_apps_register_their_purgers():
    from campaigns.retention import purgers

    assert {"entries", "wechat_voice"} <= set(purgers())
