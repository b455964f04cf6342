"""Every figure against the hand-counted campaign in conftest.py."""

import pytest

from reports.selectors.figures import campaign_figures
from reports.selectors.scope import Scope

pytestmark = pytest.mark.django_db


def figures_for(nye, code=None):
    library = nye.libraries[code] if code else None
    return campaign_figures(Scope(campaign=nye.campaign, library=library))


def test_headline_whole_campaign(nye_visits):
    h = figures_for(nye_visits)["headline"]
    assert h["registrations"] == 6
    assert h["attempts"] == 4  # the practice attempt is not a participation
    assert h["entries"] == 4  # replaced and refused entries are not counted
    assert h["likes"] == 3  # the voided like is not counted
    assert h["participations"] == 11
    assert h["participants"] == 6
    assert h["visits_pv"] == 7
    assert h["visits_uv"] == 4
    assert h["libraries_taking_part"] == 6
    assert h["libraries_taking_part_by_level"] == {"national": 1, "provincial": 1, "city": 3, "county": 1}
    assert h["awards"] == 2


def test_new_years_eve_day_boundary_in_shanghai(nye_visits):
    """23:59:59 on 2027-02-05 (除夕) belongs to 02-05, 00:00:00 to 02-06 — in Asia/Shanghai, not UTC."""
    days = {d["date"]: d for d in figures_for(nye_visits)["days"]}
    assert list(days) == ["2027-02-03", "2027-02-04", "2027-02-05", "2027-02-06"]
    assert days["2027-02-05"]["registrations"] == 3  # c1 (23:59:59), c4, c5
    assert days["2027-02-06"]["registrations"] == 1  # c2 (00:00:00)
    assert days["2027-02-05"]["attempts"] == 3  # c1 22:00 and 23:30, c5 21:00
    assert days["2027-02-06"]["attempts"] == 1  # c3 00:30 (still 02-05 in UTC)
    assert [days[d]["participations"] for d in sorted(days)] == [0, 1, 7, 3]
    assert (days["2027-02-05"]["pv"], days["2027-02-05"]["uv"]) == (5, 2)
    assert (days["2027-02-06"]["pv"], days["2027-02-06"]["uv"]) == (2, 2)


def test_peak_day_is_new_years_eve(nye_visits):
    peak = figures_for(nye_visits)["peak"]
    assert peak["participations"] == {"date": "2027-02-05", "value": 7}
    assert peak["visits"] == {"date": "2027-02-05", "value": 5}


def test_breakdown_by_level(nye_visits):
    rows = {r["level"]: r for r in figures_for(nye_visits)["by_level"]}
    assert rows["county"]["participations"] == 6  # c1: 2 attempts + c1, c2 entries + 2 likes
    assert rows["county"]["participants"] == 2
    assert rows["city"]["participations"] == 5  # CS: 1 attempt + 1 entry; SJZ: 1 attempt + 1 entry + 1 like
    assert rows["city"]["participants"] == 3
    assert rows["city"]["libraries_taking_part"] == 3
    assert rows["provincial"]["branches"] == 2 and rows["provincial"]["libraries_taking_part"] == 1
    assert rows["national"]["libraries_taking_part"] == 1  # the lead library runs the events


def test_breakdown_by_province_and_city(nye_visits):
    f = figures_for(nye_visits)
    provinces = {r["province"]: r for r in f["by_province"]}
    assert provinces["湖南"]["participants"] == 5 and provinces["湖南"]["participations"] == 8
    assert provinces["河北"]["participants"] == 1 and provinces["河北"]["participations"] == 3
    assert provinces["湖南"]["libraries_taking_part"] == 4
    cities = {(r["province"], r["city"]): r for r in f["by_city"]}
    assert cities[("湖南", "长沙图书馆")]["participants"] == 3  # the city and its county
    assert cities[("湖南", "长沙图书馆")]["participations"] == 8
    assert cities[("湖南", "长沙图书馆")]["pv"] == 4
    assert cities[("湖南", "株洲市图书馆")]["participants"] == 1
    assert cities[("河北", "石家庄市图书馆")]["entries"] == 1


def test_per_event_tables_and_media(nye_visits):
    f = figures_for(nye_visits)
    events = {e["slug"]: e for e in f["events"]}
    assert (events["quiz"]["attempts"], events["quiz"]["participants"]) == (4, 3)
    assert events["recite"]["entries"] == 3
    assert events["recite"]["entries_to_moderate"] == 2
    assert events["recite"]["likes"] == 2
    assert events["recite"]["by_media"]["audio"] == 3
    assert events["photo"]["by_media"] == {"audio": 0, "image": 1, "essay": 0, "video": 0}
    assert f["entries_by_media"] == [{"media": "audio", "label": "音频 Audio", "entries": 3},
                                     {"media": "image", "label": "图片 Image", "entries": 1}]


def test_top_libraries(nye_visits):
    f = figures_for(nye_visits)
    top = [(r["rank"], r["code"], r["participations"]) for r in f["top_libraries_participation"]]
    assert top == [(1, "X-HN-CSX", 6), (2, "C-HE-SJZ", 3), (3, "C-HN-CS", 2)]
    top_entries = [(r["code"], r["entries"]) for r in f["top_libraries_entries"]]
    assert top_entries == [("X-HN-CSX", 2), ("C-HE-SJZ", 1), ("C-HN-CS", 1)]


def test_per_library_rows(nye_visits):
    rows = {r["code"]: r for r in figures_for(nye_visits)["libraries"]}
    csx = rows["X-HN-CSX"]
    assert (csx["registrations"], csx["attempts"], csx["entries"], csx["likes"]) == (2, 2, 2, 2)
    assert (csx["pv"], csx["uv"], csx["awards"], csx["city"]) == (3, 3, 1, "长沙图书馆")
    assert rows["P-HE"]["branch"] and not rows["P-HE"]["takes_part"]
    assert rows["P-HN"]["takes_part"] and rows["P-HN"]["participants"] == 1


def test_quiz_summary(nye_visits):
    (quiz,) = figures_for(nye_visits)["quiz"]
    assert quiz["participants"] == 3 and quiz["attempts"] == 4 and quiz["completed"] == 2
    assert quiz["average_best_score"] == 243.3 and quiz["median_best_score"] == 250
    assert quiz["highest_score"] == 300
    assert [(t["nickname"], t["score"]) for t in quiz["top"]] == [("小c5", 300), ("小c1", 250), ("小c3", 180)]


def test_judging_progress_and_awards(nye_visits):
    f = figures_for(nye_visits)
    (rnd,) = f["judging"]["rounds"]
    assert (rnd["assignments"], rnd["assignments_done"], rnd["progress"]) == (3, 2, 66.7)  # withdrawn excluded
    assert (rnd["entries"], rnd["judges"]) == (3, 2)
    assert (rnd["results"], rnd["awarded"], rnd["advanced"]) == (3, 2, 0)
    assert {(t["key"], t["count"]) for t in f["awards"]["tiers"]} == {("zhuangyuan", 1), ("daren", 1)}
    assert sorted(w["library_code"] for w in f["awards"]["winners"]) == ["C-HE-SJZ", "X-HN-CSX"]


def test_city_subtree_sees_only_its_city_and_counties(nye_visits):
    f = figures_for(nye_visits, "C-HN-CS")
    h = f["headline"]
    assert (h["registrations"], h["attempts"], h["entries"], h["likes"]) == (3, 3, 3, 2)
    assert (h["participants"], h["participations"]) == (3, 8)
    assert (h["visits_pv"], h["visits_uv"]) == (4, 3)  # branch pages only: the campaign page is the lead's
    assert h["libraries_taking_part"] == 2
    assert {r["code"] for r in f["libraries"]} == {"C-HN-CS", "X-HN-CSX"}
    assert {r["province"] for r in f["by_province"]} == {"湖南"}
    assert [w["library_code"] for w in f["awards"]["winners"]] == ["X-HN-CSX"]
    assert f["judging"]["rounds"][0]["assignments"] == 2  # e1 (done) and e3 (pending)
    assert [t["nickname"] for t in f["quiz"][0]["top"]] == ["小c1", "小c3"]


def test_province_subtree(nye_visits):
    h = figures_for(nye_visits, "P-HN")["headline"]
    assert (h["registrations"], h["participants"], h["participations"]) == (5, 5, 8)
    assert h["libraries_taking_part"] == 4
    assert h["libraries_taking_part_by_level"] == {"national": 0, "provincial": 1, "city": 2, "county": 1}


def test_empty_campaign_has_zero_figures_and_no_peak(libraries):
    from campaigns.models import Campaign

    campaign = Campaign.objects.create(slug="empty", title="空", lead_library=libraries["P-HE"])
    f = campaign_figures(Scope(campaign=campaign, library=None))
    assert f["headline"]["participations"] == 0 and f["days"] == []
    assert f["peak"] == {"visits": None, "participations": None}
    assert f["campaign"]["stage"]["kind"] == "draft"
