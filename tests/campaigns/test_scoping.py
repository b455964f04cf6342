"""The federation's scoping: an organizer sees their library's subtree and nothing beside it —
by page, by API and by admin. 湖南 (P-HN) never sees 河北 (P-HE); a city sees its counties only."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory

from campaigns import services
from campaigns.admin_scoping import scoped
from campaigns.models import Child, Library, OrganizerRole, Registration
from campaigns.selectors import libraries_visible_to
from tests.campaigns.family_helpers import make_campaign, this_year


@pytest.fixture
def world(libraries, make_user):
    """One campaign, a child registered in 长沙 (C-HN-CS), one in 长沙县 (X-HN-CSX), one in 河北 (P-HE)
    and one in another 湖南 city (株洲, C-HN-ZZ)."""
    campaign = make_campaign(libraries)
    children = {}
    for code, nickname, phone in (("C-HN-CS", "长沙娃", "13900000101"), ("X-HN-CSX", "县城娃", "13900000102"),
                                  ("P-HE", "河北娃", "13900000103"), ("C-HN-ZZ", "株洲娃", "13900000104")):
        guardian = make_user(phone, phone=phone)
        child = services.child_create(guardian=guardian, display_name=nickname + "全名", nickname=nickname,
                                      birth_year=this_year() - 8, library=libraries[code], consents={"judging": True})
        services.registration_create(campaign=campaign, child=child, library=libraries[code])
        children[code] = child
    return {"campaign": campaign, "children": children}


def test_libraries_fixture_has_the_codes_used_here(libraries):
    for code in ("NLC", "P-HN", "P-HE", "C-HN-CS", "X-HN-CSX", "C-HN-ZZ"):
        assert code in libraries
    assert libraries["X-HN-CSX"].parent.code == "C-HN-CS"
    assert libraries["C-HN-ZZ"].parent.code == "P-HN"


# --- selectors --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_visible_libraries_follow_the_subtree(libraries, organizer, make_user):
    hn = organizer(libraries["P-HN"])
    cs = organizer(libraries["C-HN-CS"])
    codes_hn = set(libraries_visible_to(hn).values_list("code", flat=True))
    assert "P-HN" in codes_hn and "X-HN-CSX" in codes_hn and "C-HN-ZZ" in codes_hn
    assert not codes_hn & {"P-HE", "NLC"} and all(c.startswith(("P-HN", "C-HN", "X-HN")) for c in codes_hn)
    codes_cs = set(libraries_visible_to(cs).values_list("code", flat=True))
    assert codes_cs == set(Library.objects.filter(path__startswith=libraries["C-HN-CS"].path)
                           .values_list("code", flat=True))
    assert "C-HN-ZZ" not in codes_cs and "P-HN" not in codes_cs and "X-HN-CSX" in codes_cs
    family = make_user("13900000999", phone="13900000999")
    assert not libraries_visible_to(family).exists()
    admin = make_user("root", is_superuser=True, is_staff=True)
    assert libraries_visible_to(admin).count() == 459


# --- by page ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_branch_participant_list_by_page(client, libraries, organizer, world):
    campaign = world["campaign"]
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get(f"/c/{campaign.slug}/lib/P-HN/participants/").content.decode()
    assert "长沙娃" in page and "县城娃" in page and "株洲娃" in page and "河北娃" not in page
    assert client.get(f"/c/{campaign.slug}/lib/P-HE/participants/").status_code == 403
    client.force_login(organizer(libraries["C-HN-CS"]))
    page = client.get(f"/c/{campaign.slug}/lib/C-HN-CS/participants/").content.decode()
    assert "长沙娃" in page and "县城娃" in page and "株洲娃" not in page
    assert client.get(f"/c/{campaign.slug}/lib/P-HN/participants/").status_code == 403
    assert client.get(f"/c/{campaign.slug}/lib/C-HN-ZZ/participants/").status_code == 403


@pytest.mark.django_db
def test_families_get_no_participant_lists(client, libraries, world):
    client.force_login(world["children"]["C-HN-CS"].guardian)
    assert client.get(f"/c/{world['campaign'].slug}/lib/C-HN-CS/participants/").status_code == 403


# --- by API -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_libraries_and_registrations_are_scoped(client, libraries, organizer, world):
    client.force_login(organizer(libraries["P-HN"]))
    libs = client.get("/api/v1/campaigns/libraries?limit=1000").json()
    codes = {lib["code"] for lib in libs["items"]}
    assert libs["count"] == len(codes) and "X-HN-CSX" in codes and "P-HE" not in codes and "NLC" not in codes
    regs = client.get("/api/v1/campaigns/registrations?limit=1000").json()
    assert {r["nickname"] for r in regs["items"]} == {"长沙娃", "县城娃", "株洲娃"}
    assert client.get("/api/v1/campaigns/registrations?library=P-HE").json()["count"] == 0
    client.force_login(organizer(libraries["C-HN-CS"]))
    regs = client.get(f"/api/v1/campaigns/registrations?campaign={world['campaign'].slug}").json()
    assert {r["nickname"] for r in regs["items"]} == {"长沙娃", "县城娃"}
    assert {r["library"] for r in regs["items"]} == {"C-HN-CS", "X-HN-CSX"}
    assert "display_name" not in regs["items"][0]


@pytest.mark.django_db
def test_api_needs_a_session_and_gives_families_nothing(client, world):
    assert client.get("/api/v1/campaigns/registrations").status_code == 401
    client.force_login(world["children"]["P-HE"].guardian)
    assert client.get("/api/v1/campaigns/registrations").json()["count"] == 0
    assert client.get("/api/v1/campaigns/libraries").json()["count"] == 0


@pytest.mark.django_db
def test_api_campaign_list_and_detail_are_public(client, world):
    campaign = world["campaign"]
    listing = client.get("/api/v1/campaigns/").json()
    assert listing[0]["slug"] == campaign.slug and listing[0]["participants"] == 4
    assert listing[0]["open_stages"] == ["entries_open"]
    detail = client.get(f"/api/v1/campaigns/{campaign.slug}").json()
    assert detail["libraries"] == 459 and [g["min_age"] for g in detail["age_groups"]] == [6]
    assert [s["kind"] for s in detail["stages"]] == ["published", "entries_open", "results"]
    assert client.get("/api/v1/campaigns/nope").status_code == 404


# --- by admin ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_lists_are_scoped(client, libraries, organizer, world):
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get("/admin/campaigns/child/").content.decode()
    assert "长沙娃" in page and "株洲娃" in page and "河北娃" not in page
    page = client.get("/admin/campaigns/registration/").content.decode()
    assert "长沙娃" in page and "河北娃" not in page
    page = client.get("/admin/campaigns/library/?q=河北").content.decode()
    assert "河北省图书馆" not in page
    page = client.get("/admin/campaigns/consentrecord/").content.decode()
    assert "长沙娃" in page and "河北娃" not in page


@pytest.mark.django_db
def test_admin_objects_outside_the_subtree_are_unreachable(client, libraries, organizer, world):
    he_child = world["children"]["P-HE"]
    client.force_login(organizer(libraries["P-HN"]))
    response = client.get(f"/admin/campaigns/child/{he_child.pk}/change/", follow=True)
    assert "河北娃" not in response.content.decode()
    assert response.redirect_chain and response.redirect_chain[-1][0] == "/admin/"
    he_registration = Registration.objects.get(child=he_child)
    response = client.get(f"/admin/campaigns/registration/{he_registration.pk}/change/")
    assert response.status_code == 302
    response = client.get(f"/admin/campaigns/library/{libraries['P-HE'].pk}/change/")
    assert response.status_code == 302
    # Own subtree is readable.
    hn_child = world["children"]["X-HN-CSX"]
    assert client.get(f"/admin/campaigns/child/{hn_child.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_admin_city_organizer_sees_city_and_counties_only(client, libraries, organizer, world):
    client.force_login(organizer(libraries["C-HN-CS"]))
    page = client.get("/admin/campaigns/child/").content.decode()
    assert "长沙娃" in page and "县城娃" in page and "株洲娃" not in page and "河北娃" not in page
    response = client.get("/admin/campaigns/library/?level=provincial")
    assert "湖南图书馆" not in response.content.decode().split('id="result_list"')[-1]


@pytest.mark.django_db
def test_admin_foreign_key_choices_are_scoped(libraries, organizer, make_user):
    user = organizer(libraries["P-HN"])
    request = RequestFactory().get("/admin/campaigns/organizerrole/add/")
    request.user = user
    model_admin = site._registry[OrganizerRole]
    form = model_admin.get_form(request)()
    choices = form.fields["library"].queryset
    assert choices.filter(code="X-HN-CSX").exists() and not choices.filter(code="P-HE").exists()
    assert choices.count() == Library.objects.filter(path__startswith=libraries["P-HN"].path).count()
    # The admin's library autocomplete is scoped too.
    from django.test import Client

    client = Client()
    client.force_login(user)
    data = client.get("/admin/autocomplete/", {"app_label": "campaigns", "model_name": "organizerrole",
                                               "field_name": "library", "term": "河北"}).json()
    assert data["results"] == []
    data = client.get("/admin/autocomplete/", {"app_label": "campaigns", "model_name": "organizerrole",
                                               "field_name": "library", "term": "长沙"}).json()
    assert {r["text"] for r in data["results"]} >= {"长沙图书馆", "长沙县图书馆"}


@pytest.mark.django_db
def test_admin_organizer_grants_roles_inside_the_subtree_only(client, libraries, organizer, make_user):
    client.force_login(organizer(libraries["P-HN"]))
    staff = make_user("new-staff", is_staff=True)
    response = client.post("/admin/campaigns/organizerrole/add/", {"user": staff.pk,
                                                                   "library": libraries["P-HE"].pk})
    assert response.status_code == 200 and not OrganizerRole.objects.filter(user=staff).exists()
    response = client.post("/admin/campaigns/organizerrole/add/", {"user": staff.pk,
                                                                   "library": libraries["C-HN-CS"].pk})
    assert response.status_code == 302
    assert OrganizerRole.objects.get(user=staff).library.code == "C-HN-CS"


@pytest.mark.django_db
def test_admin_campaign_changes_only_by_the_leading_subtree(client, libraries, organizer, world):
    campaign = world["campaign"]  # led by NLC; 湖南 takes part
    client.force_login(organizer(libraries["P-HN"]))
    assert client.get(f"/admin/campaigns/campaign/{campaign.pk}/change/").status_code == 200
    response = client.post(f"/admin/campaigns/campaign/{campaign.pk}/change/", {"title": "改了"})
    assert response.status_code == 403
    campaign.refresh_from_db()
    assert campaign.title != "改了"
    hn_led = make_campaign(libraries, slug="hn-only", codes=["P-HN", "C-HN-CS"], lead="P-HN", title="湖南活动")
    he_led = make_campaign(libraries, slug="he-only", codes=["P-HE"], lead="P-HE", title="河北活动")
    page = client.get("/admin/campaigns/campaign/").content.decode()
    assert "湖南活动" in page and "河北活动" not in page
    assert client.get(f"/admin/campaigns/campaign/{he_led.pk}/change/").status_code == 302
    assert client.get(f"/admin/campaigns/campaign/{hn_led.pk}/change/").status_code == 200


@pytest.mark.django_db
def test_admin_audit_log_and_notices_are_for_superusers(client, libraries, organizer, make_user, world):
    client.force_login(organizer(libraries["NLC"]))
    assert client.get("/admin/campaigns/auditevent/").status_code == 403
    assert client.get("/admin/campaigns/notice/").status_code == 403
    assert client.get("/admin/campaigns/child/").status_code == 200
    root = make_user("root", is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get("/admin/campaigns/auditevent/").status_code == 200
    page = client.get("/admin/campaigns/child/").content.decode()
    assert "河北娃" in page and "长沙娃" in page


@pytest.mark.django_db
def test_every_campaigns_model_is_in_the_admin():
    from django.apps import apps

    for model in apps.get_app_config("campaigns").get_models():
        assert model in site._registry, model


@pytest.mark.django_db
def test_scoped_helper_for_other_apps(libraries, organizer, world):
    hn = organizer(libraries["P-HN"])
    assert set(scoped(Child.objects.all(), hn).values_list("nickname", flat=True)) == {"长沙娃", "县城娃", "株洲娃"}
    assert set(scoped(Child.objects.all(), hn, "library").values_list("nickname", flat=True)) == {
        "长沙娃", "县城娃", "株洲娃"}
    from campaigns.models import Notice

    assert scoped(Notice.objects.all(), hn).query.is_empty()


@pytest.mark.django_db
def test_organizer_admin_index_lists_the_scoped_models(client, libraries, organizer):
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get("/admin/").content.decode()
    for path in ("/admin/campaigns/child/", "/admin/campaigns/registration/", "/admin/campaigns/library/",
                 "/admin/campaigns/campaign/", "/admin/events/event/"):
        assert f'href="{path}"' in page, path
    assert 'href="/admin/campaigns/auditevent/"' not in page


@pytest.mark.django_db
def test_openapi_documents_the_campaigns_api(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/campaigns/", "/api/v1/campaigns/libraries", "/api/v1/campaigns/registrations",
            "/api/v1/campaigns/{slug}"} <= set(schema["paths"])


@pytest.mark.django_db
def test_organizer_admin_forms_open(client, libraries, organizer, world):
    client.force_login(organizer(libraries["P-HN"]))
    page = client.get("/admin/campaigns/campaign/add/").content.decode()
    assert 'name="lead_library"' in page
    response = client.post(f"/admin/campaigns/library/{libraries['C-HN-CS'].pk}/change/",
                           {"name": "长沙图书馆（新馆）", "province": "湖南"})
    assert response.status_code == 302
    libraries["C-HN-CS"].refresh_from_db()
    assert libraries["C-HN-CS"].name == "长沙图书馆（新馆）" and libraries["C-HN-CS"].parent.code == "P-HN"
    response = client.post(f"/admin/campaigns/library/{libraries['P-HE'].pk}/change/",
                           {"name": "改名", "province": "河北"})
    libraries["P-HE"].refresh_from_db()
    assert libraries["P-HE"].name == "河北省图书馆"
    assert client.get(f"/admin/campaigns/child/{world['children']['C-HN-CS'].pk}/delete/").status_code == 403
