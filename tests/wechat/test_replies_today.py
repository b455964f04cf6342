"""Welcome, 报名 and 答题 replies point to the campaigns open today for the follower's library."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.wechat.conftest import OPENID
from tests.wechat.test_callback import post, reply_fields
from wechat.simulator import message_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def future_campaign(campaign, libraries):
    """A newer campaign for the same libraries, published today but taking part only from 2028."""
    from campaigns.models import Campaign, CampaignLibrary, Stage
    from events.models import Event

    now = timezone.now()
    future = Campaign.objects.create(slug="future-2028", title="未来阅读季", lead_library=libraries["NLC"],
                                     config={"wechat": {"keywords": {"答题": "quiz", "报名": "register"}}})
    CampaignLibrary.objects.create(campaign=future, library=libraries["P-HN"])
    Stage.objects.create(campaign=future, kind="published", starts_at=now - timedelta(days=1))
    Stage.objects.create(campaign=future, kind="entries_open", starts_at=now.replace(year=2028) + timedelta(days=400))
    Event.objects.create(campaign=future, slug="quiz", kind="quiz", title="未来答题")
    return future


@pytest.fixture
def county_follower(libraries):
    from wechat.models import Follower

    return Follower.objects.create(openid=OPENID, subscribed=True, library=libraries["X-HN-CSX"])


def test_register_and_quiz_replies_send_the_open_campaign_not_the_future_one(client, future_campaign,
                                                                             county_follower, tasks):
    reply = reply_fields(post(client, message_xml("text", OPENID, text="报名"), tasks=tasks))["Content"]
    assert "/c/tongyin-test/register/" in reply and "future-2028" not in reply
    reply = reply_fields(post(client, message_xml("text", OPENID, text="答题"), tasks=tasks))["Content"]
    assert "诗词答题" in reply and "未来答题" not in reply


def test_welcome_names_the_open_campaign_for_the_scanned_library(client, future_campaign, tasks):
    reply = reply_fields(post(client, message_xml("subscribe", "oNewFollower0001", key="lib-X-HN-CSX"),
                              tasks=tasks))["Content"]
    assert "长沙县图书馆" in reply and "童音诵古韵" in reply and "未来阅读季" not in reply


def test_follower_whose_library_has_nothing_open_is_told_so(client, future_campaign, libraries, tasks):
    from wechat.models import Follower

    Follower.objects.create(openid=OPENID, subscribed=True, library=libraries["P-HE"])  # not a branch of either
    for text in ("报名", "答题"):
        reply = reply_fields(post(client, message_xml("text", OPENID, text=text), tasks=tasks))["Content"]
        assert "今天没有正在进行的活动" in reply and "No campaign is open" in reply
        assert "/c/" not in reply


def test_elder_mode_menu_button_links_the_switch(client, campaign, tasks):
    reply = reply_fields(post(client, message_xml("click", OPENID, key="ELDER_MODE"), tasks=tasks))["Content"]
    assert "长辈模式" in reply and "/prefs/elder/" in reply
