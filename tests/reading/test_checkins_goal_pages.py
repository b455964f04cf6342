"""Offline check-ins with rotating codes, the collective goal (cached, invalidated, broken down by the
tree), and the pages: the log page, posters, the campaign and branch pages' goal bars, the report."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from config.errors import UserFacingError
from reading import selectors, services
from reading.models import Checkin, PointsEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(reading_world, organizer):
    w = reading_world
    org = organizer(w["lib"]["C-HN-CS"])
    now = timezone.now()
    s = services.checkin_session_create(campaign=w["campaign"], library=w["lib"]["C-HN-CS"], actor=org,
                                        title="新春书展", starts_at=now - timedelta(hours=1),
                                        ends_at=now + timedelta(hours=1), period_seconds=60)
    return s, org


def test_a_code_works_inside_its_period_and_window_only(reading_world, session):
    w = reading_world
    s, _ = session
    now = timezone.now()
    code = services.checkin_code(s, now)
    checkin = services.checkin_scan(session=s, code=code, child=w["xm"], actor=w["guardian"], at=now)
    assert Checkin.objects.filter(session=s).count() == 1 and checkin.child == w["xm"]
    # Scanning again is harmless; the point is credited once.
    services.checkin_scan(session=s, code=code, child=w["xm"], actor=w["guardian"], at=now)
    assert PointsEntry.objects.filter(child=w["xm"], source="checkin").count() == 1
    # A photo of the code, used three periods later, no longer works.
    later = now + timedelta(seconds=180)
    with pytest.raises(UserFacingError) as err:
        services.checkin_scan(session=s, code=code, child=w["xh"], actor=w["guardian"], at=later)
    assert err.value.code == "code_expired"
    # Outside the session's window the current code is refused too.
    after = s.ends_at + timedelta(minutes=1)
    with pytest.raises(UserFacingError) as err:
        services.checkin_scan(session=s, code=services.checkin_code(s, after), child=w["xh"], actor=w["guardian"],
                              at=after)
    assert err.value.code == "ended"
    assert Checkin.objects.filter(session=s).count() == 1
    assert "visitor" in set(w["xm"].badges.values_list("badge_key", flat=True))


def test_only_the_library_s_organizers_create_check_ins(reading_world, organizer):
    w = reading_world
    hebei = organizer(w["lib"]["P-HE"])
    now = timezone.now()
    with pytest.raises(UserFacingError) as err:
        services.checkin_session_create(campaign=w["campaign"], library=w["lib"]["C-HN-CS"], actor=hebei, title="x",
                                        starts_at=now, ends_at=now + timedelta(hours=1))
    assert err.value.status == 403


def test_goal_breakdown_by_the_tree_and_invalidated_by_new_minutes(reading_world, django_capture_on_commit_callbacks):
    w = reading_world
    services.reading_log_add(event=w["event"], child=w["xm"], actor=w["guardian"], minutes=30, title="西游记")
    data = selectors.goal_breakdown(w["campaign"])
    assert data["minutes"] == 30 and data["participants"] == 3
    hn = selectors.goal_for_library(w["campaign"], w["lib"]["P-HN"])
    cs = selectors.goal_for_library(w["campaign"], w["lib"]["C-HN-CS"])
    he = selectors.goal_for_library(w["campaign"], w["lib"]["P-HE"])
    assert hn["minutes"] == cs["minutes"] == 30 and he["minutes"] == 0
    # Shares of the goal follow the participants: 湖南 has 2 of the 3 children.
    assert hn["target"] == round(10000 * 2 / 3) and he["target"] == round(10000 / 3)
    with django_capture_on_commit_callbacks(execute=True):
        services.reading_log_add(event=w["event"], child=w["xh"], actor=w["guardian"], minutes=20, title="小王子")
    assert selectors.goal_breakdown(w["campaign"])["minutes"] == 50  # the cache moved on after the commit


def test_the_log_page_logs_and_shows_points_streak_and_badges(client, reading_world):
    w = reading_world
    client.force_login(w["guardian"])
    url = reverse("reading:log", args=[w["event"].id])
    page = client.get(url)
    assert page.status_code == 200 and "草房子" not in page.content.decode()
    resp = client.post(url, {"child": w["xm"].id, "minutes": "25", "title": "草房子", "note": "好看"}, follow=True)
    html = resp.content.decode()
    assert "打卡成功" in html and "阅读起步" in html
    assert PointsEntry.objects.filter(child=w["xm"]).count() == 1
    resp = client.post(url, {"child": w["xm"].id, "minutes": "999", "title": "草房子"}, follow=True)
    assert "120" in resp.content.decode() and resp.status_code == 200  # the limit is named
    # Another family's child cannot be chosen.
    resp = client.post(url, {"child": w["hb"].id, "minutes": "10", "title": "x"}, follow=True)
    assert "请选择孩子" in resp.content.decode()
    poster = client.get(reverse("reading:poster", args=[w["campaign"].slug, w["xm"].id, "first-log"]))
    assert poster.status_code == 200 and poster["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(poster.content))
    assert image.size == (750, 1334)
    assert client.get(reverse("reading:poster", args=[w["campaign"].slug, w["xm"].id, "streak-3"])).status_code == 404
    client.force_login(w["other"])
    assert client.get(reverse("reading:poster", args=[w["campaign"].slug, w["xm"].id, "first-log"])).status_code == 404


def test_campaign_and_branch_pages_show_the_goal_and_the_json_follows(client, reading_world):
    w = reading_world
    services.reading_log_add(event=w["event"], child=w["xm"], actor=w["guardian"], minutes=40, title="西游记")
    html = client.get(reverse("campaign", args=[w["campaign"].slug])).content.decode()
    assert "共读一万分钟" in html and 'data-goal-url' in html
    branch = client.get(reverse("branch", args=[w["campaign"].slug, "C-HN-CS"])).content.decode()
    assert "共读一万分钟" in branch and "?library=C-HN-CS" in branch
    data = client.get(reverse("reading:goal", args=[w["campaign"].slug]) + "?library=C-HN-CS").json()
    assert data["minutes"] == 40 and data["target"] > 0
    assert client.get(reverse("reading:goal", args=[w["campaign"].slug]) + "?library=NOPE").status_code == 404


def test_report_and_exports_are_scoped(client, reading_world, organizer):
    w = reading_world
    services.reading_log_add(event=w["event"], child=w["xm"], actor=w["guardian"], minutes=40, title="=HYPERLINK(1)")
    services.reading_log_add(event=w["event"], child=w["hb"], actor=w["other"], minutes=15, title="河北的书")
    client.force_login(organizer(w["lib"]["P-HN"]))
    html = client.get(reverse("reading:report", args=[w["campaign"].slug])).content.decode()
    assert "长沙" in html and "河北" not in html
    xlsx = client.get(reverse("reading:report", args=[w["campaign"].slug]) + "?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    csv = client.get(reverse("reading:report", args=[w["campaign"].slug]) + "?format=csv").content.decode("utf-8-sig")
    assert "40" in csv and "河北" not in csv


def test_the_check_in_pages(client, reading_world, session):
    w = reading_world
    s, org = session
    client.force_login(org)
    screen = client.get(reverse("reading:checkin_screen", args=[s.id]))
    assert screen.status_code == 200 and "<svg" in screen.content.decode()
    assert client.get(reverse("reading:checkin_code", args=[s.id])).json()["open"] is True
    client.force_login(w["other"])
    assert client.get(reverse("reading:checkin_screen", args=[s.id])).status_code == 403
    client.force_login(w["guardian"])
    url = reverse("reading:checkin", args=[s.id, services.checkin_code(s)])
    resp = client.post(url, {"child": w["xh"].id}, follow=True)
    assert "签到成功" in resp.content.decode()
    stale = reverse("reading:checkin", args=[s.id, "0123456789ab"])
    assert "已过期" in client.get(stale).content.decode()


def test_the_organizer_dashboard_links_the_reading_report_and_desk_only_for_reading_campaigns(
        client, reading_world, organizer):
    from campaigns.models import Campaign, CampaignLibrary

    w = reading_world
    plain = Campaign.objects.create(slug="no-reading", title="只有答题", lead_library=w["lib"]["NLC"])
    CampaignLibrary.objects.create(campaign=plain, library=w["lib"]["C-HN-CS"])
    client.force_login(organizer(w["lib"]["C-HN-CS"]))
    html = client.get(reverse("reports:dashboard")).content.decode()
    assert reverse("reading:report", args=[w["campaign"].slug]) in html
    assert reverse("reading:manage", args=[w["campaign"].slug]) in html
    assert reverse("reading:report", args=["no-reading"]) not in html and "只有答题" in html


def _tables_read(fn):
    """The reading and campaign tables a call queries (the cache's own table left out: the tests run on
    the database cache unless REDIS_URL is set)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    tables = {t for t in ("reading_pointsentry", "campaigns_registration", "campaigns_library")
              if any(t in q["sql"] for q in ctx.captured_queries)}
    return result, tables


def test_goal_breakdown_is_served_from_the_cache_until_minutes_or_participants_commit(
        reading_world, django_capture_on_commit_callbacks):
    from campaigns.models import Child, Registration

    w = reading_world
    with django_capture_on_commit_callbacks(execute=True):
        services.reading_log_add(event=w["event"], child=w["xm"], actor=w["guardian"], minutes=30, title="西游记")
    first, tables = _tables_read(lambda: selectors.goal_breakdown(w["campaign"]))
    assert tables == {"reading_pointsentry", "campaigns_registration", "campaigns_library"}
    again, tables = _tables_read(lambda: selectors.goal_breakdown(w["campaign"]))
    assert again == first and tables == set()  # the normal path: the cache
    with django_capture_on_commit_callbacks(execute=True):  # a new participant in 河北
        child = Child.objects.create(guardian=w["other"], display_name="李二", nickname="二娃", birth_year=2017,
                                     library=w["lib"]["P-HE"])
        Registration.objects.create(campaign=w["campaign"], child=child, library=child.library)
    moved = selectors.goal_breakdown(w["campaign"])
    assert moved["participants"] == first["participants"] + 1 == 4
    he = selectors.goal_for_library(w["campaign"], w["lib"]["P-HE"])
    assert he["participants"] == 2 and he["target"] == round(10000 * 2 / 4)
    with django_capture_on_commit_callbacks(execute=True):
        services.reading_log_add(event=w["event"], child=w["xh"], actor=w["guardian"], minutes=20, title="小王子")
    # Minutes moved: computed again, but the participants come from their own cache.
    data, tables = _tables_read(lambda: selectors.goal_breakdown(w["campaign"]))
    assert data["minutes"] == 50 and tables == {"reading_pointsentry", "campaigns_library"}
