"""Entry lifecycle: replacement keeps history, idempotent retries, withdraw, moderation scoped to the
organizer's subtree, eligibility rules, notifications, the watchdog and the video pipeline."""

import subprocess
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from campaigns.models import AgeGroup, Notice
from config.errors import UserFacingError
from config.ffmpeg import ffmpeg_path
from submissions import services
from submissions.models import Entry
from tests.submissions.conftest import api_submit, ffprobe_json

pytestmark = pytest.mark.django_db


def wav(corpus):
    return corpus / "audio" / "jingyesi_16k_mono.wav"


def test_new_submission_replaces_the_live_one_and_keeps_history(corpus, contest, family, guardian_client):
    _, events = contest
    first = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="one",
                       poem=events["poem"]).json()
    second = api_submit(guardian_client, events["recitation"], family[1], corpus / "audio" / "chunxiao.mp3",
                        key="two", poem=events["poem"]).json()
    assert first["id"] != second["id"]
    old, new = Entry.objects.get(pk=first["id"]), Entry.objects.get(pk=second["id"])
    assert old.status == "replaced" and new.status == "received"
    assert new.replaces == old and new.history() == [old]
    assert default_storage.exists(old.original.name)  # the earlier recording is kept
    assert Entry.objects.filter(event=events["recitation"], child=family[1]).exclude(
        status__in=Entry.NOT_LIVE).count() == 1
    # The database itself refuses a second live entry.
    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(event=events["recitation"], child=family[1], library=family[1].library, kind="audio")
    listed = guardian_client.get("/api/v1/submissions/entries").json()
    assert [e["id"] for e in listed] == [new.pk]


def test_idempotency_key_retry_makes_one_entry(corpus, contest, family, guardian_client):
    _, events = contest
    a = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="retry-1", poem=events["poem"])
    b = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="retry-1", poem=events["poem"])
    assert a.status_code == 201 and b.status_code == 200
    assert a.json()["id"] == b.json()["id"]
    assert Entry.objects.count() == 1
    # The same key for a different event is a client bug, refused clearly.
    c = api_submit(guardian_client, events["essay"], family[1], None, key="retry-1", text="一篇文章")
    assert c.status_code == 409 and c.json()["code"] == "idempotency_key_reused"


def test_page_form_posts_are_idempotent_too(corpus, contest, family, guardian_client):
    _, events = contest
    url = f"/entries/event/{events['essay'].pk}/submit/"
    page = guardian_client.get(url)
    assert page.status_code == 200
    key = page.context["idempotency_key"]
    for _ in range(2):
        response = guardian_client.post(url, {"child": family[1].pk, "text": "春节里我读了三本书。", "idempotency_key": key})
        assert response.status_code == 302
    assert Entry.objects.count() == 1


def test_withdraw_and_disqualify(corpus, contest, family, guardian_client, organizer, tree):
    _, events = contest
    entry_id = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="w",
                          poem=events["poem"]).json()["id"]
    withdrawn = guardian_client.post(f"/api/v1/submissions/entries/{entry_id}/withdraw").json()
    assert withdrawn["status"] == "withdrawn"
    # After withdrawing the child may submit again.
    again = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="w2", poem=events["poem"])
    entry = Entry.objects.get(pk=again.json()["id"])
    services.entry_process(entry.pk)
    org = organizer(tree["C-HN-CS"])
    entry = services.entry_moderate(entry=entry, user=org, action="disqualify", reason="代读 Read by an adult")
    assert entry.status == "disqualified" and entry.reason_code == "disqualified"
    refused = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="w3", poem=events["poem"])
    assert refused.status_code == 409 and refused.json()["code"] == "entry_disqualified"


def test_moderation_is_scoped_to_the_organizers_subtree(corpus, contest, family, guardian_client, organizer, tree):
    _, events = contest
    entry_id = api_submit(guardian_client, events["essay"], family[1], corpus / "essays" / "essay_utf8.txt",
                          key="m").json()["id"]
    services.entry_process(entry_id)
    outsider, insider = Client(), Client()
    outsider.force_login(organizer(tree["P-HE"]))
    insider.force_login(organizer(tree["P-HN"]))
    assert entry_id not in [r["entry"].pk for r in outsider.get("/entries/moderation/").context["rows"]]
    assert entry_id in [r["entry"].pk for r in insider.get("/entries/moderation/").context["rows"]]
    denied = outsider.post(f"/api/v1/submissions/entries/{entry_id}/moderate", {"action": "approve"},
                           content_type="application/json")
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    assert outsider.get(f"/entries/{entry_id}/").status_code == 403
    no_reason = insider.post(f"/api/v1/submissions/entries/{entry_id}/moderate", {"action": "reject"},
                             content_type="application/json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    ok = insider.post(f"/entries/{entry_id}/moderate/", {"action": "approve"})
    assert ok.status_code == 302
    assert Entry.objects.get(pk=entry_id).moderation == "approved"
    gallery = Client().get(f"/api/v1/submissions/events/{events['essay'].pk}/gallery").json()
    assert [g["nickname"] for g in gallery] == ["小华"]
    assert "李小华" not in Client().get(f"/entries/event/{events['essay'].pk}/gallery/").content.decode()


def test_eligibility_rules(corpus, contest, family, guardian_client, make_user):
    campaign, events = contest
    group = AgeGroup.objects.create(campaign=campaign, key="big", label="13–15岁", min_age=13, max_age=15)
    events["recitation"].age_groups.add(group)
    r = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="age", poem=events["poem"])
    assert r.status_code == 400 and r.json()["code"] == "age_not_eligible"
    events["recitation"].age_groups.clear()
    events["recitation"].settings = {"entries": {"media": ["audio"], "consent_required": ["publish_name"]}}
    events["recitation"].save()
    r = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="consent", poem=events["poem"])
    assert r.json()["code"] == "consent_required"
    events["recitation"].settings = {"entries": {"media": ["audio"], "closes": "2020-01-01T00:00:00"}}
    events["recitation"].save()
    r = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="late", poem=events["poem"])
    assert r.status_code == 409 and r.json()["code"] == "entries_closed"
    other = Client()
    other.force_login(make_user("13900000099", phone="13900000099"))
    r = api_submit(other, events["essay"], family[1], None, key="x", text="不是我的孩子")
    assert r.status_code == 403 and r.json()["code"] == "not_your_child"
    assert Entry.objects.count() == 0
    assert not default_storage.listdir("entries/o")[1] if default_storage.exists("entries/o") else True


def test_too_large_upload_is_refused_at_once_and_nothing_is_kept(contest, family, guardian_client):
    _, events = contest
    events["essay"].settings = {"entries": {"media": ["essay"], "limits": {"max_bytes": 100}}}
    events["essay"].save()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = guardian_client.post("/api/v1/submissions/entries", {
        "event": events["essay"].pk, "child": family[1].pk,
        "file": SimpleUploadedFile("big.txt", "字".encode() * 200)})
    assert r.status_code == 422 and r.json()["code"] == "file_too_large" and "100 B" in r.json()["message_zh"]
    assert Entry.objects.count() == 0


def test_notifications_on_received_accepted_and_rejected(corpus, contest, family, django_capture_on_commit_callbacks):
    from django_q.models import OrmQ

    _, events = contest
    guardian, child = family
    with django_capture_on_commit_callbacks(execute=True):
        good = services.entry_submit(event=events["recitation"], child=child, poem=events["poem"],
                                     uploaded_file=ContentFile(wav(corpus).read_bytes(), name="a.wav"),
                                     channel="upload", idempotency_key="n1", submitted_by=guardian)
    assert OrmQ.objects.count() == 1  # the processing task was enqueued after commit
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_process(good.pk)
    good.refresh_from_db()
    assert good.status == "ready"
    kinds = list(Notice.objects.filter(user=guardian).order_by("id").values_list("kind", flat=True))
    assert kinds[:2] == ["entry_received", "entry_accepted"]
    with django_capture_on_commit_callbacks(execute=True):
        bad = services.entry_submit(event=events["recitation"], child=child, poem=events["poem"],
                                    uploaded_file=ContentFile(b"hello", name="x.mp3"),
                                    channel="upload", idempotency_key="n2", submitted_by=guardian)
        services.entry_process(bad.pk)
    bad.refresh_from_db()
    assert bad.status == "rejected"
    notice = Notice.objects.filter(user=guardian, kind="entry_rejected").get()
    assert "这不是音频文件" in notice.body and notice.url == f"/entries/{bad.pk}/"


def test_processing_is_idempotent_and_the_watchdog_requeues_stale_entries(corpus, contest, family, guardian_client,
                                                                         django_capture_on_commit_callbacks):
    _, events = contest
    entry_id = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="i",
                          poem=events["poem"]).json()["id"]
    assert services.entry_process(entry_id) == "ready"
    first = Entry.objects.get(pk=entry_id)
    assert services.entry_process(entry_id) == "skipped"  # a second delivery changes nothing
    again = Entry.objects.get(pk=entry_id)
    assert (again.playback.name, again.attempts) == (first.playback.name, 1)
    # A worker died half-way: the entry sits in "processing" past its lease.
    an_hour_ago = timezone.now() - timedelta(hours=1)
    Entry.objects.filter(pk=entry_id).update(status="processing", processing_started_at=an_hour_ago,
                                             updated_at=an_hour_ago)
    from django_q.models import OrmQ

    queued = OrmQ.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.entries_requeue_stale() == [entry_id]
        assert services.entries_requeue_stale() == []  # once per period, not at every watchdog tick
    assert OrmQ.objects.count() == queued + 1
    assert services.entry_process(entry_id) == "ready"
    done = Entry.objects.get(pk=entry_id)
    assert done.attempts == 2 and not default_storage.exists(first.playback.name)  # no orphan copies
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="submissions.tasks.watchdog").exists()


def test_an_entry_failing_too_often_is_rejected_not_stuck(corpus, contest, family, guardian_client):
    _, events = contest
    entry_id = api_submit(guardian_client, events["recitation"], family[1], wav(corpus), key="f",
                          poem=events["poem"]).json()["id"]
    Entry.objects.filter(pk=entry_id).update(attempts=services.MAX_ATTEMPTS)
    assert services.entry_process(entry_id) == "skipped"
    entry = Entry.objects.get(pk=entry_id)
    assert entry.status == "rejected" and entry.reason_code == "processing_failed"


def test_video_gets_a_poster_and_an_h264_aac_playback(tmp_path, contest, family, guardian_client):
    _, events = contest
    source = tmp_path / "clip.mov"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=321x241:rate=15:duration=3",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:v", "mpeg4", "-c:a", "pcm_s16le",
                    "-metadata", "location=+28.1940+112.9823/", str(source)], check=True)
    entry_id = api_submit(guardian_client, events["video"], family[1], source, key="v").json()["id"]
    assert services.entry_process(entry_id) == "ready"
    entry = Entry.objects.get(pk=entry_id)
    info = ffprobe_json(default_storage.path(entry.playback.name))
    codecs = {s["codec_type"]: s["codec_name"] for s in info["streams"]}
    assert codecs == {"video": "h264", "audio": "aac"}
    assert "location" not in info["format"].get("tags", {})
    assert abs(entry.duration_s - 3) < 0.2
    assert default_storage.open(entry.thumbnail.name).read(3) == b"\xff\xd8\xff"
    long_clip = tmp_path / "long.mp4"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "color=size=64x64:rate=1:duration=200",
                    "-c:v", "libx264", "-preset", "ultrafast", str(long_clip)], check=True)
    refused = api_submit(guardian_client, events["video"], family[1], long_clip, key="v2").json()["id"]
    services.entry_process(refused)
    entry = Entry.objects.get(pk=refused)
    assert entry.reason_code == "too_long" and "3 分钟" in entry.message_zh


def test_ineligible_submissions_raise_user_facing_errors(contest, family, tree, make_user):
    _, events = contest
    quiz = events["essay"].__class__.objects.create(campaign=events["essay"].campaign, slug="quiz", kind="quiz",
                                                   title="答题")
    with pytest.raises(UserFacingError) as exc:
        services.entry_submit(event=quiz, child=family[1], uploaded_file=None, channel="web", idempotency_key="",
                              submitted_by=family[0], text="x")
    assert exc.value.code == "not_an_entry_event"


def test_deleting_a_child_removes_entries_and_their_files(corpus, contest, family, guardian_client,
                                                          django_capture_on_commit_callbacks):
    from campaigns.services import child_delete

    _, events = contest
    entry_id = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo.webp",
                          key="d").json()["id"]
    services.entry_process(entry_id)
    entry = Entry.objects.get(pk=entry_id)
    names = [entry.original.name, entry.playback.name, entry.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        child_delete(child=family[1], actor=family[0])
    assert not Entry.objects.filter(pk=entry_id).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_the_api_is_documented_in_openapi(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/v1/submissions/entries", "/api/v1/submissions/entries/{entry_id}",
                 "/api/v1/submissions/entries/{entry_id}/withdraw", "/api/v1/submissions/events/{event_id}/gallery"):
        assert path in paths, path
    create = paths["/api/v1/submissions/entries"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
