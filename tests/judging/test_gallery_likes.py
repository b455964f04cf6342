"""The public gallery's like button during the likes stage: a plain form POST (no JavaScript), the count,
the service's bilingual refusal (daily limit, likes closed), a login link for visitors; and the event
cards of the campaign and branch pages link the gallery, the recording page and the family's entries."""

import re
from html import unescape

import pytest
from django.test import Client

from judging.models import Like


def _gallery(client, event):
    response = client.get(f"/entries/event/{event.pk}/gallery/")
    assert response.status_code == 200
    return response.content.decode()


def _card(html, entry):
    return html.split(f'id="entry-{entry.pk}"', 1)[1].split("</li>", 1)[0]


def _count(card) -> int:
    return int(re.search(r'class="like-count"[^>]*>.*?</span>\s*(\d+)', card, re.S).group(1))


@pytest.mark.django_db
def test_like_button_posts_without_js_and_counts(world, make_user):
    event, entry = world["event"], world["entries"][0]
    client = Client()
    client.force_login(make_user("voter1", phone="13900000401"))
    card = _card(_gallery(client, event), entry)
    assert f'action="/judging/like/{entry.pk}/"' in card and 'method="post"' in card
    assert 'name="csrfmiddlewaretoken"' in card and f'value="/entries/event/{event.pk}/gallery/#entry-{entry.pk}"' in card
    assert 'aria-pressed="false"' in card and "昵称小0" in card  # the button names the entry for screen readers
    assert _count(card) == 0

    response = client.post(f"/judging/like/{entry.pk}/", {"next": f"/entries/event/{event.pk}/gallery/#entry-{entry.pk}"},
                           follow=True)
    assert response.redirect_chain[-1][0] == f"/entries/event/{event.pk}/gallery/#entry-{entry.pk}"
    html = response.content.decode()
    assert "点赞成功" in html
    card = _card(html, entry)
    assert _count(card) == 1 and 'aria-pressed="true"' in card and "今天已赞" in card
    assert Like.objects.filter(entry=entry, voided=False).count() == 1

    # The same entry again today: the service refuses, the page says why in both languages.
    html = client.post(f"/judging/like/{entry.pk}/", {"next": f"/entries/event/{event.pk}/gallery/"},
                       follow=True).content.decode()
    assert "今天已经为这件作品点过赞了" in html and "you already liked this entry today" in html
    card = _card(html, entry)
    assert _count(card) == 1
    assert re.search(r'role="alert">今天已经为这件作品点过赞了', card)  # next to the button, announced
    assert "今天已经为这件作品点过赞了" not in _card(html, world["entries"][1])


@pytest.mark.django_db
def test_daily_limit_message_and_foreign_next_is_ignored(world, make_user):
    from campaigns.models import Campaign

    campaign = world["campaign"]
    campaign.config = {**campaign.config, "likes": {**campaign.config["likes"], "per_voter_per_day": 2}}
    Campaign.objects.filter(pk=campaign.pk).update(config=campaign.config)
    client = Client()
    client.force_login(make_user("voter2", phone="13900000402"))
    entries = [e for e in world["entries"] if e.pk in {int(m) for m in re.findall(r'id="entry-(\d+)"',
                                                                                    _gallery(client, world["event"]))}]
    for entry in entries[:2]:
        client.post(f"/judging/like/{entry.pk}/", {"next": "/"})
    response = client.post(f"/judging/like/{entries[2].pk}/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith(
        f"/entries/event/{world['event'].pk}/gallery/")
    html = unescape(client.get(response["Location"]).content.decode())
    assert "今天的点赞次数已用完" in html and "you have used today's 2 likes" in html
    assert not Like.objects.filter(entry=entries[2]).exists()


@pytest.mark.django_db
def test_no_button_outside_the_likes_stage_and_service_refuses(world, make_user):
    from campaigns.models import Stage

    Stage.objects.filter(campaign=world["campaign"], kind="likes_open").delete()
    client = Client()
    client.force_login(make_user("voter3", phone="13900000403"))
    html = _gallery(client, world["event"])
    assert "like-form" not in html and "/judging/like/" not in html
    entry = world["entries"][0]
    html = client.post(f"/judging/like/{entry.pk}/", {"next": f"/entries/event/{world['event'].pk}/gallery/"},
                       follow=True).content.decode()
    assert "现在不是点赞时间" in html and "likes are not open now" in html
    assert not Like.objects.exists()


@pytest.mark.django_db
def test_visitors_get_a_login_link_instead_of_the_form(world):
    html = _gallery(Client(), world["event"])
    card = _card(html, world["entries"][0])
    assert "like-form" not in card
    assert f'href="/accounts/login/?next=/entries/event/{world["event"].pk}/gallery/"' in card
    assert _count(card) == 0


@pytest.mark.django_db
def test_event_cards_link_gallery_recording_and_my_entries(world, libraries):
    from campaigns.models import CampaignLibrary, Stage, new_join_code
    from events.models import Event

    campaign, event = world["campaign"], world["event"]
    Stage.objects.create(campaign=campaign, kind="published", starts_at="2020-01-01T00:00:00Z",
                         ends_at="2020-02-01T00:00:00Z")
    quiz = Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题")
    CampaignLibrary.objects.create(campaign=campaign, library=libraries["C-HN-CS"], join_code=new_join_code())
    client = Client()
    for url in (f"/c/{campaign.slug}/", f"/c/{campaign.slug}/lib/C-HN-CS/"):
        page = client.get(url).content.decode()
        assert f'href="/entries/event/{event.pk}/gallery/"' in page, url
        assert f'href="/entries/event/{event.pk}/submit/"' in page and "录音参赛" in page
        assert 'href="/family/#section-entries"' in page
        assert f'href="/entries/event/{quiz.pk}/gallery/"' not in page  # a quiz has no gallery
