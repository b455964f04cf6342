"""打卡 (keyword and menu): a signed delivery is answered with the reading log of each campaign open
today for the follower's library, and only those."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.wechat.conftest import OPENID
from tests.wechat.test_callback import post, reply_fields
from wechat.simulator import message_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def reading_events(campaign, libraries):
    """The test campaign (湖南 branches) gains a reading event; a 河北-only campaign has another."""
    from campaigns.models import Campaign, CampaignLibrary, Stage
    from events.models import Event

    hunan = Event.objects.create(campaign=campaign, slug="daka", kind="reading", title="寒假阅读打卡", position=2)
    now = timezone.now()
    hebei_campaign = Campaign.objects.create(slug="hebei-read", title="河北共读", lead_library=libraries["P-HE"])
    CampaignLibrary.objects.create(campaign=hebei_campaign, library=libraries["P-HE"])
    Stage.objects.create(campaign=hebei_campaign, kind="entries_open", starts_at=now - timedelta(days=1),
                         ends_at=now + timedelta(days=1))
    hebei = Event.objects.create(campaign=hebei_campaign, slug="daka", kind="reading", title="河北打卡")
    return hunan, hebei


def test_daka_links_the_reading_log_of_campaigns_open_today_for_the_follower_s_library(
        client, reading_events, follower, tasks):
    hunan, hebei = reading_events
    content = reply_fields(post(client, message_xml("text", OPENID, text="打卡"), tasks=tasks))["Content"]
    # The follower's child is at 长沙图书馆: only the campaign 长沙 takes part in.
    assert f"/reading/e/{hunan.id}/" in content and "寒假阅读打卡" in content
    assert f"/reading/e/{hebei.id}/" not in content


def test_the_reading_menu_button_and_an_unknown_follower(client, reading_events, tasks):
    hunan, hebei = reading_events
    content = reply_fields(post(client, message_xml("click", "oStranger000000000000000001", key="READING"),
                                tasks=tasks))["Content"]
    # A follower with no library yet sees every reading check-in open today.
    assert f"/reading/e/{hunan.id}/" in content and f"/reading/e/{hebei.id}/" in content


def test_daka_when_no_reading_check_in_is_open(client, reading_events, follower, tasks):
    from campaigns.models import Stage

    Stage.objects.filter(kind="entries_open").update(ends_at=timezone.now() - timedelta(hours=1))
    from wechat.selectors import live_config_clear

    live_config_clear()
    content = reply_fields(post(client, message_xml("text", OPENID, text="打卡"), tasks=tasks))["Content"]
    assert "今天没有开放的阅读打卡活动" in content and "No reading check-in is open today" in content
    assert "/reading/e/" not in content


def test_the_menu_command_offers_reading(campaign, fake_wechat, capsys):
    from django.core.management import call_command

    campaign.config["wechat"]["menu"] = {"QUIZ": "quiz", "READING": "reading"}
    campaign.save()
    call_command("wechat_menu", campaign.slug)
    buttons = fake_wechat.requests("/cgi-bin/menu/create")[0]["body"]["button"]
    assert buttons[1] == {"type": "click", "name": "阅读打卡", "key": "READING"}
