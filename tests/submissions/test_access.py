"""Children's media are served only through signed, expiring URLs to allowed people."""

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from freezegun import freeze_time

from campaigns.models import ConsentRecord
from submissions import access, services
from submissions.models import Entry
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_entry(corpus, contest, family, guardian_client):
    _, events = contest
    entry_id = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo_with_gps.jpg",
                          key="p").json()["id"]
    services.entry_process(entry_id)
    return Entry.objects.get(pk=entry_id)


def fetch(client, url):
    response = client.get(url)
    if response.status_code == 200:
        b"".join(response.streaming_content)
    return response


def test_family_gets_a_signed_url_that_works_for_them_only(ready_entry, guardian_client, make_user):
    url = guardian_client.get(f"/api/v1/submissions/entries/{ready_entry.pk}").json()["playback_url"]
    assert url.startswith("/entries/media/")
    assert ready_entry.playback.name not in url and "entries/" not in url.removeprefix("/entries/media/")
    assert fetch(guardian_client, url).status_code == 200
    assert fetch(Client(), url).status_code == 403  # anonymous
    stranger = Client()
    stranger.force_login(make_user("13900000077", phone="13900000077"))
    assert fetch(stranger, url).status_code == 403
    # Storage names are random and never shown.
    page = guardian_client.get(f"/entries/{ready_entry.pk}/").content.decode()
    assert ready_entry.playback.name not in page and ready_entry.original.name not in page
    assert re.search(r"entries/[opt]/../[A-Za-z0-9_-]{32}\.", ready_entry.playback.name + ready_entry.original.name)


def test_signed_urls_expire(ready_entry, guardian_client, settings):
    settings.ENTRY_MEDIA_URL_MAX_AGE = 600
    with freeze_time() as frozen:
        url = guardian_client.get(f"/api/v1/submissions/entries/{ready_entry.pk}").json()["playback_url"]
        frozen.tick(timedelta(seconds=599))
        assert fetch(guardian_client, url).status_code == 200
        frozen.tick(timedelta(seconds=2))
        assert fetch(guardian_client, url).status_code == 403


def test_tampered_tokens_are_refused(ready_entry, guardian_client):
    token = access.media_token(ready_entry, "playback", viewer=ready_entry.child.guardian)
    forged = signing.dumps({"e": ready_entry.pk, "f": "original", "v": "gallery"}, salt="another-salt")
    assert fetch(guardian_client, f"/entries/media/{token}x/").status_code == 403
    assert fetch(guardian_client, f"/entries/media/{forged}/").status_code == 403


def test_organizers_of_the_subtree_may_see_and_nobody_else(ready_entry, organizer, tree, make_user):
    inside, outside, judge = Client(), Client(), Client()
    org_in = organizer(tree["P-HN"])
    inside.force_login(org_in)
    org_out = organizer(tree["P-HE"])
    outside.force_login(org_out)
    judge_user = make_user("judge-x")
    judge.force_login(judge_user)
    assert access.media_url(ready_entry, "playback", viewer=org_in)
    assert fetch(inside, access.media_url(ready_entry, "playback", viewer=org_in)).status_code == 200
    assert access.media_url(ready_entry, "playback", viewer=organizer(tree["NLC"], "o2"))  # national: everything
    assert access.media_url(ready_entry, "playback", viewer=org_out) is None  # another province: nothing
    stolen = access.media_token(ready_entry, "playback", viewer=org_out)
    assert fetch(outside, f"/entries/media/{stolen}/").status_code == 403
    assert access.media_url(ready_entry, "playback", viewer=judge_user) is None
    token = access.media_token(ready_entry, "playback", viewer=judge_user)
    assert fetch(judge, f"/entries/media/{token}/").status_code == 403
    original = access.media_token(ready_entry, "original", viewer=judge_user)
    assert fetch(judge, f"/entries/media/{original}/").status_code == 403  # refused where it is resolved


def test_gallery_needs_approval_and_the_guardians_consent(ready_entry, organizer, tree, family):
    guardian, child = family
    event_id = ready_entry.event_id
    assert Client().get(f"/api/v1/submissions/events/{event_id}/gallery").json() == []
    services.entry_moderate(entry=ready_entry, user=organizer(tree["C-HN-CS"]), action="approve")
    items = Client().get(f"/api/v1/submissions/events/{event_id}/gallery").json()
    assert len(items) == 1 and items[0]["nickname"] == "小华" and items[0]["library"] == "长沙图书馆"
    url = items[0]["playback_url"]
    assert fetch(Client(), url).status_code == 200  # public, on a phone, no login
    assert "李小华" not in str(items)
    ConsentRecord.objects.create(child=child, purpose="gallery", granted=False, text_version="t1")
    assert Client().get(f"/api/v1/submissions/events/{event_id}/gallery").json() == []
    assert fetch(Client(), url).status_code == 403  # consent withdrawn: the link stops working


def test_range_requests_for_phone_players(ready_entry, guardian_client):
    url = guardian_client.get(f"/api/v1/submissions/entries/{ready_entry.pk}").json()["playback_url"]
    whole = b"".join(guardian_client.get(url).streaming_content)
    part = guardian_client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 10-19/{len(whole)}"
    assert b"".join(part.streaming_content) == whole[10:20]
