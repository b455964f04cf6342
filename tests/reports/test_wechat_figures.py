"""Followers gained and failed pushes come from the wechat app; counted once its tables exist."""

import pytest
from django.db import connection

from reports.selectors.dashboard import attention_items
from reports.selectors.figures import campaign_figures
from reports.selectors.scope import Scope

from .conftest import utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def wechat_tables(db):
    from wechat.models import Follower, Push

    tables = connection.introspection.table_names()
    if Follower._meta.db_table not in tables or Push._meta.db_table not in tables:
        pytest.skip("the wechat app has no migrations yet: followers and pushes are left out of the report")
    return Follower, Push


def test_followers_gained_per_library_during_the_campaign(nye, wechat_tables):
    Follower, _Push = wechat_tables
    L = nye.libraries
    Follower.objects.create(openid="o1", subscribed=True, subscribed_at=utc(2027, 2, 5, 15), library=L["X-HN-CSX"])
    Follower.objects.create(openid="o2", subscribed=True, subscribed_at=utc(2027, 2, 1), library=L["C-HN-CS"])
    Follower.objects.create(openid="o3", subscribed=True, subscribed_at=utc(2026, 12, 1), library=L["C-HN-CS"])  # before
    Follower.objects.create(openid="o4", subscribed=True, subscribed_at=utc(2027, 2, 2), library=L["C-HE-SJZ"])
    Follower.objects.create(openid="o5", subscribed=True, subscribed_at=utc(2027, 2, 2), library=None)  # unattributed
    whole = campaign_figures(Scope(campaign=nye.campaign, library=None))
    assert whole["headline"]["followers_gained"] == 3
    rows = {r["code"]: r["followers_gained"] for r in whole["libraries"]}
    assert rows["X-HN-CSX"] == 1 and rows["C-HN-CS"] == 1 and rows["C-HE-SJZ"] == 1
    city = campaign_figures(Scope(campaign=nye.campaign, library=L["C-HN-CS"]))
    assert city["headline"]["followers_gained"] == 2


def test_failed_pushes_need_attention(nye, wechat_tables):
    _Follower, Push = wechat_tables
    L = nye.libraries
    Push.objects.create(campaign=nye.campaign, library=L["C-HN-CS"], title="除夕推送", status="failed")
    Push.objects.create(campaign=nye.campaign, library=L["P-HE"], title="河北推送", status="done")
    items = {i["kind"]: i for i in attention_items(Scope(campaign=nye.campaign, library=L["P-HN"]))}
    assert items["failed_pushes"]["count"] == 1
    items = {i["kind"]: i for i in attention_items(Scope(campaign=nye.campaign, library=L["P-HE"]))}
    assert "failed_pushes" not in items
