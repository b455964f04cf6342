"""The entry pages: submit pages per kind (labelled controls, recorder for recitations, no-JS upload),
the family page's entries section, the entry page, moderation and gallery, and JSON refusals."""

import pytest
from django.test import Client

from submissions import services
from tests.submissions.conftest import api_submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key,field", [("recitation", 'id="rec-start"'), ("photo", 'accept="image/jpeg'),
                                       ("drawing", 'accept="image/jpeg'), ("essay", 'id="text"'),
                                       ("video", 'accept="video/*')])
def test_submit_pages(contest, guardian_client, key, field):
    _, events = contest
    html = guardian_client.get(f"/entries/event/{events[key].pk}/submit/").content.decode()
    assert field in html
    assert '<label for="file">' in html and '<label for="child">' in html
    assert 'name="idempotency_key"' in html and 'enctype="multipart/form-data"' in html
    if key == "recitation":
        assert '<label for="poem">' in html and "静夜思" in html and 'id="rec-level"' in html


def test_submit_requires_login(contest):
    _, events = contest
    response = Client().get(f"/entries/event/{events['essay'].pk}/submit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_refusals_are_shown_on_the_page_and_as_json(contest, family, guardian_client):
    _, events = contest
    url = f"/entries/event/{events['recitation'].pk}/submit/"
    page = guardian_client.post(url, {"child": family[1].pk, "idempotency_key": "k"})
    assert page.status_code == 200
    assert 'data-code="poem_required"' in page.content.decode() and "请先选择要朗读的诗词" in page.content.decode()
    response = guardian_client.post(url, {"child": family[1].pk, "poem": events["poem"].pk, "idempotency_key": "k"},
                                    HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json()["code"] == "empty_file"


def test_family_page_lists_entries_and_open_events(corpus, contest, family, guardian_client):
    from campaigns.models import Registration

    campaign, events = contest
    Registration.objects.create(campaign=campaign, child=family[1], library=family[1].library)
    entry_id = api_submit(guardian_client, events["essay"], family[1], corpus / "essays" / "essay_gbk.txt",
                          key="f").json()["id"]
    services.entry_process(entry_id)
    html = guardian_client.get("/family/").content.decode()
    assert 'id="section-entries"' in html
    assert f'href="/entries/{entry_id}/"' in html and "已完成" in html
    assert f'href="/entries/event/{events["recitation"].pk}/submit/"' in html
    export = guardian_client.get("/family/export/")
    assert export.status_code == 200
    assert b"essay_gbk.txt" in export.content and b"entries/o/" not in export.content


def test_entry_page_shows_state_history_and_a_signed_player(corpus, contest, family, guardian_client):
    _, events = contest
    first = api_submit(guardian_client, events["recitation"], family[1], corpus / "audio" / "chunxiao.mp3",
                       key="e1", poem=events["poem"]).json()["id"]
    second = api_submit(guardian_client, events["recitation"], family[1], corpus / "audio" / "yonge_phone.m4a",
                        key="e2", poem=events["poem"]).json()["id"]
    html = guardian_client.get(f"/entries/{second}/").content.decode()
    assert f'data-entry-id="{second}"' in html and "http-equiv=\"refresh\"" in html  # no-JS refresh while busy
    assert f"#{first}" in html  # the replaced one, in the history
    services.entry_process(second)
    html = guardian_client.get(f"/entries/{second}/").content.decode()
    assert '<audio class="entry-media" controls' in html and "/entries/media/" in html
    assert "http-equiv=\"refresh\"" not in html
    status = guardian_client.get(f"/entries/{second}/status/").json()
    assert status["status"] == "ready" and status["playback_url"].startswith("/entries/media/")
    withdraw = guardian_client.post(f"/entries/{second}/withdraw/")
    assert withdraw.status_code == 302
    assert guardian_client.get(f"/entries/{second}/status/").json()["status"] == "withdrawn"


def test_gallery_page_is_public_and_phone_playable(corpus, contest, family, guardian_client, organizer, tree):
    _, events = contest
    entry_id = api_submit(guardian_client, events["recitation"], family[1], corpus / "audio" / "chunxiao.mp3",
                          key="g", poem=events["poem"]).json()["id"]
    services.entry_process(entry_id)
    from submissions.models import Entry

    services.entry_moderate(entry=Entry.objects.get(pk=entry_id), user=organizer(tree["NLC"]), action="approve")
    html = Client().get(f"/entries/event/{events['recitation'].pk}/gallery/").content.decode()
    assert "小华" in html and "长沙图书馆" in html and "李小华" not in html
    assert '<audio controls preload="none" src="/entries/media/' in html
