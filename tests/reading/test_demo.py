"""The reading demo: the demo family's streak, points and badges, a flagged log for the library and an
exhibition check-in at 长沙图书馆 open now — made once, through the services."""

import io

import pytest
from django.db.models import Sum
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_the_reading_demo_shows_a_streak_a_flagged_log_and_an_open_check_in(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from builder import demo as builder_demo
    from campaigns import demo as campaigns_demo
    from reading import demo, selectors
    from reading.models import BadgeAward, CheckinSession, PointsEntry, ReadingLog

    out = io.StringIO()
    campaigns_demo.load(out)
    builder_demo.load(out)  # the example campaigns
    demo.load(out)
    counts = (ReadingLog.objects.count(), PointsEntry.objects.count(), BadgeAward.objects.count())
    demo.load(out)  # idempotent
    assert (ReadingLog.objects.count(), PointsEntry.objects.count(), BadgeAward.objects.count()) == counts
    xm = ReadingLog.objects.filter(child__nickname="小明").first().child
    stats = selectors.child_stats(xm.reading_logs.first().campaign, xm)
    assert stats["longest_streak"] >= 7 and stats["points"] > 0
    assert PointsEntry.objects.filter(child=xm, source="streak").exists()
    assert {"first-log", "streak-7"} <= set(BadgeAward.objects.filter(child=xm).values_list("badge_key", flat=True))
    flagged = ReadingLog.objects.get(status=ReadingLog.Status.FLAGGED)
    assert flagged.flags == ["photo_reused"] and flagged.library.code == "X-HN-CSX"
    assert not PointsEntry.objects.filter(source_key=f"log-{flagged.id}").exists()
    session = CheckinSession.objects.get(title="新春书展")
    assert session.library.code == "C-HN-CS" and session.created_by.username == "org-hn-cs"
    assert session.starts_at <= timezone.now() <= session.ends_at
    assert PointsEntry.objects.aggregate(s=Sum("points"))["s"] > 0
    assert "/reading/e/" in out.getvalue()
