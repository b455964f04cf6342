"""The entry change page in the admin links media through signed URLs (MEDIA_URL is never served)."""

import re

import pytest

from submissions import services
from submissions.models import Entry
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db


def test_admin_change_page_links_signed_media_that_open(corpus, contest, family, guardian_client, make_user, client):
    _, events = contest
    entry_id = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo_with_gps.jpg",
                          key="a").json()["id"]
    services.entry_process(entry_id)
    entry = Entry.objects.get(pk=entry_id)
    admin = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    page = client.get(f"/admin/submissions/entry/{entry.pk}/change/").content.decode()
    assert "/entries/media/" in page
    assert "/media-private/" not in page
    for field in (entry.original, entry.playback, entry.thumbnail):  # not even the random part of the name
        assert field.name.rsplit("/", 1)[-1].split(".")[0] not in page
    links = re.findall(r'href="(/entries/media/[^"]+)"', page)
    assert len(links) == 3  # original, playback, thumbnail
    for url in links:
        response = client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)
