"""The web workflow: assignment in the DB, blind scoring pages and API, the third-marker rule,
ties, likes, the declared formula, 公示/appeals, certificates and the audit log."""

import io
from collections import Counter

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import AuditEvent
from config.errors import UserFacingError
from judging import services
from judging.models import Assignment, Certificate, Discrepancy, Like, Result, Round, Score

pytestmark = pytest.mark.django_db

FULL = {"pronunciation": 8, "rhythm": 8, "emotion": 8, "fluency": 8}


def login(user):
    c = Client()
    c.force_login(user)
    return c


def submit(a, values, **kw):
    a.refresh_from_db()
    services.assignment_open(assignment=a, actor=a.judge.user)
    Assignment.objects.filter(pk=a.pk).update(opened_at=timezone.now() - timezone.timedelta(seconds=30),
                                              played_seconds=2.0, played_fraction=1.0)
    a.refresh_from_db()
    return services.score_record(assignment=a, actor=a.judge.user, values=values, submit=True, **kw)


def test_assignment_in_db_respects_library_and_balance(world):
    made = services.round_assign(round_=world["round"], actor=None)
    assert len(made) == 16
    assert all(a.entry.library_id != a.judge.library_id for a in made)
    loads = Counter(a.judge_id for a in made)
    assert max(loads.values()) - min(loads.values()) <= 1
    assert services.round_assign(round_=world["round"], actor=None) == []  # idempotent
    assert AuditEvent.objects.filter(action="judging.assigned").count() == 16


def test_blind_page_and_api_carry_no_identity(world):
    services.round_assign(round_=world["round"], actor=None)
    a = Assignment.objects.filter(round=world["round"]).select_related("entry__child", "entry__library",
                                                                       "judge__user").first()
    c = login(a.judge.user)
    page = c.get(f"/judging/a/{a.id}/").content.decode()
    api = c.get(f"/api/v1/judging/assignments/{a.id}").content.decode()
    queue = c.get("/judging/").content.decode() + c.get("/api/v1/judging/assignments").content.decode()
    child, library = a.entry.child, a.entry.library
    for text in (page, api, queue):
        for secret in (child.display_name, child.nickname, library.name, library.code, "secret-name",
                       "iPhone", a.entry.playback.name, str(child.birth_year)):
            assert secret not in text, secret
    assert "静夜思" in page and "pronunciation" in api
    # Another judge cannot open it, nor its media.
    other = next(j for j in world["judges"] if j.id != a.judge_id)
    assert login(other.user).get(f"/judging/a/{a.id}/").status_code == 404
    from judging.blind import media_url

    assert login(other.user).get(media_url(a)).status_code == 404
    media = c.get(media_url(a), HTTP_RANGE="bytes=0-99")
    assert media.status_code == 206 and "filename" not in media.get("Content-Disposition", "")


def test_draft_submit_reopen_and_speed_flag(world):
    services.round_assign(round_=world["round"], actor=None)
    a = Assignment.objects.filter(round=world["round"]).first()
    c = login(a.judge.user)
    c.get(f"/judging/a/{a.id}/")
    r = c.post(f"/judging/a/{a.id}/", {"action": "save", "score_pronunciation": "7"})
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.state == "draft" and Score.objects.get(assignment=a, criterion="pronunciation").value == 7
    # Out of range: refused, nothing lost.
    c.post(f"/judging/a/{a.id}/", {"action": "submit", **{f"score_{k}": "11" for k in FULL}})
    a.refresh_from_db()
    assert a.state == "draft" and Score.objects.get(assignment=a, criterion="pronunciation").value == 7
    # Submitting at once, without listening: flagged as faster than the recording.
    c.post(f"/judging/a/{a.id}/", {"action": "submit", **{f"score_{k}": "6" for k in FULL}})
    a.refresh_from_db()
    assert a.state == "submitted" and a.too_fast
    # Still one score per criterion (DB constraint), reopen until the round closes.
    assert Score.objects.filter(assignment=a).count() == 4
    c.post(f"/judging/a/{a.id}/", {"action": "reopen"})
    a.refresh_from_db()
    assert a.state == "reopened"
    services.round_set_status(round_=world["round"], status="closed", actor=None)
    r = c.post(f"/judging/a/{a.id}/", {"action": "submit", **{f"score_{k}": "6" for k in FULL}}, follow=True)
    assert "截止" in r.content.decode()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(round=a.round, assignment=a, entry=a.entry, judge=a.judge, criterion="rhythm", value=1)


def test_play_tracking_api(world):
    services.round_assign(round_=world["round"], actor=None)
    a = Assignment.objects.filter(round=world["round"]).first()
    c = login(a.judge.user)
    r = c.post(f"/judging/a/{a.id}/play", data='{"seconds": 1.0}', content_type="application/json")
    assert r.json()["played_fraction"] == 0.5
    c.post(f"/judging/a/{a.id}/play", data='{"seconds": 0.2}', content_type="application/json")
    a.refresh_from_db()
    assert a.played_fraction == 0.5  # never decreases


def test_disagreement_goes_to_third_judge_then_chief(world, organizer):
    services.round_assign(round_=world["round"], actor=None)
    entry = world["entries"][0]
    first, second = Assignment.objects.filter(round=world["round"], entry=entry)
    submit(first, {k: 10 for k in FULL})
    submit(second, {k: 1 for k in FULL})
    disc = Discrepancy.objects.get(round=world["round"], entry=entry)
    assert disc.status == "extra_judge"
    third = Assignment.objects.get(round=world["round"], entry=entry, reason="disagreement")
    assert third.judge.library_id != entry.library_id
    submit(third, {k: 5 for k in FULL})  # 50: no pair within the tolerance of 20
    disc.refresh_from_db()
    assert disc.status == "arbitration"
    chief = organizer(world["libraries"]["NLC"])
    c = login(chief)
    assert "待裁决" in c.get(f"/judging/rounds/{world['round'].id}/progress/").content.decode()
    c.post(f"/judging/discrepancies/{disc.id}/arbitrate/", {"score": "72", "note": "听了三遍，以发音为准"})
    disc.refresh_from_db()
    assert disc.status == "resolved" and disc.arbitrated_score == 72
    assert AuditEvent.objects.filter(action="judging.arbitrated", object_id=str(disc.id)).exists()


def test_settled_by_third_judge(world):
    services.round_assign(round_=world["round"], actor=None)
    entry = world["entries"][1]
    first, second = Assignment.objects.filter(round=world["round"], entry=entry)
    submit(first, {k: 9 for k in FULL})
    submit(second, {k: 4 for k in FULL})
    third = Assignment.objects.get(round=world["round"], entry=entry, reason="disagreement")
    submit(third, {k: 8 for k in FULL})
    assert Discrepancy.objects.get(entry=entry).status == "resolved"


def score_everything(round_, by_entry):
    for a in Assignment.objects.filter(round=round_).exclude(state="withdrawn").select_related("judge__user"):
        if a.state != "submitted":
            submit(a, by_entry[a.entry_id])


def test_results_formula_likes_ties_awards_appeals_certificates(world, organizer, make_user):
    round_ = world["round"]
    campaign = world["campaign"]
    campaign.config["judging"]["official_score"] = "raw_mean"  # equal totals → equal panel scores
    campaign.save()
    services.round_assign(round_=round_, actor=None)
    entries = world["entries"]
    base = {e.id: {k: 6 for k in FULL} for e in entries}
    base[entries[2].id] = {k: 9 for k in FULL}
    # entries 3 and 4 tie on the total; 4 is better on the priority criterion (pronunciation).
    base[entries[3].id] = {"pronunciation": 7, "rhythm": 8, "emotion": 8, "fluency": 8.75}
    base[entries[4].id] = {"pronunciation": 9, "rhythm": 7, "emotion": 7, "fluency": 8.25}
    score_everything(round_, base)
    # Likes: entry 5 gets likes from two voters; one is voided later.
    voter1, voter2, voter3 = make_user("fan1"), make_user("fan2"), make_user("fan3")
    services.like_add(entry=entries[5], voter_key=f"user:{voter1.pk}")
    services.like_add(entry=entries[5], voter_key=f"user:{voter2.pk}")
    services.like_add(entry=entries[5], voter_key=f"user:{voter3.pk}")
    services.like_add(entry=entries[6], voter_key=f"user:{voter1.pk}")
    results = {r.entry_id: r for r in services.round_compute_results(round_=round_, actor=None)}
    r5 = results[entries[5].id]
    assert r5.likes == 3 and r5.likes_normalised == pytest.approx(100)
    assert r5.final_score == pytest.approx(0.7 * r5.panel_score + 0.3 * 100)
    assert results[entries[6].id].likes_normalised == pytest.approx(100 / 3)
    r3, r4 = results[entries[3].id], results[entries[4].id]
    assert r3.final_score == pytest.approx(r4.final_score, abs=0.01)
    assert r4.rank < r3.rank and "priority_criterion" in r4.tie_note
    assert min(results.values(), key=lambda r: r.rank).entry_id == entries[5].id  # likes count, as declared
    # Voiding a like changes the result, logged.
    org = organizer(world["libraries"]["NLC"])
    services.likes_void(likes=Like.objects.filter(entry=entries[5], voter_hash=services.voter_hash(f"user:{voter3.pk}")),
                        actor=org, reason="同一设备刷票")
    results = {r.entry_id: r for r in services.round_compute_results(round_=round_, actor=org)}
    assert results[entries[5].id].likes == 2
    assert results[entries[6].id].likes_normalised == pytest.approx(50)
    top = min(results.values(), key=lambda r: r.rank)
    assert top.award_title == "诵读小状元" and top.award_title_en == "Little Reciting Champion"
    assert sum(1 for r in results.values() if r.award_key == "daren") == 2
    assert sum(1 for r in results.values() if r.advanced) == 3
    assert AuditEvent.objects.filter(action="judging.likes_voided").exists()
    assert AuditEvent.objects.filter(action="judging.result_changed", object_id=str(results[entries[5].id].id)).count() >= 2
    # 公示 and appeals.
    guardian = world["guardian"]
    with pytest.raises(UserFacingError, match="公示"):
        services.appeal_file(result=top, user=guardian, reason="成绩可能有误，请复核")
    services.round_publicize(round_=round_, actor=org)
    c = login(guardian)
    page = c.get(f"/judging/rounds/{round_.id}/results/").content.decode()
    assert "张秘密" in page  # publish_name consent given
    c.post(f"/judging/results/{top.id}/appeal/", {"reason": "成绩可能有误，请复核"})
    appeal = top.appeals.get()
    with pytest.raises(UserFacingError, match="申诉"):
        services.round_finalize(round_=round_, actor=org)
    services.appeal_resolve(appeal=appeal, actor=org, status="rejected", resolution="复核无误")
    certs = services.round_finalize(round_=round_, actor=org)
    assert len(certs) == 3
    cert = Certificate.objects.get(entry_id=top.entry_id)
    # The PDF opens and carries the code; the code verifies on the public page and API.
    pdf = c.get(f"/judging/certificates/{cert.code}.pdf").content
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert cert.code in text and "Awarded: Little Reciting Champion" in text  # the English title under the Chinese
    anon = Client()
    verify = anon.get(f"/judging/verify/?code={cert.code}").content.decode()
    assert cert.child_name in verify and "Little Reciting Champion" in verify
    assert "未找到" in anon.get("/judging/verify/?code=AAAA-BBBB-CCCC").content.decode()
    verified = anon.get(f"/api/v1/judging/certificates/{cert.code}").json()
    assert verified["valid"] is True and verified["award_en"] == "Little Reciting Champion"
    english = Client()
    english.cookies["django_language"] = "en"
    results_en = english.get(f"/judging/rounds/{round_.id}/results/").content.decode()
    assert "Little Reciting Champion" in results_en and "诵读小状元" not in results_en
    assert "诵读小状元" in anon.get(f"/judging/rounds/{round_.id}/results/").content.decode()
    # Export per scope.
    from openpyxl import load_workbook

    xlsx = login(org).get(f"/judging/rounds/{round_.id}/export.xlsx").content
    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws.max_row == len(entries) + 1
    # The audit log has every kind of step.
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    for needed in ["judging.assigned", "judging.score_submitted", "judging.result_changed", "judging.likes_voided",
                   "judging.appeal_filed", "judging.appeal_resolved", "judging.certificate_issued",
                   "judging.round_status"]:
        assert needed in actions, needed


def test_openapi_schema_builds():
    assert "/api/v1/judging/assignments/{assignment_id}/scores" in Client().get("/api/v1/openapi.json").json()["paths"]


def test_unresolved_tie_then_chief_decision(world, organizer):
    round_ = world["round"]
    services.round_assign(round_=round_, actor=None)
    same = {k: 7 for k in FULL}
    score_everything(round_, {e.id: same for e in world["entries"]})
    results = services.round_compute_results(round_=round_, actor=None)
    assert all("tie" in r.flags for r in results) and len({r.rank for r in results}) == 1
    org = organizer(world["libraries"]["NLC"])
    order = [e.id for e in reversed(world["entries"])]
    c = login(org)
    assert "未解决的并列" in c.get(f"/judging/rounds/{round_.id}/progress/").content.decode()
    # The chief names entries by their blind codes (judging/blind.py), never by id.
    from judging.blind import entry_code

    codes = [entry_code(round_, entry_id) for entry_id in order]
    page = c.get(f"/judging/rounds/{round_.id}/progress/").content.decode()
    assert all(code in page for code in codes) and f"#{order[0]}" not in page
    r = c.post(f"/judging/rounds/{round_.id}/tie/", {"order": "12, 7", "reason": "ids are refused"}, follow=True)
    assert "tie_unknown_code" not in r.content.decode() and "不在并列名单" in r.content.decode()
    r = c.post(f"/judging/rounds/{round_.id}/tie/", {"order": ", ".join(codes), "reason": "总评委复听后裁定",
                                                     "back": "https://evil.example/phish"})
    assert r.status_code == 302 and r["Location"] == f"/judging/rounds/{round_.id}/progress/"
    ranked = sorted(services.round_compute_results(round_=round_, actor=org), key=lambda r: r.rank)
    assert [r.entry_id for r in ranked] == order
    assert AuditEvent.objects.filter(action="judging.tie_decided").exists()


def test_likes_limits(world, make_user, settings):
    entry = world["entries"][0]
    voter = make_user("fan")
    services.like_add(entry=entry, voter_key=f"user:{voter.pk}")
    with pytest.raises(Exception) as info:
        services.like_add(entry=entry, voter_key=f"user:{voter.pk}")
    assert info.value.code == "like_once"
    like = Like.objects.get(entry=entry)
    assert like.voter_hash == services.voter_hash(f"user:{voter.pk}") != f"user:{voter.pk}"
    assert len(like.voter_hash) == 64 and not any(f.name in ("user", "voter") for f in Like._meta.fields)
    # Per-voter daily limit (5 in the config).
    for e in world["entries"][1:5]:
        services.like_add(entry=e, voter_key=f"user:{voter.pk}")
    with pytest.raises(Exception) as info:
        services.like_add(entry=world["entries"][5], voter_key=f"user:{voter.pk}")
    assert info.value.code == "like_daily"
    # Bursts from one network are flagged.
    for n in range(16):
        services.like_add(entry=world["entries"][6], voter_key=f"wx:{n}", network="10.0.0.9")
    assert Like.objects.filter(entry=world["entries"][6]).exclude(flagged="").count() >= 15
    # Web endpoint answers in both languages.
    r = login(voter).post(f"/judging/like/{entry.id}/", HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["message_zh"]


def test_conflict_declaration_and_judge_drop_reassign(world):
    round_ = world["round"]
    services.round_assign(round_=round_, actor=None)
    a = Assignment.objects.filter(round=round_).first()
    c = login(a.judge.user)
    c.post(f"/judging/a/{a.id}/", {"action": "conflict", "conflict_reason": "是我的学生"})
    a.refresh_from_db()
    assert a.state == "withdrawn"
    active = Assignment.objects.filter(round=round_, entry=a.entry).exclude(state="withdrawn")
    assert active.count() == 2 and a.judge_id not in {x.judge_id for x in active}
    leaving = world["judges"][2]
    services.judge_drop(round_=round_, judge=leaving, actor=None, reason="生病")
    active = Assignment.objects.filter(round=round_).exclude(state="withdrawn")
    assert not active.filter(judge=leaving).exists()
    assert all(x.entry.library_id != x.judge.library_id for x in active)
    per_entry = Counter(x.entry_id for x in active)
    assert all(per_entry[e.id] >= 2 for e in world["entries"])
    assert not active.filter(entry=a.entry, judge=a.judge).exists()  # the conflict never comes back
    loads = Counter(x.judge_id for x in active)
    assert max(loads.values()) - min(loads.values()) <= 1


def test_rounds_sync_is_idempotent(world):
    before = AuditEvent.objects.count()
    services.rounds_sync(campaign=world["campaign"])
    assert AuditEvent.objects.count() == before
    assert Round.objects.filter(campaign=world["campaign"]).count() == 1


def test_judges_excel_import(world, organizer):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["username", "name", "library_code", "phone", "capacity"])
    ws.append(["imp1", "李老师", "P-HE", "", 40])
    ws.append(["imp2", "王老师", "P-BJ", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    org = organizer(world["libraries"]["NLC"])
    c = login(org)
    from django.core.files.uploadedfile import SimpleUploadedFile

    c.post(f"/judging/c/{world['campaign'].slug}/judges/import/",
           {"panel": "诵读组", "file": SimpleUploadedFile("j.xlsx", buf.getvalue())})
    panel = world["campaign"].panels.get(name="诵读组")
    assert sorted(j.user.username for j in panel.judges.all()) == ["imp1", "imp2"]
    ws.append(["imp3", "x", "NOPE", "", ""])
    buf = io.BytesIO()
    wb.save(buf)
    r = c.post(f"/judging/c/{world['campaign'].slug}/judges/import/",
               {"panel": "诵读组", "file": SimpleUploadedFile("j.xlsx", buf.getvalue())}, follow=True)
    assert "第 4 行" in r.content.decode()
    assert not panel.judges.filter(user__username="imp3").exists()


def test_result_uses_arbitrated_score(world, organizer):
    round_ = world["round"]
    services.round_assign(round_=round_, actor=None)
    entries = world["entries"]
    by_entry = {e.id: {k: 6 for k in FULL} for e in entries}
    score_everything(round_, by_entry)
    r = Result.objects.none()
    disc = Discrepancy.objects.create(round=round_, entry=entries[0], spread=50, status="arbitration")
    services.discrepancy_arbitrate(discrepancy=disc, actor=organizer(world["libraries"]["NLC"]), score=99, note="复听")
    r = {x.entry_id: x for x in services.round_compute_results(round_=round_, actor=None)}[entries[0].id]
    assert r.panel_score == 99 and "arbitrated" in r.flags
