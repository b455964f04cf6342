"""A campaign with a reading event, points, badges and a goal; a family with two children in 湖南."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CONFIG = {
    "points": {"per_reading_minute": 2, "reading_daily_cap": 90, "quiz_finished": 10, "entry_accepted": 20,
               "like_received": 1, "like_daily_cap": 3, "checkin": 15, "streaks": [{"days": 3, "bonus": 30}]},
    "badges": [
        {"key": "first-log", "title": "阅读起步", "rule": {"first_log": True}},
        {"key": "streak-3", "title": "三日不辍", "rule": {"streak_days": 3}},
        {"key": "minutes-100", "title": "百分钟", "rule": {"minutes": 100}},
        {"key": "visitor", "title": "书展来客", "rule": {"checkins": 1}},
        {"key": "two-events", "title": "两项都参加", "rule": {"events": 2}},
    ],
    "goal": {"minutes": 10000, "title": "共读一万分钟"},
}


@pytest.fixture
def reading_world(libraries, make_user):
    from campaigns.models import Campaign, CampaignLibrary, Child, Registration, Stage
    from events.models import Event

    lib = libraries
    campaign = Campaign.objects.create(slug="read-2027", title="寒假阅读", lead_library=lib["NLC"], config=CONFIG)
    now = timezone.now()
    Stage.objects.create(campaign=campaign, kind="entries_open", starts_at=now - timedelta(days=30),
                         ends_at=now + timedelta(days=30))
    for code in ("NLC", "P-HN", "C-HN-CS", "X-HN-CSX", "P-HE"):
        CampaignLibrary.objects.get_or_create(campaign=campaign, library=lib[code])
    event = Event.objects.create(campaign=campaign, slug="daka", kind="reading", title="阅读打卡",
                                 settings={"reading": {"max_minutes_per_log": 120, "max_logs_per_day": 2,
                                                       "backdate_days": 2, "photo_required_over_minutes": 100,
                                                       "night_flag_minutes": 90}})
    guardian = make_user("guardian-r", phone="13900000077")
    xm = Child.objects.create(guardian=guardian, display_name="王小明", nickname="小明", birth_year=2016,
                              library=lib["C-HN-CS"])
    xh = Child.objects.create(guardian=guardian, display_name="王小红", nickname="小红", birth_year=2018,
                              library=lib["X-HN-CSX"])
    other = make_user("guardian-h", phone="13900000078")
    hb = Child.objects.create(guardian=other, display_name="李河北", nickname="河北娃", birth_year=2017,
                              library=lib["P-HE"])
    for child in (xm, xh, hb):
        Registration.objects.create(campaign=campaign, child=child, library=child.library)
    return {"campaign": campaign, "event": event, "guardian": guardian, "xm": xm, "xh": xh, "other": other,
            "hb": hb, "lib": lib}
