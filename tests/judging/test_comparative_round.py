"""A comparative round in the web workflow: blind pairs for each judge within the conflict rules, the
judge's choice, the chief judge's live figures, and results through the same machinery as rubric
rounds (advance rule, awards, rank intervals, audit log)."""

import pytest
from django.urls import reverse

from tests.judging.conftest import config


@pytest.fixture
def cj_world(world):
    from campaigns.models import Campaign
    from judging import services
    from judging.models import Round

    campaign = world["campaign"]
    cfg = config()
    spec = cfg["judging"]["rounds"][0]
    spec.update({"method": "comparative", "comparisons_per_entry": 4})
    spec.pop("rubric")
    Campaign.objects.filter(pk=campaign.pk).update(config=cfg)
    campaign.refresh_from_db()
    services.rounds_sync(campaign=campaign)
    round_ = Round.objects.get(campaign=campaign, key="final")
    assert round_.method == "comparative" and round_.comparisons_per_entry == 4
    world["round"] = round_
    return world


def _judge_all(world, client, *, prefer=None, limit=200):
    """Every judge compares until nothing is left; `prefer(a, b)` picks the winner (a or b)."""
    from judging.models import Comparison

    url = reverse("judging:compare", args=[world["round"].id])
    decided = 0
    for judge in world["judges"]:
        client.force_login(judge.user)
        for _ in range(limit):
            page = client.get(url)
            assert page.status_code == 200
            comparison = page.context["comparison"]
            if comparison is None:
                break
            winner = prefer(comparison.entry_a, comparison.entry_b) if prefer else "a"
            resp = client.post(url, {"comparison": comparison.id, "winner": winner})
            assert resp.status_code == 302
            decided += 1
    return decided, Comparison.objects.filter(round=world["round"]).exclude(winner="")


@pytest.mark.django_db
def test_judges_compare_within_conflicts_until_every_entry_has_its_minimum(cj_world, client):
    by_quality = {e.id: n for n, e in enumerate(cj_world["entries"])}  # higher index = better
    decided, rows = _judge_all(cj_world, client, prefer=lambda a, b: "a" if by_quality[a.id] > by_quality[b.id] else "b")
    assert decided == rows.count() > 0
    counts = {e.id: 0 for e in cj_world["entries"]}
    for c in rows.select_related("judge__library", "entry_a__library", "entry_b__library"):
        counts[c.entry_a_id] += 1
        counts[c.entry_b_id] += 1
        # No judge compares an entry of their own library.
        assert c.judge.library_id not in (c.entry_a.library_id, c.entry_b.library_id)
    assert min(counts.values()) >= 4
    # The work is spread: nobody takes more than 1.5 × an equal share.
    target = len(cj_world["entries"]) * 4 / 2
    per_judge = {}
    for c in rows:
        per_judge[c.judge_id] = per_judge.get(c.judge_id, 0) + 1
    assert max(per_judge.values()) <= -(-1.5 * target // len(cj_world["judges"]))

    from judging import services
    from judging.models import Result

    results = services.round_compute_results(round_=cj_world["round"], actor=None)
    assert len(results) == len(cj_world["entries"])
    ranked = Result.objects.filter(round=cj_world["round"]).order_by("rank")
    # The best entry by the judges' choices is first; the advance rule (top 3) and awards apply.
    assert ranked[0].entry_id == cj_world["entries"][-1].id
    assert sum(r.advanced for r in ranked) == 3
    assert ranked[0].award_key == "zhuangyuan"
    assert all(r.rank_low <= r.rank <= r.rank_high for r in ranked)
    assert all(0 < r.calibrated < 100 for r in ranked)

    from campaigns.models import AuditEvent

    assert AuditEvent.objects.filter(action="judging.comparison_decided").count() == decided
    assert AuditEvent.objects.filter(action="judging.result_changed").count() == len(results)


@pytest.mark.django_db
def test_the_compare_page_is_blind_and_its_media_is_the_playback_copy_of_that_judge_only(cj_world, client):
    judge = cj_world["judges"][0]
    client.force_login(judge.user)
    page = client.get(reverse("judging:compare", args=[cj_world["round"].id]))
    html = page.content.decode()
    for entry in cj_world["entries"]:
        assert entry.child.nickname not in html and entry.child.display_name not in html
        assert entry.original_name not in html
        assert f"/entries/{entry.id}/" not in html
    assert "iPhone secret" not in html and "secret-name" not in html
    comparison = page.context["comparison"]
    left = page.context["left"]["media_src"]
    media = client.get(left)
    assert media.status_code == 200
    body = b"".join(media.streaming_content)
    assert body == comparison.entry_a.playback.open("rb").read()
    assert "Content-Disposition" not in media
    # Another judge (or a family) holding the link gets nothing.
    client.force_login(cj_world["judges"][1].user)
    assert client.get(left).status_code == 404
    client.force_login(cj_world["guardian"])
    assert client.get(left).status_code == 404
    # A forged token gets nothing either.
    assert client.get(reverse("judging:compare_media", args=["not-a-token"])).status_code == 404


@pytest.mark.django_db
def test_a_judge_gets_the_same_open_pair_on_reload_and_cannot_decide_twice(cj_world, client):
    judge = cj_world["judges"][2]
    client.force_login(judge.user)
    url = reverse("judging:compare", args=[cj_world["round"].id])
    first = client.get(url).context["comparison"]
    assert client.get(url).context["comparison"].id == first.id
    client.post(url, {"comparison": first.id, "winner": "tie"})
    first.refresh_from_db()
    assert first.winner == "tie"
    resp = client.post(url, {"comparison": first.id, "winner": "a"}, follow=True)
    first.refresh_from_db()
    assert first.winner == "tie"
    assert "已经提交" in resp.content.decode()
    # Bad input is refused with a reason, never stored.
    nxt = client.get(url).context["comparison"]
    resp = client.post(url, {"comparison": nxt.id, "winner": "left"}, follow=True)
    nxt.refresh_from_db()
    assert nxt.winner == "" and "请选择" in resp.content.decode()


@pytest.mark.django_db
def test_the_chief_judge_sees_ssr_and_misfit(cj_world, client):
    _judge_all(cj_world, client)
    from judging.selectors import round_progress

    progress = round_progress(cj_world["round"])
    c = progress["comparative"]
    assert c["decided"] == progress["done"] > 0
    assert c["ssr"] is not None and 0 <= c["ssr"] <= 1
    assert {j["judge_id"] for j in c["judges"]} <= {j.id for j in cj_world["judges"]}
    assert all("infit" in j and "weight" in j for j in c["judges"])


@pytest.mark.django_db
def test_queue_lists_the_comparative_round(cj_world, client):
    client.force_login(cj_world["judges"][0].user)
    html = client.get(reverse("judging:queue")).content.decode()
    assert reverse("judging:compare", args=[cj_world["round"].id]) in html


