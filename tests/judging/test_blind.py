"""Blind judging on every surface (judging/blind.py): a judge reaches an entry only through the judging
pages with an opaque media token; the family's page, its status, its WebSocket, the entries API and
the submissions media links refuse them; nothing a judge receives names the child, the library, the
original file, its checksum or the entry's id (which the public gallery would resolve)."""

import re

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core import signing
from django.core.files.base import ContentFile
from django.test import Client

from judging import blind, services
from judging.models import Assignment
from submissions import access
from submissions.routing import websocket_urlpatterns

SHA = "5e" * 32
ORIGINAL = b"ORIGINAL-UPLOAD-with-metadata " * 20


def login(user):
    c = Client()
    c.force_login(user)
    return c


def assigned(world):
    services.round_assign(round_=world["round"], actor=None)
    a = (Assignment.objects.filter(round=world["round"])
         .select_related("entry__child", "entry__library", "judge__user", "round").first())
    entry = a.entry
    entry.original.save("family-original.m4a", ContentFile(ORIGINAL), save=False)
    entry.original_sha256 = SHA
    entry.save()
    return a


def secrets_of(a) -> list[str]:
    child, library, entry = a.entry.child, a.entry.library, a.entry
    return [child.display_name, child.nickname, library.name, library.code, entry.original_name, SHA,
            entry.original.name, entry.playback.name, "iPhone", f"/entries/{entry.pk}/", f'"id": {entry.pk}',
            f"/entries/{entry.pk}"]


@pytest.mark.django_db
def test_the_family_surfaces_refuse_an_assigned_judge(world):
    a = assigned(world)
    c, pk = login(a.judge.user), a.entry_id
    assert c.get(f"/entries/{pk}/").status_code == 403
    assert c.get(f"/entries/{pk}/status/").status_code == 403
    assert c.post(f"/entries/{pk}/withdraw/").status_code == 403
    assert c.get(f"/api/v1/submissions/entries/{pk}").status_code == 403
    assert c.get("/api/v1/submissions/entries").json() == []
    assert not access.can_view_entry(a.judge.user, a.entry)
    for file in ("playback", "original"):
        assert access.media_url(a.entry, file, viewer=a.judge.user) is None
        token = access.media_token(a.entry, file, viewer=a.judge.user)  # even a token made for them
        assert c.get(f"/entries/media/{token}/").status_code == 403
    # The family still sees everything of its own entry.
    family = login(a.entry.child.guardian)
    assert family.get(f"/entries/{pk}/").status_code == 200
    assert family.get(access.media_url(a.entry, "original", viewer=a.entry.child.guardian)).status_code == 200


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_entry_websocket_refuses_an_assigned_judge(world):
    a = await sync_to_async(assigned)(world)
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/entries/{a.entry_id}/")
    comm.scope["user"] = a.judge.user
    connected, code = await comm.connect()
    assert not connected and code == 4403
    await comm.disconnect()


@pytest.mark.django_db
def test_the_judging_surfaces_carry_nothing_that_names_the_entry(world):
    a = assigned(world)
    c = login(a.judge.user)
    surfaces = {
        "score page": c.get(f"/judging/a/{a.id}/").content.decode(),
        "queue": c.get("/judging/").content.decode(),
        "api queue": c.get("/api/v1/judging/assignments").content.decode(),
        "api detail": c.get(f"/api/v1/judging/assignments/{a.id}").content.decode(),
    }
    for name, text in surfaces.items():
        for secret in secrets_of(a):
            assert secret not in text, (name, secret)
        assert "/entries/media/" not in text, name
    detail = c.get(f"/api/v1/judging/assignments/{a.id}").json()
    assert set(blind.BLIND_FIELDS) <= set(detail)
    assert set(detail) - set(blind.BLIND_FIELDS) == {"state", "round", "rubric", "scores", "comment",
                                                     "played_fraction"}
    assert blind.blind_entry(a).keys() == set(blind.BLIND_FIELDS)
    # The media URL is the same on the page and in the API, and its token names nothing.
    url = detail["media_url"]
    assert url in surfaces["score page"]
    token = re.fullmatch(r"/judging/m/([0-9a-f]{40})", url).group(1)
    with pytest.raises(signing.BadSignature):  # nothing decodes from it (a signed payload would)
        signing.loads(token, salt=access.SALT)
    assert blind.media_token(a) == token and len(set(token)) > 4


@pytest.mark.django_db
def test_the_media_token_serves_the_playback_copy_to_that_judge_only(world):
    a = assigned(world)
    c = login(a.judge.user)
    url = blind.media_url(a)
    response = c.get(url)
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and body == a.entry.playback.open("rb").read() and ORIGINAL not in body
    assert "filename" not in response.get("Content-Disposition", "")
    assert response["Content-Security-Policy"].startswith("default-src 'none'")
    other = next(j for j in world["judges"] if j.id != a.judge_id)
    assert login(other.user).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # login first
    assert c.get(url[:-1] + ("0" if url[-1] != "0" else "1")).status_code == 404
    # Playback only, decided where the token is resolved: with no playback copy there is nothing,
    # the original upload is never the fallback.
    a.entry.playback = ""
    a.entry.save()
    assert c.get(url).status_code == 404
    # A withdrawn assignment (conflict, drop-out) takes the token with it.
    Assignment.objects.filter(pk=a.pk).update(state=Assignment.State.WITHDRAWN)
    assert c.get(url).status_code == 404
    assert c.get(f"/judging/a/{a.id}/").status_code == 404


@pytest.mark.django_db
def test_the_chief_judge_names_entries_by_blind_code(world):
    from judging.models import Panel

    round_ = world["round"]
    a = assigned(world)
    chief = world["judges"][0]
    panel = Panel.objects.create(campaign=round_.campaign, name="专家组", chief=chief)
    round_.panel = panel
    round_.save(update_fields=["panel"])
    from judging.models import Discrepancy

    Discrepancy.objects.create(round=round_, entry=a.entry, spread=30, status=Discrepancy.Status.ARBITRATION)
    page = login(chief.user).get(f"/judging/rounds/{round_.id}/progress/").content.decode()
    assert blind.entry_code(round_, a.entry_id) in page
    assert f"#{a.entry_id}" not in page
    for secret in secrets_of(a):
        assert secret not in page, secret
