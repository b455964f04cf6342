"""Organizer pages: the round's actions through the web, judges' habits, extra scores near the cut,
organisation awards, permissions."""

import io

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import AuditEvent
from judging import selectors, services
from judging.models import Assignment, Round

pytestmark = pytest.mark.django_db

CRITERIA = ("pronunciation", "rhythm", "emotion", "fluency")


def login(user):
    c = Client()
    c.force_login(user)
    return c


def submit_all(round_, value_for):
    for a in Assignment.objects.filter(round=round_).exclude(state__in=["withdrawn", "submitted"]):
        Assignment.objects.filter(pk=a.pk).update(opened_at=timezone.now() - timezone.timedelta(seconds=30))
        a.refresh_from_db()
        v = value_for(a)
        services.score_record(assignment=a, actor=a.judge.user, submit=True, values=dict.fromkeys(CRITERIA, v))


def test_round_page_actions_and_habits(world, organizer):
    campaign = world["campaign"]
    campaign.config["awards"].append({"key": "zuzhi", "title": "优秀组织奖", "count": 2, "kind": "organisation"})
    campaign.save()
    round_ = world["round"]
    org = organizer(world["libraries"]["NLC"])
    c = login(org)
    assert c.get(f"/judging/c/{campaign.slug}/").status_code == 200
    c.post(f"/judging/rounds/{round_.id}/", {"action": "assign"})
    assert Assignment.objects.filter(round=round_).count() == 16
    lenient = world["judges"][1]
    # One judge is 3 points more generous on every criterion; the model sees it.
    entry_level = {e.id: 4 + (n % 4) for n, e in enumerate(world["entries"])}
    submit_all(round_, lambda a: min(10, entry_level[a.entry_id] + (3 if a.judge_id == lenient.id else 0)))
    c.post(f"/judging/rounds/{round_.id}/", {"action": "compute"})
    page = c.get(f"/judging/rounds/{round_.id}/").content.decode()
    assert "评委倾向" in page and "优秀组织奖" in page
    models = {m["judge_id"]: m for m in services.round_judge_models(round_)}
    others = [m["leniency"] for k, m in models.items() if k != lenient.id]
    assert models[lenient.id]["leniency"] > max(others)
    org_awards = selectors.organisation_awards(Round.objects.get(pk=round_.pk))  # the campaign re-read
    assert len(org_awards) == 2 and org_awards[0]["code"] in ("C-HN-CS", "X-HN-CSX")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(c.get(f"/judging/rounds/{round_.id}/export.xlsx").content))
    assert "组织奖 Organisation" in wb.sheetnames
    # Someone else's organizer cannot manage the round.
    other = organizer(world["libraries"]["P-HE"])
    assert login(other).get(f"/judging/rounds/{round_.id}/").status_code == 403
    assert login(world["judges"][0].user).get(f"/judging/rounds/{round_.id}/progress/").status_code == 403


def test_extra_scores_for_entries_straddling_the_cut(world):
    round_ = world["round"]
    services.round_assign(round_=round_, actor=None)
    # Entries close to each other around the top-3 cut.
    level = {e.id: 5 + (n % 3) * 0.5 for n, e in enumerate(world["entries"])}
    submit_all(round_, lambda a: level[a.entry_id] + (0.5 if a.judge_id % 2 else 0))
    added = services.round_top_up(round_=round_, actor=None)
    assert added and all(a.reason == "straddle" for a in added)
    assert all(a.entry.library_id != a.judge.library_id for a in added)
    again = services.round_top_up(round_=round_, actor=None)
    assert not {a.entry_id for a in again} & {a.entry_id for a in added}  # once per entry
    assert AuditEvent.objects.filter(action="judging.assigned", data__reason="straddle").count() == len(added) + len(again)


def test_verify_and_import_pages_render(world, organizer):
    assert "证书查验" in Client().get("/judging/verify/").content.decode()
    org = organizer(world["libraries"]["NLC"])
    assert "username" in login(org).get(f"/judging/c/{world['campaign'].slug}/judges/import/").content.decode()
    assert Client().get(f"/judging/rounds/{world['round'].id}/results/").status_code == 404  # not public yet


def test_next_round_takes_only_advanced_entries(world):
    campaign = world["campaign"]
    spec = dict(campaign.config["judging"]["rounds"][0])
    campaign.config["judging"]["rounds"][0] = {**spec, "key": "first", "title": "初评", "advance": {"top": 3}}
    campaign.config["judging"]["rounds"].append({**spec, "key": "final2", "title": "终评", "advance": {}})
    campaign.save()
    world["round"].delete()  # the fixture's single round is replaced by the two declared here
    first, final = services.rounds_sync(campaign=campaign)[:2]
    services.round_set_status(round_=first, status="open", actor=None)
    services.round_assign(round_=first, actor=None)
    level = {e.id: 3 + n % 7 for n, e in enumerate(world["entries"])}
    submit_all(first, lambda a: level[a.entry_id])
    results = services.round_compute_results(round_=first, actor=None)
    advanced = {r.entry_id for r in results if r.advanced}
    assert len(advanced) == 3
    assert {e.id for e in services.round_entries(final)} == advanced
    assert not any(r.award_key for r in results)  # awards belong to the event's last round


def test_results_export_never_carries_a_live_formula(world, organizer):
    from tests.spreadsheets import HOSTILE, assert_no_formulas, xlsx_values

    round_ = world["round"]
    services.round_assign(round_=round_, actor=None)
    submit_all(round_, lambda a: 5 + a.entry_id % 4)
    services.round_compute_results(round_=round_, actor=None)
    child = world["entries"][0].child
    child.nickname = HOSTILE
    child.save(update_fields=["nickname"])
    data = login(organizer(world["libraries"]["NLC"])).get(f"/judging/rounds/{round_.id}/export.xlsx").content
    assert HOSTILE in xlsx_values(data)
    assert_no_formulas(data)
