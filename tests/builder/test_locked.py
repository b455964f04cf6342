"""Once a campaign has entries the builder refuses structural edits too, and offers a one-click clone."""

import pytest

from campaigns.entry_counters import register_entry_counter, unregister_entry_counter
from campaigns.models import AuditEvent, Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_entry():
    def count(campaign):
        return AuditEvent.objects.filter(campaign=campaign, action="test.entry_submitted").count()

    register_entry_counter("tests.builder_entries", count)
    yield lambda campaign: AuditEvent.objects.create(action="test.entry_submitted", campaign=campaign,
                                                     object_type="test.entry", object_id="1")
    unregister_entry_counter("tests.builder_entries")


def test_structural_edit_refused_texts_allowed_and_clone_in_one_click(hn_client, tree, one_entry):
    hn_client.post("/builder/new/", {"template": "blank", "slug": "hn-live", "title": "湖南活动", "lead": "P-HN"})
    hn_client.post("/builder/c/hn-live/events/", {"action": "add", "kind": "essay", "title": "征文", "slug": "essay"})
    campaign = Campaign.objects.get(slug="hn-live")
    one_entry(campaign)

    page = hn_client.get("/builder/c/hn-live/events/0/").content.decode()
    assert "活动已有 1 件作品" in page and "一键复制为新草稿" in page
    refused = hn_client.post("/builder/c/hn-live/events/0/", {"title": "征文", "media": ["essay"],
                                                              "limit_max_chars": "800", "consent": ["judging"]})
    assert refused.status_code == 200
    assert "events[0].entries.limits" in refused.content.decode() and "复制活动" in refused.content.decode()
    assert "limits" not in campaign.events.get().settings["entries"]

    renamed = hn_client.post("/builder/c/hn-live/events/0/", {"title": "我的阅读故事", "media": ["essay"],
                                                              "consent": ["judging"]})
    assert renamed.status_code == 302 and campaign.events.get().title == "我的阅读故事"

    cloned = hn_client.post("/builder/c/hn-live/clone/")
    copy = Campaign.objects.exclude(pk=campaign.pk).get()
    assert cloned["Location"] == f"/builder/c/{copy.slug}/basics/"
    assert copy.title == "湖南活动（副本）" and copy.events.get().title == "我的阅读故事"
    assert [s.kind for s in copy.stages.all()] == ["draft"]
    assert AuditEvent.objects.filter(action="campaign.cloned", campaign=copy, actor__username="org-hn").exists()
