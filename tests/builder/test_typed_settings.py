"""Services read a campaign's settings as the owning app's typed model: never as raw dicts, cached on the
instance until it is saved, and settings that no longer read give a clear 409 instead of a 500."""

import re

import pytest
from django.conf import settings

from builder.campaign_file import CampaignFile, campaign_file_validate
from campaigns.models import Campaign
from events.models import Event
from events.sections import quiz_rules
from judging.sections import judging_options
from tests.builder.campaign_file_helpers import MINIMAL, small_tree  # noqa: F401 (fixture)
from wechat.sections import wechat_options

APPS = ["campaigns", "events", "submissions", "judging", "wechat", "reports", "builder", "config"]
RAW_READS = re.compile(r"config or \{\}|\.config\.get\(|\.config\[|config\[\"|settings or \{\}|\.settings\.get\(|"
                       r"\.settings\[")


def test_no_campaign_setting_is_read_as_a_raw_dict():
    found = []
    for app in APPS:
        for path in (settings.BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                if RAW_READS.search(line) and "django.conf" not in line:
                    found.append(f"{path.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")
    assert not found, "read the owning app's typed settings instead:\n" + "\n".join(found)


@pytest.mark.django_db
@pytest.mark.usefixtures("small_tree")
def test_typed_views_follow_saves_and_replaced_settings():
    from campaigns.models import Library

    round_ = {"key": "final", "event": "recite", "title": "终评", "scope": "national",
              "rubric": [{"key": "voice", "label": "发音", "weight": 100}]}
    campaign = Campaign.objects.create(slug="typed", title="t", lead_library=Library.objects.get(code="NLC"),
                                       config={"judging": {"official_score": "raw_mean", "rounds": [round_]}})
    assert judging_options(campaign).official_score == "raw_mean"
    assert judging_options(campaign) is judging_options(campaign)  # read once per instance
    campaign.config["judging"]["official_score"] = "trimmed_mean"  # changed in place, then saved
    campaign.save()
    assert judging_options(campaign).official_score == "trimmed_mean"
    campaign.config = {"wechat": {"keywords": {"答题": "quiz"}}}  # replaced
    assert judging_options(campaign).official_score == "calibrated"  # the model's default, stated once
    assert wechat_options(campaign).wechat.keywords == {"答题": "quiz"}


@pytest.mark.django_db
@pytest.mark.usefixtures("small_tree")
def test_settings_that_no_longer_read_give_a_409_naming_the_field(client):
    from campaigns.models import Library

    campaign = Campaign.objects.create(slug="typed", title="t", lead_library=Library.objects.get(code="NLC"))
    event = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="答题",
                                 settings={"quiz": {"bank": "poems", "questions": "ten"}})
    with pytest.raises(Exception) as caught:
        quiz_rules(event)
    assert caught.value.status == 409 and "quiz.questions" in caught.value.message_en
    response = client.get(f"/events/quiz/{event.pk}/")
    assert response.status_code == 409
    assert "活动设置有误" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("small_tree")
def test_a_dict_validates_like_a_file_and_the_model_is_what_services_read():
    """The builder's forms hand a dict: same model, same rules, located by path."""
    import yaml

    data = yaml.safe_load(MINIMAL)
    valid = campaign_file_validate(data=data)
    assert isinstance(valid.model, CampaignFile)
    assert valid.model.events[0].entries.poems == ["jingyesi", "chunxiao"]
    assert valid.model.events[0].entries.channels == ["web"]  # default stated once, in events.sections
    data["events"][0]["entries"]["limits"]["max_seconds"] = "long"
    with pytest.raises(Exception) as caught:
        campaign_file_validate(data=data)
    [issue] = caught.value.issues
    assert issue.path == "events[0].entries.limits.max_seconds" and issue.message_zh == "必须是正数"
