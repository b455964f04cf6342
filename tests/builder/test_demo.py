"""The demo's draft campaign: org-hn finds it in the builder, half done, and can carry on."""

import io
import re

import pytest

from builder import demo, selectors
from campaigns.models import AuditEvent, Campaign

pytestmark = pytest.mark.django_db


def test_demo_draft_for_org_hn_is_created_once(hn_client, tree, org_hn):
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert "created" in out.getvalue() and "unchanged" in out.getvalue()
    campaign = Campaign.objects.get(slug=demo.DRAFT_SLUG)
    assert selectors.campaign_status(campaign) == "draft"
    assert {"draft", "published", "entries_open", "likes_open", "judging", "results", "archived"} == \
        set(campaign.stages.values_list("kind", flat=True))
    assert campaign.branches.filter(library__code="C-HN-CS").exists()
    home = hn_client.get("/builder/").content.decode()
    assert demo.DRAFT_TITLE in home and "草稿 Draft" in home
    # The typed steps are filled, as their forms show them: a round with its rubric, awards, the WeChat menu
    # and pushes on the calendar.
    judging = hn_client.get(f"/builder/c/{demo.DRAFT_SLUG}/judging/").content.decode()
    assert 'value="全省评审"' in judging and re.search(r'class="rubric-sum"[^>]*>100 %<', judging)
    assert 'value="0.8 * panel + 0.2 * likes"' in judging
    awards = hn_client.get(f"/builder/c/{demo.DRAFT_SLUG}/awards/").content.decode()
    assert 'value="一等奖"' in awards and "第 11–40 名" in awards
    wechat = hn_client.get(f"/builder/c/{demo.DRAFT_SLUG}/wechat/").content.decode()
    assert 'value="参加征文"' in wechat and wechat.count("20:00 暑假每日一读") == 7
    steps = set(AuditEvent.objects.filter(campaign=campaign, action="builder.saved").values_list("data__step", flat=True))
    assert {"schedule", "events", "judging", "awards", "wechat"} <= steps
    review = hn_client.get(f"/builder/c/{demo.DRAFT_SLUG}/review/")
    assert review.status_code == 200
