"""The one protected-media response: byte ranges when Django streams, nginx's X-Accel-Redirect or a
presigned S3 URL when configured — and the caller's access check always first."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client, RequestFactory

from submissions import services
from submissions.models import Entry
from submissions.serving import protected_media_response
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db
rf = RequestFactory()
DATA = bytes(range(256)) * 40  # 10 240 bytes


@pytest.fixture
def stored():
    return default_storage.save("entries/p/ab/abcdef.mp3", ContentFile(DATA))


@pytest.fixture
def ready_entry(corpus, contest, family, guardian_client):
    _, events = contest
    entry_id = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo_with_gps.jpg",
                          key="p").json()["id"]
    services.entry_process(entry_id)
    return Entry.objects.get(pk=entry_id)


def get(name, **headers):
    return protected_media_response(rf.get("/", **headers), name, cache_control="private, max-age=300")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_whole_file_and_the_headers_every_way_shares(stored):
    response = get(stored)
    assert response.status_code == 200 and body(response) == DATA
    assert response["Content-Type"] == "audio/mpeg" and response["Content-Length"] == str(len(DATA))
    assert response["Accept-Ranges"] == "bytes" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=300"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "Content-Disposition" not in response  # never the storage name
    attachment = protected_media_response(rf.get("/"), stored, cache_control="private", attachment=True)
    assert attachment["Content-Disposition"] == "attachment"


@pytest.mark.parametrize(("header", "start", "end"), [
    ("bytes=10-19", 10, 19), ("bytes=10240-", None, None), ("bytes=10000-", 10000, 10239),
    ("bytes=-100", 10140, 10239), ("bytes=0-999999", 0, 10239),
])
def test_single_byte_ranges(stored, header, start, end):
    response = get(stored, HTTP_RANGE=header)
    if start is None:
        assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(DATA)}"
        return
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)
    assert body(response) == DATA[start:end + 1]


def test_unsupported_ranges_get_the_whole_file(stored):
    response = get(stored, HTTP_RANGE="bytes=0-1,5-6")
    assert response.status_code == 200 and body(response) == DATA


def test_x_accel_redirect_hands_the_bytes_to_nginx(stored, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    response = get(stored, HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200 and response.content == b""  # nginx serves the file and the range
    assert response["X-Accel-Redirect"] == f"/_protected/{stored}"
    assert response["Content-Type"] == "audio/mpeg" and "Content-Disposition" not in response
    assert response["Cache-Control"] == "private, max-age=300" and "sandbox" in response["Content-Security-Policy"]


def test_the_access_check_comes_first(ready_entry, guardian_client, settings):
    """Through the real view: a refused token never reaches nginx; a good one is handed over."""
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    url = guardian_client.get(f"/api/v1/submissions/entries/{ready_entry.pk}").json()["playback_url"]
    handed = guardian_client.get(url)
    assert handed.status_code == 200 and handed["X-Accel-Redirect"] == f"/_protected/{ready_entry.playback.name}"
    refused = Client().get(url)  # not this visitor's link
    assert refused.status_code == 403 and "X-Accel-Redirect" not in refused
