"""Reading logs and the points ledger: every rule, the caps, streaks, badges, flags on implausible logs,
bilingual refusals that store nothing, and recomputation equal to the incremental figure."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from PIL import Image

from config.errors import UserFacingError
from reading import selectors, services
from reading.models import BadgeAward, PointsEntry, ReadingLog

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day_offset=0, hour=19):
    today = datetime.now(SH).date()
    return datetime.combine(today + timedelta(days=day_offset), datetime.min.time(), SH).replace(hour=hour)


def log(w, child="xm", minutes=30, day_offset=0, hour=19, logged_on=None, **kw):
    """A log for the day `day_offset` from today, entered at `hour` on that day (or on `logged_on`)."""
    moment = at(day_offset if logged_on is None else logged_on, hour)
    return services.reading_log_add(event=w["event"], child=w[child], actor=w["guardian"], minutes=minutes,
                                    title=kw.pop("title", "草房子"), day=at(day_offset).date(), at=moment, **kw)


def points(w, child="xm", source=None):
    qs = PointsEntry.objects.filter(campaign=w["campaign"], child=w[child])
    if source:
        qs = qs.filter(source=source)
    return qs.aggregate(s=Sum("points"))["s"] or 0


def photo(color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return SimpleUploadedFile("p.jpg", buf.getvalue(), content_type="image/jpeg")


def test_a_log_earns_points_per_minute_and_the_daily_cap_holds(reading_world):
    w = reading_world
    log(w, minutes=30)
    assert points(w) == 60  # 2 points a minute
    log(w, minutes=40)  # 80 more would pass the cap of 90
    assert points(w, source="reading") == 90
    rows = list(PointsEntry.objects.filter(child=w["xm"], source="reading").order_by("id"))
    assert [r.points for r in rows] == [60, 30] and [r.minutes for r in rows] == [30, 40]


@pytest.mark.parametrize("kwargs, code", [
    ({"minutes": 0}, "minutes"), ({"minutes": 121}, "minutes"), ({"minutes": "abc"}, "number"),
    ({"title": ""}, "title"), ({"day_offset": -3, "logged_on": 0}, "too_old"), ({"day_offset": 1, "logged_on": 0}, "future"),
    ({"minutes": 101}, "photo_required"),
])
def test_bad_input_is_refused_with_a_bilingual_reason_and_nothing_is_stored(reading_world, kwargs, code):
    w = reading_world
    with pytest.raises(UserFacingError) as err:
        log(w, **kwargs)
    assert err.value.code == code
    assert err.value.message_zh and err.value.message_en and err.value.message_zh != err.value.message_en
    assert not ReadingLog.objects.exists() and not PointsEntry.objects.exists()


def test_logs_per_day_and_only_for_your_own_children(reading_world):
    w = reading_world
    log(w)
    log(w)
    with pytest.raises(UserFacingError) as err:
        log(w)
    assert err.value.code == "per_day" and "2" in err.value.message_en
    with pytest.raises(UserFacingError) as err:
        services.reading_log_add(event=w["event"], child=w["hb"], actor=w["guardian"], minutes=10, title="x")
    assert err.value.status == 403
    assert ReadingLog.objects.count() == 2


def test_streak_bonus_and_badges_over_three_days(reading_world):
    w = reading_world
    for offset in (-2, -1, 0):
        log(w, minutes=20, day_offset=offset)
    # 3 × 40 reading points + the 3-day streak bonus of 30
    assert points(w, source="reading") == 120
    assert points(w, source="streak") == 30
    keys = set(BadgeAward.objects.filter(child=w["xm"]).values_list("badge_key", flat=True))
    assert {"first-log", "streak-3"} <= keys and "minutes-100" not in keys
    summary = selectors.child_summary(w["campaign"], w["xm"], at().date())
    assert summary["current_streak"] == 3 and summary["points"] == 150
    # A repeated evaluation awards nothing new.
    assert services.badges_evaluate(campaign=w["campaign"], child=w["xm"]) == []


def test_implausible_logs_are_flagged_not_counted_until_the_library_approves(reading_world, organizer):
    w = reading_world
    night = log(w, minutes=110, hour=3, photo=photo())
    assert night.status == ReadingLog.Status.FLAGGED and "night_marathon" in night.flags
    assert points(w) == 0
    same = log(w, minutes=20, day_offset=-1, photo=photo())  # the same picture on another day
    assert "photo_reused" in same.flags and same.status == ReadingLog.Status.FLAGGED
    hebei = organizer(w["lib"]["P-HE"])
    with pytest.raises(UserFacingError) as err:
        services.reading_log_review(log=night, actor=hebei, approve=True)
    assert err.value.status == 403
    hunan = organizer(w["lib"]["P-HN"])
    services.reading_log_review(log=night, actor=hunan, approve=True)
    services.reading_log_review(log=same, actor=hunan, approve=False)
    night.refresh_from_db()
    same.refresh_from_db()
    assert night.status == "counted" and same.status == "rejected"
    assert points(w, source="reading") == 90  # 110 minutes × 2, capped at 90 for the day
    # The stored photo has no EXIF and is a processed copy.
    assert night.photo and night.photo_sha256


def test_recompute_from_the_ledger_equals_the_incremental_figures(reading_world):
    w = reading_world
    log(w, minutes=30)
    log(w, child="xh", minutes=15)
    log(w, minutes=25, day_offset=-1)
    before = {c.id: selectors.child_stats(w["campaign"], c)["points"] for c in (w["xm"], w["xh"])}
    BadgeAward.objects.all().delete()
    made = services.badges_recompute(campaign=w["campaign"])
    assert made >= 2
    after = {c.id: selectors.child_stats(w["campaign"], c)["points"] for c in (w["xm"], w["xh"])}
    assert before == after == {w["xm"].id: 110, w["xh"].id: 30}
    # Crediting the same activity again changes nothing (the ledger's unique key).
    entry = PointsEntry.objects.filter(child=w["xm"]).first()
    assert services.points_credit(campaign=w["campaign"], child=w["xm"], source=entry.source,
                                  source_key=entry.source_key, day=entry.day, points=999) is None
    assert points(w) == 110


def test_quiz_entries_and_likes_feed_the_ledger_once(reading_world, django_capture_on_commit_callbacks):
    from events.models import Event, QuizAttempt
    from judging.models import Like
    from submissions.models import Entry

    w = reading_world
    quiz = Event.objects.create(campaign=w["campaign"], slug="quiz", kind="quiz", title="答题")
    with django_capture_on_commit_callbacks(execute=True):
        attempt = QuizAttempt.objects.create(event=quiz, child=w["xm"], library=w["xm"].library, token="t1",
                                             practice=False, status="finished", local_date=at().date(),
                                             started_at=at(), deadline=at(), question_count=10)
        attempt.save()  # saved twice: credited once
        QuizAttempt.objects.create(event=quiz, child=w["xm"], library=w["xm"].library, token="t2", practice=True,
                                   status="finished", local_date=at().date(), started_at=at(), deadline=at(),
                                   question_count=10)
    assert points(w, source="quiz") == 10  # practice never counts
    essay = Event.objects.create(campaign=w["campaign"], slug="essay", kind="essay", title="征文")
    with django_capture_on_commit_callbacks(execute=True):
        entry = Entry.objects.create(event=essay, child=w["xm"], library=w["xm"].library, kind="essay",
                                     status="ready", text="读书")
    assert points(w, source="entry") == 20
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            Like.objects.create(entry=entry, voter_hash=f"v{n}", day=at().date())
    assert points(w, source="like") == 3  # the daily cap of like points
    assert "two-events" in set(BadgeAward.objects.filter(child=w["xm"]).values_list("badge_key", flat=True))


def test_the_set_based_recompute_equals_the_incremental_figures_and_restores_badges(reading_world, organizer):
    from django.core.management import call_command
    from django.utils import timezone

    w = reading_world
    now = timezone.now()
    session = services.checkin_session_create(
        campaign=w["campaign"], library=w["lib"]["C-HN-CS"], actor=organizer(w["lib"]["C-HN-CS"]), title="新春书展",
        starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    for day in (-2, -1, 0):  # a three-day streak for 小明 (bonus and streak badge)
        log(w, minutes=40, day_offset=day)
    log(w, child="xh", minutes=15)
    services.checkin_scan(session=session, code=services.checkin_code(session), child=w["xh"], actor=w["guardian"])
    children = (w["xm"], w["xh"])
    incremental = {c.id: selectors.child_stats(w["campaign"], c) for c in children}
    awarded = set(BadgeAward.objects.values_list("child_id", "badge_key"))
    assert (w["xm"].id, "streak-3") in awarded and (w["xh"].id, "visitor") in awarded

    stats = selectors.campaign_child_stats(w["campaign"])
    assert {k: stats[k] for k in incremental} == incremental
    BadgeAward.objects.filter(badge_key__in=["streak-3", "visitor"]).delete()
    out = io.StringIO()
    call_command("reading_recompute", w["campaign"].slug, stdout=out)
    assert set(BadgeAward.objects.values_list("child_id", "badge_key")) == awarded
    assert "badges awarded 2" in out.getvalue()
    # Run again: nothing new, the totals unchanged.
    again = services.campaign_recompute(campaign=w["campaign"])
    assert again["badges_awarded"] == 0
    assert again["points"] == PointsEntry.objects.aggregate(s=Sum("points"))["s"]


def test_recompute_names_a_missing_campaign_in_both_languages(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="没有代号为 nope 的活动 / no campaign"):
        call_command("reading_recompute", "nope")


def test_streaks_across_gaps_caps_and_a_bridging_back_dated_log_recompute_as_logged(reading_world, organizer):
    """The SQL of the recompute (gaps and islands) against the incremental figures: a capped day (a
    reading row of 0 points) is still a reading day, a flagged log is not, a gap ends a run, and a log
    dated back into a gap joins two runs."""
    from django.utils import timezone

    w = reading_world
    for day in (-9, -8, -7):
        log(w, minutes=20, day_offset=day, logged_on=day)
    log(w, minutes=60, day_offset=-5, logged_on=-5)
    log(w, minutes=60, day_offset=-5, logged_on=-5)  # over the daily cap: a row of 0 points
    log(w, minutes=20, day_offset=-4, logged_on=-4)
    log(w, minutes=20, day_offset=-6, logged_on=-4)  # back-dated into the gap: -9 … -4 is one run now
    for day in (-3, -2):
        log(w, minutes=20, day_offset=day, logged_on=day)
    flagged = log(w, minutes=95, day_offset=-1, hour=3)  # a night marathon: flagged, not a reading day
    assert flagged.status == ReadingLog.Status.FLAGGED
    log(w, minutes=20)
    log(w, child="xh", minutes=20, day_offset=-2, logged_on=-2)
    log(w, child="xh", minutes=20)
    session = services.checkin_session_create(
        campaign=w["campaign"], library=w["lib"]["P-HE"], actor=organizer(w["lib"]["P-HE"]), title="书展",
        starts_at=timezone.now() - timedelta(hours=1), ends_at=timezone.now() + timedelta(hours=1))
    other = services.checkin_scan(session=session, code=services.checkin_code(session), child=w["hb"],
                                  actor=w["other"])
    assert other.pk

    day_minus_5 = PointsEntry.objects.filter(child=w["xm"], source="reading", day=at(-5).date())
    assert sorted(day_minus_5.values_list("points", flat=True)) == [0, 90]
    children = (w["xm"], w["xh"], w["hb"])
    incremental = {c.id: selectors.child_stats(w["campaign"], c) for c in children}
    assert [incremental[c.id]["longest_streak"] for c in children] == [8, 1, 0]
    assert selectors.campaign_child_stats(w["campaign"]) == incremental
    awarded = set(BadgeAward.objects.values_list("child_id", "badge_key"))
    assert (w["xm"].id, "streak-3") in awarded and (w["xh"].id, "streak-3") not in awarded

    BadgeAward.objects.all().delete()
    result = services.campaign_recompute(campaign=w["campaign"])
    assert set(BadgeAward.objects.values_list("child_id", "badge_key")) == awarded
    assert result["badges_awarded"] == len(awarded)
    assert result["children"] == 3
    assert result["points"] == PointsEntry.objects.aggregate(s=Sum("points"))["s"]
    assert result["minutes"] == PointsEntry.objects.aggregate(s=Sum("minutes"))["s"]
    assert services.campaign_recompute(campaign=w["campaign"])["badges_awarded"] == 0


def test_a_log_counts_for_the_nearest_library_taking_part(reading_world, make_user):
    """A child whose own library does not take part: the log and its points count for the nearest
    ancestor that does (the branch is found in the same query as the child's lock)."""
    from campaigns.models import Child, Library

    w = reading_world
    taking_part = [w["lib"][code].pk for code in ("NLC", "P-HN", "C-HN-CS", "X-HN-CSX", "P-HE")]
    county = (Library.objects.filter(path__startswith=w["lib"]["P-HN"].path, level="county")
              .exclude(pk__in=taking_part).order_by("path").first())
    expected = w["lib"]["C-HN-CS"] if county.path.startswith(w["lib"]["C-HN-CS"].path) else w["lib"]["P-HN"]
    assert county.parent_id != w["lib"]["P-HN"].id or expected == w["lib"]["P-HN"]
    child = Child.objects.create(guardian=w["guardian"], display_name="王小三", nickname="小三", birth_year=2017,
                                 library=county)
    w["x3"] = child
    entry = log(w, child="x3", minutes=20)
    assert entry.library_id == expected.id != county.id
    assert set(PointsEntry.objects.filter(child=child).values_list("library_id", flat=True)) == {expected.id}
    own = log(w, child="xh", minutes=20)  # 小红's own county takes part
    assert own.library_id == w["lib"]["X-HN-CSX"].id
