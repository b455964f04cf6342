"""The pipeline reads and writes only through Django's storage API: the same upload → process →
serve runs against an S3-compatible server (moto in server mode, on loopback)."""

import socket

import boto3
import pytest
from django.core.files.storage import default_storage
from django.test import Client

from submissions import services
from submissions.models import Entry
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db
BUCKET = "shuxiang-media-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def s3(settings, monkeypatch):
    from moto.server import ThreadedMotoServer

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client("s3", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing",
                          region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    # The same options config/settings.py builds from the S3_* variables.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": BUCKET, "endpoint_url": endpoint, "access_key": "testing",
                    "secret_key": "testing", "region_name": "us-east-1", "addressing_style": "path",
                    "signature_version": "s3v4", "querystring_auth": True, "file_overwrite": False,
                    "default_acl": None},
    }}
    yield client
    server.stop()


def keys(client) -> set[str]:
    return {obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_pipeline_runs_against_s3(s3, corpus, contest, family, guardian_client, tmp_path, settings):
    assert default_storage.__class__.__name__ == "S3Storage"
    _, events = contest
    audio = api_submit(guardian_client, events["recitation"], family[1], corpus / "audio" / "yonge_phone.m4a",
                       key="s3a", poem=events["poem"]).json()["id"]
    photo = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo_with_gps.jpg",
                       key="s3p").json()["id"]
    assert services.entry_process(audio) == "ready"
    assert services.entry_process(photo) == "ready"
    stored = keys(s3)
    for entry in Entry.objects.filter(pk__in=[audio, photo]):
        for field in (entry.original, entry.playback):
            assert field.name in stored
        body = s3.get_object(Bucket=BUCKET, Key=entry.playback.name)["Body"].read()
        assert body and b"GPS" not in body
    assert (corpus / "audio" / "yonge_phone.m4a").read_bytes() == s3.get_object(
        Bucket=BUCKET, Key=Entry.objects.get(pk=audio).original.name)["Body"].read()
    # Nothing was written to the local media directory.
    assert not (settings.MEDIA_ROOT / "entries").exists()
    # Served through the signed URL (the app streams from the bucket, ranges included).
    url = guardian_client.get(f"/api/v1/submissions/entries/{audio}").json()["playback_url"]
    response = guardian_client.get(url)
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data[:3] == b"ID3" or data[:2] == b"\xff\xfb" or data[:2] == b"\xff\xf3"
    part = guardian_client.get(url, HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and b"".join(part.streaming_content) == data[:100]


def test_presigned_redirect_when_configured(s3, corpus, contest, family, guardian_client, settings):
    """With S3_PRESIGNED_REDIRECT the bucket serves the bytes (and their ranges) behind a short-lived URL."""
    import urllib.request

    settings.MEDIA_S3_REDIRECT = True
    _, events = contest
    photo = api_submit(guardian_client, events["photo"], family[1], corpus / "images" / "photo_with_gps.jpg",
                       key="s3r").json()["id"]
    assert services.entry_process(photo) == "ready"
    entry = Entry.objects.get(pk=photo)
    url = guardian_client.get(f"/api/v1/submissions/entries/{photo}").json()["playback_url"]
    response = guardian_client.get(url)
    assert response.status_code == 302 and "X-Amz-Signature=" in response.url and "X-Amz-Expires=300" in response.url
    assert response["Cache-Control"] == "private, no-store"
    stored = s3.get_object(Bucket=BUCKET, Key=entry.playback.name)["Body"].read()
    request = urllib.request.Request(response.url, headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(request) as fetched:  # noqa: S310 (the loopback moto server)
        assert fetched.status == 206 and fetched.read() == stored[:100]
    assert Client().get(url).status_code == 403  # the access check still comes first
