"""The demo's draft campaign: org-hn finds it in the builder, half done, and can carry on."""

import io

import pytest

from builder import demo, selectors
from campaigns.models import Campaign

pytestmark = pytest.mark.django_db


def test_demo_draft_for_org_hn_is_created_once(hn_client, tree, org_hn):
    out = io.StringIO()
    demo.load(out)
    demo.load(out)
    assert "created" in out.getvalue() and "unchanged" in out.getvalue()
    campaign = Campaign.objects.get(slug=demo.DRAFT_SLUG)
    assert selectors.campaign_status(campaign) == "draft"
    assert {"draft", "published", "archived"} == set(campaign.stages.values_list("kind", flat=True))
    assert campaign.branches.filter(library__code="C-HN-CS").exists()
    home = hn_client.get("/builder/").content.decode()
    assert demo.DRAFT_TITLE in home and "草稿 Draft" in home
    review = hn_client.get(f"/builder/c/{demo.DRAFT_SLUG}/review/").content.decode()
    assert "还没有活动项目" in review  # what is left to do is listed, linked to its step
