"""Public pages: home, campaign page (schedule, open stages, events, rules, live counter), branch
pages with their QR join code, and the participant counter's WebSocket."""

import re
from datetime import timedelta

import pytest
from channels.testing import WebsocketCommunicator
from defusedxml import ElementTree
from django.db import connections
from django.utils import timezone

from campaigns import services
from campaigns.models import Stage
from config.asgi import application
from events.models import Event
from tests.campaigns.family_helpers import make_campaign, this_year


@pytest.fixture
def campaign(libraries):
    campaign = make_campaign(libraries)
    Event.objects.create(campaign=campaign, slug="recite", kind="recitation", title="古诗词诵读",
                         description="选一首诗，朗读并录音。", settings={"entries": {"media": ["audio"], "opens": "2027-06-01", "closes": "2027-06-30"}})
    Event.objects.create(campaign=campaign, slug="quiz", kind="quiz", title="诗词答题", position=1)
    return campaign


def register_children(libraries, make_user, campaign, n, code="C-HN-CS"):
    guardian = make_user(f"1390000{n:04d}", phone=f"1390000{n:04d}")
    for i in range(n):
        child = services.child_create(guardian=guardian, display_name=f"孩子{i}", nickname=f"小{i}",
                                      birth_year=this_year() - 8, library=libraries[code], consents={"judging": True})
        services.registration_create(campaign=campaign, child=child, library=libraries[code])


@pytest.mark.django_db
def test_home_lists_campaigns(client, campaign):
    page = client.get("/").content.decode()
    assert campaign.title in page and f'href="/c/{campaign.slug}/"' in page
    assert "进行中" in page


@pytest.mark.django_db
def test_campaign_page(client, campaign, libraries, make_user):
    register_children(libraries, make_user, campaign, 3)
    response = client.get(f"/c/{campaign.slug}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert campaign.title in page and campaign.theme in page and campaign.rules in page
    assert "古诗词诵读" in page and "诗词答题" in page and "2027-06-30" in page
    # Schedule: every stage with its state; the open one is marked.
    assert page.count('<th scope="row">') == 3 and "征集作品" in page
    assert re.search(r"现在进行.*征集作品", page, re.S)
    assert "已结束" in page and "未开始" in page
    # The counter shows the database count and names its socket.
    assert re.search(r'data-live-participants="/ws/c/tongyin-test/participants/"[^>]*>3<', page)
    assert "459 家图书馆参加" in page


@pytest.mark.django_db
def test_campaign_page_finds_branches_by_province(client, campaign):
    page = client.get(f"/c/{campaign.slug}/?province=湖南").content.decode()
    assert f'href="/c/{campaign.slug}/lib/P-HN/"' in page and f'href="/c/{campaign.slug}/lib/C-HN-CS/"' in page
    assert "/lib/P-HE/" not in page


@pytest.mark.django_db
def test_unknown_campaign_and_branch_are_404(client, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN"])
    assert client.get("/c/nope/").status_code == 404
    assert client.get(f"/c/{campaign.slug}/lib/P-HE/").status_code == 404  # not taking part
    assert client.get(f"/c/{campaign.slug}/lib/P-HE/qr.svg").status_code == 404


@pytest.mark.django_db
def test_branch_page_with_qr_join_code(client, campaign, libraries, make_user):
    register_children(libraries, make_user, campaign, 2, code="X-HN-CSX")
    branch = campaign.branches.get(library__code="C-HN-CS")
    response = client.get(f"/c/{campaign.slug}/lib/C-HN-CS/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>长沙图书馆</h1>" in page
    join_url = f"http://testserver/c/{campaign.slug}/join/{branch.join_code}/"
    assert join_url in page
    assert f'src="/c/{campaign.slug}/lib/C-HN-CS/qr.svg"' in page and 'alt="长沙图书馆的报名二维码"' in page
    assert "古诗词诵读" in page
    assert "长沙县图书馆" in page  # sub-branches listed
    assert "<strong>2</strong>" in page  # registrations through this library and those below it
    qr = client.get(f"/c/{campaign.slug}/lib/C-HN-CS/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(qr.content)
    assert root.tag.endswith("svg") and any(el.tag.endswith("path") for el in root.iter())


@pytest.mark.django_db
def test_qr_code_encodes_the_join_url(client, campaign):
    """Read the SVG's dark modules back and compare them with the QR matrix of the join URL."""
    import qrcode

    branch = campaign.branches.get(library__code="P-HN")
    join_url = f"http://testserver/c/{campaign.slug}/join/{branch.join_code}/"
    svg = client.get(f"/c/{campaign.slug}/lib/P-HN/qr.svg").content.decode()
    drawn = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}
    expected = qrcode.QRCode(border=2)
    expected.add_data(join_url)
    expected.make(fit=True)
    matrix = expected.get_matrix()
    assert drawn == {(x, y) for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark}
    other = campaign.branches.get(library__code="P-HE")
    assert drawn != {(int(x), int(y)) for x, y in
                     re.findall(r"M(\d+),(\d+)H", client.get(f"/c/{campaign.slug}/lib/P-HE/qr.svg").content.decode())}
    assert other.join_code != branch.join_code


@pytest.mark.django_db
def test_join_remembers_the_branch_for_anonymous_visitors(client, campaign):
    branch = campaign.branches.get(library__code="P-HN")
    response = client.get(f"/c/{campaign.slug}/join/{branch.join_code}/")
    assert client.session["joined_branches"] == {str(campaign.pk): branch.library_id}
    # Registration needs a login first; the branch is still remembered afterwards.
    follow = client.get(response.url)
    assert follow.status_code == 302 and follow.url.startswith("/accounts/login/?next=")


@pytest.mark.django_db
def test_pages_render_for_a_guardian(client, campaign, make_user):
    user = make_user("13900000001", phone="13900000001")
    client.force_login(user)
    for url in ("/", "/family/", "/family/children/add/", f"/c/{campaign.slug}/", f"/c/{campaign.slug}/register/",
                f"/c/{campaign.slug}/lib/NLC/", "/accounts/register/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert '<main id="main"' in page and "<h1" in page
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page


@pytest.mark.django_db
def test_every_form_control_has_a_label(client, campaign, make_user):
    """Each visible input/select on the family forms is named by a <label for=...>."""
    user = make_user("13900000001", phone="13900000001")
    for url, login in (("/accounts/register/", False), ("/accounts/login/", False), ("/family/children/add/", True)):
        if login:
            client.force_login(user)
        page = client.get(url).content.decode()
        main = page.split('<main id="main"')[1]
        ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', main)
        assert ids, url
        for control in ids:
            assert f'for="{control}"' in main, (url, control)


@pytest.mark.django_db
def test_archived_campaign_refuses_registrations(campaign, libraries, make_user):
    from config.errors import UserFacingError

    Stage.objects.create(campaign=campaign, kind="archived", starts_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(UserFacingError) as error:
        register_children(libraries, make_user, campaign, 1)
    assert error.value.code == "campaign_closed"


# --- the live counter --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_counter_socket_sends_current_count_and_updates(libraries, make_user):
    from asgiref.sync import sync_to_async

    campaign = await sync_to_async(make_campaign)(libraries)
    await sync_to_async(register_children)(libraries, make_user, campaign, 2)
    communicator = WebsocketCommunicator(application, f"/ws/c/{campaign.slug}/participants/",
                                         headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert connected
    first = await communicator.receive_json_from(timeout=5)
    assert first["participants"] == 2
    # A registration commits → every open page gets the new count.
    guardian = await sync_to_async(make_user)("13911110000", phone="13911110000")
    child = await sync_to_async(services.child_create)(
        guardian=guardian, display_name="新孩子", nickname="新", birth_year=this_year() - 9,
        library=libraries["P-HE"], consents={"judging": True})
    await sync_to_async(services.registration_create)(campaign=campaign, child=child, library=libraries["P-HE"])
    update = await communicator.receive_json_from(timeout=5)
    assert update == {"type": "participants.update", "campaign": campaign.pk, "participants": 3}
    await communicator.disconnect()
    # Reconnecting (a refreshed page or a dropped socket) gets the right count at once.
    again = WebsocketCommunicator(application, f"/ws/c/{campaign.slug}/participants/",
                                  headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    assert (await again.connect())[0]
    assert (await again.receive_json_from(timeout=5))["participants"] == 3
    # Deleting a child's profile lowers the count for everyone watching.
    await sync_to_async(services.child_delete)(child=child, actor=guardian)
    assert (await again.receive_json_from(timeout=5))["participants"] == 2
    await again.disconnect()
    await sync_to_async(connections.close_all)()  # the worker thread's connection (CONN_MAX_AGE on PostgreSQL)


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_counter_socket_refuses_unknown_campaign(libraries):
    communicator = WebsocketCommunicator(application, "/ws/c/nope/participants/",
                                         headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    connected, _ = await communicator.connect()
    assert not connected
    from asgiref.sync import sync_to_async

    await sync_to_async(connections.close_all)()


# --- languages ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_language_switch_to_english_and_back(client, campaign, make_user):
    page = client.get(f"/c/{campaign.slug}/").content.decode()
    assert "参与人数" in page and '<html lang="zh-CN"' in page
    response = client.post("/i18n/setlang/", {"language": "en", "next": f"/c/{campaign.slug}/"})
    assert response.status_code == 302 and response.url == f"/c/{campaign.slug}/"
    page = client.get(f"/c/{campaign.slug}/").content.decode()
    assert '<html lang="en"' in page
    assert "Participants" in page and "Schedule" in page and "Find your library" in page and "Open now" in page
    assert "Skip to content" in page and "Large text" in page
    assert "Entries open" in page  # stage names come from the models' bilingual labels
    assert "参与人数" not in page
    user = make_user("13900000001", phone="13900000001")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    for url, english in (("/family/", "My family"), ("/family/children/add/", "Choose the province first"),
                         ("/accounts/login/", "Mobile number or username"), ("/", "Campaigns"),
                         (f"/c/{campaign.slug}/lib/P-HN/", "This library's join QR code")):
        assert english in client.get(url, follow=True).content.decode(), url
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的家庭" in client.get("/family/").content.decode()


@pytest.mark.django_db
def test_english_consent_texts(client, make_user, libraries):
    user = make_user("13900000001", phone="13900000001")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    page = client.get("/family/children/add/").content.decode()
    assert "Entries may be judged" in page and "never see the child&#x27;s name" in page
    assert "作品参加评审" not in page


@pytest.mark.django_db
def test_events_show_their_window_and_links(client, campaign):
    now = timezone.localtime()
    Event.objects.create(campaign=campaign, slug="essay", kind="essay", title="征文：我的阅读年", position=2,
                         settings={"entries": {"media": ["essay"], "opens": (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M"),
                                               "closes": (now + timedelta(days=9)).isoformat()}})
    page = client.get(f"/c/{campaign.slug}/").content.decode()
    cards = {title: page.split(f"<h3>{title}</h3>")[1].split("</li>")[0] for title in ("征文：我的阅读年", "古诗词诵读", "诗词答题")}
    assert "进行中" in cards["征文：我的阅读年"] and "进行中" not in cards["古诗词诵读"]
    assert "2027-06-01 00:00" in cards["古诗词诵读"]
    quiz = campaign.events.get(slug="quiz")
    recite = campaign.events.get(slug="recite")
    assert f'href="/events/quiz/{quiz.pk}/"' in cards["诗词答题"]
    assert f'href="/entries/event/{recite.pk}/submit/"' in cards["古诗词诵读"]


@pytest.mark.django_db
def test_registered_event_links_replace_the_defaults(client, campaign):
    from campaigns.event_links import register_event_links, unregister_event_links

    register_event_links("test", lambda event: [("去看看", "Have a look", f"/somewhere/{event.slug}/")])
    try:
        page = client.get(f"/c/{campaign.slug}/").content.decode()
    finally:
        unregister_event_links("test")
    assert 'href="/somewhere/quiz/"' in page and "/events/quiz/" not in page


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_counter_relays_changes_made_outside_this_process(libraries, make_user, settings):
    """A registration written by another process (the task worker) sends no broadcast here; the
    relay re-reads the database and still updates the page."""
    from asgiref.sync import sync_to_async

    from campaigns.models import Registration

    settings.LIVE_COUNTER_POLL_SECONDS = 0.2
    campaign = await sync_to_async(make_campaign)(libraries)
    communicator = WebsocketCommunicator(application, f"/ws/c/{campaign.slug}/participants/",
                                         headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")])
    assert (await communicator.connect())[0]
    assert (await communicator.receive_json_from(timeout=5))["participants"] == 0

    def write_like_the_worker():
        guardian = make_user("13911110001", phone="13911110001")
        child = services.child_create(guardian=guardian, display_name="新孩子", nickname="新",
                                      birth_year=this_year() - 9, library=libraries["P-HE"])
        Registration.objects.create(campaign=campaign, child=child, library=libraries["P-HE"])  # no broadcast

    await sync_to_async(write_like_the_worker)()
    update = await communicator.receive_json_from(timeout=5)
    assert update["participants"] == 1
    await communicator.disconnect()
    await sync_to_async(connections.close_all)()
