"""Guardian accounts, child profiles, the consent ledger, the under-14 rule, export and deletion."""

import json
import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.messages import get_messages
from django.test import Client

from campaigns import services
from campaigns.consent import CURRENT_VERSION, current_texts
from campaigns.family_registry import (
    register_child_delete_hook,
    register_export_section,
    register_family_section,
    unregister_child_delete_hook,
    unregister_export_section,
    unregister_family_section,
)
from campaigns.models import AuditEvent, Child, ConsentRecord, Notice, Registration, User
from campaigns.selectors import child_consents, child_has_consent
from config.errors import UserFacingError
from tests.campaigns.family_helpers import make_campaign, this_year

PASSWORD = "Shuxiang-Family-2027"


def register(client, phone="13900000002", password=PASSWORD, **extra):
    return client.post("/accounts/register/", {"phone": phone, "password1": password, "password2": password,
                                               "accept_privacy": "on", **extra})


def add_child(client, library, *, name="李小华", nickname="小华", age=8, consents=("judging",)):
    data = {"display_name": name, "nickname": nickname, "birth_year": this_year() - age,
            "province": library.province, "library": library.pk}
    data.update({f"consent_{p}": "on" for p in consents})
    return client.post("/family/children/add/", data)



@pytest.fixture
def guardian(make_user):
    return make_user("13900000009", phone="13900000009", password=PASSWORD)


@pytest.fixture
def family_client(client, guardian):
    client.force_login(guardian)
    return client


# --- registration and login -------------------------------------------------------------------------


@pytest.mark.django_db
def test_guardian_registers_with_phone_and_hashed_password(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the real one here
    response = register(client, phone="139 0000 0002", display_name="李女士")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")
    assert "13900000002" not in response.url  # a phone number stays out of URLs (and so of access logs)
    user = User.objects.get(phone="13900000002")
    assert user.username == "13900000002" and user.display_name == "李女士"
    assert user.password != PASSWORD and identify_hasher(user.password).algorithm == "pbkdf2_sha256"
    assert user.check_password(PASSWORD)
    assert AuditEvent.objects.filter(action="guardian_registered", object_id=str(user.pk)).exists()
    # The journey goes on: the login page has the phone filled in and leads to adding a child.
    login_page = client.get(response.url).content.decode()
    assert 'value="13900000002"' in login_page and "请用这个手机号和刚才设置的密码登录" in login_page
    logged_in = client.post(response.url, {"username": "13900000002", "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in.url.startswith("/family/children/add/")
    assert client.get("/family/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("phone,password,password2,privacy,message", [
    ("12345", PASSWORD, PASSWORD, "on", "11 位"),
    ("13900000003", "12345678", "12345678", "on", "密码不符合要求"),
    ("13900000003", PASSWORD, PASSWORD + "x", "on", "两次输入的密码不一致"),
    ("13900000003", PASSWORD, PASSWORD, "", "这个字段是必填项"),
])
def test_registration_refusals_are_specific(client, phone, password, password2, privacy, message):
    response = client.post("/accounts/register/", {"phone": phone, "password1": password, "password2": password2,
                                                   "accept_privacy": privacy})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(phone=phone).exists()


def _signup_answer(response) -> tuple:
    """Everything a client sees of a sign-up answer, its own phone number masked. The messages cookie is
    signed with the time (to the second), the session key is random: the messages are compared decoded, by the
    caller, and the session holds no login."""
    cookies = {name: (morsel.value if name not in ("messages", "sessionid") else "random", morsel["max-age"],
                      morsel["path"]) for name, morsel in response.cookies.items()}
    return (response.status_code, response.get("Location", "").replace("13900000009", "PHONE")
            .replace("13900000002", "PHONE"), cookies, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("password", [PASSWORD, "Another-Pass-2027"])
def test_signup_does_not_tell_whether_a_phone_is_registered(guardian, password):
    """A registered number (with its own or any other password) and a new one get the same answer: status,
    redirect, cookies (the message included) and body; the registered account is untouched and told."""
    taken, new = Client(), Client()
    taken_answer = register(taken, phone=guardian.phone, password=password)
    new_answer = register(new, phone="13900000002", password=password)
    assert _signup_answer(taken_answer) == _signup_answer(new_answer)
    assert taken_answer.status_code == 302
    for client in (taken, new):  # nobody is logged in: the session holds only the number to fill in
        assert "_auth_user_id" not in client.session and client.get("/family/").status_code == 302
    assert [str(m) for m in get_messages(taken_answer.wsgi_request)] == \
        [str(m) for m in get_messages(new_answer.wsgi_request)]
    assert User.objects.filter(phone=guardian.phone).count() == 1
    guardian.refresh_from_db()
    assert guardian.check_password(PASSWORD) and not (password != PASSWORD and guardian.check_password(password))
    assert Notice.objects.filter(user=guardian, kind="signup_attempt").count() == 1
    assert AuditEvent.objects.filter(action="guardian_signup_existing_phone", object_id=str(guardian.pk)).exists()
    # The pages that follow do not tell them apart either: the same login page for both numbers.
    taken_login = taken.get(taken_answer.url).content.decode().replace(guardian.phone, "PHONE")
    new_login = new.get(new_answer.url).content.decode().replace("13900000002", "PHONE")
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", taken_login) == strip.sub("", new_login)


@pytest.mark.django_db
def test_weak_password_is_refused_alike_for_a_registered_phone(client, guardian):
    response = register(client, phone=guardian.phone, password="12345678")
    assert response.status_code == 200 and "密码不符合要求" in response.content.decode()
    assert "已经注册" not in response.content.decode()


@pytest.mark.django_db
def test_login_by_phone_and_logout(client, guardian):
    response = client.post("/accounts/login/", {"username": guardian.phone, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1] == ("/family/", 302)  # a guardian lands on the family page
    assert client.get("/family/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/family/").status_code == 302


@pytest.mark.django_db
def test_login_attempts_are_rate_limited(client, guardian, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post("/accounts/login/", {"username": guardian.phone, "password": "wrong-password"})
        assert response.status_code == 200
        assert "手机号或密码不正确" in response.content.decode()
    client.post("/accounts/login/", {"username": guardian.phone, "password": "wrong-password"})
    blocked = client.post("/accounts/login/", {"username": guardian.phone, "password": PASSWORD})
    text = blocked.content.decode()
    assert blocked.status_code == 429
    assert "登录失败次数过多" in text and "Too many failed attempts" in text
    assert "_auth_user_id" not in client.session  # even the right password is refused while blocked
    # The address is locked too (tests/campaigns/test_login_throttle.py has the per-account/per-address cases).
    other = Client(REMOTE_ADDR="198.51.100.9")
    assert other.post("/accounts/login/", {"username": "13900000077", "password": "x"}).status_code == 200


@pytest.mark.django_db
def test_forms_need_csrf(guardian, libraries):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": guardian.phone, "password": PASSWORD}).status_code == 403
    client.force_login(guardian)
    assert add_child(client, libraries["C-HN-CS"]).status_code == 403
    assert not Child.objects.exists()


# --- children and consent -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_add_child_with_consent_records_text_version(family_client, guardian, libraries):
    response = add_child(family_client, libraries["C-HN-CS"], consents=("judging", "gallery"))
    assert response.status_code == 302
    child = Child.objects.get(guardian=guardian)
    assert (child.nickname, child.library.code, child.birth_year) == ("小华", "C-HN-CS", this_year() - 8)
    records = {r.purpose: r for r in child.consents.all()}
    assert set(records) == {"judging", "gallery"}  # nothing recorded for a purpose never given
    assert all(r.granted and r.text_version == CURRENT_VERSION and r.recorded_by == guardian for r in records.values())
    page = family_client.get("/family/").content.decode()
    assert "小华" in page and "长沙图书馆" in page and "已同意" in page


@pytest.mark.django_db
def test_child_form_validates_birth_year_and_library(family_client, guardian, libraries):
    response = family_client.post("/family/children/add/", {"display_name": "A", "nickname": "a",
                                                            "birth_year": 1990, "library": ""})
    assert response.status_code == 200 and not Child.objects.exists()
    assert 'class="errorlist"' in response.content.decode()


@pytest.mark.django_db
def test_library_picker_works_without_javascript(family_client, libraries):
    """Province first: the 'show libraries' button re-renders the form with that province's libraries."""
    response = family_client.post("/family/children/add/", {"display_name": "李小华", "nickname": "小华",
                                                            "province": "河北", "pick_province": "1"})
    page = response.content.decode()
    assert response.status_code == 200 and not Child.objects.exists()
    assert "河北省图书馆" in page and 'value="李小华"' in page
    assert "湖南图书馆" not in page.split('id="id_library"')[1].split("</select>")[0]
    assert 'class="errorlist"' not in page  # no errors shown before the form is submitted
    full = family_client.get("/family/children/add/").content.decode()
    select = full.split('id="id_library"')[1].split("</select>")[0]
    assert select.count("<option value=") == 1 + 459  # placeholder + every library, grouped by province
    assert select.count("<optgroup") == 31


@pytest.mark.django_db
def test_edit_child(family_client, guardian, libraries):
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"])
    response = family_client.post(f"/family/children/{child.pk}/edit/", {
        "display_name": "李小华", "nickname": "华华", "birth_year": this_year() - 9, "province": "湖南",
        "library": libraries["X-HN-CSX"].pk})
    assert response.status_code == 302
    child.refresh_from_db()
    assert (child.nickname, child.birth_year, child.library.code) == ("华华", this_year() - 9, "X-HN-CSX")


@pytest.mark.django_db
def test_consent_withdrawal_appends_to_the_ledger(family_client, guardian, libraries):
    add_child(family_client, libraries["C-HN-CS"], consents=("judging", "gallery", "publish_name"))
    child = Child.objects.get()
    response = family_client.post(f"/family/children/{child.pk}/consent/", {"withdraw": "gallery"})
    assert response.status_code == 302
    ledger = list(child.consents.filter(purpose="gallery").order_by("recorded_at", "id"))
    assert [r.granted for r in ledger] == [True, False]  # the grant is kept; the withdrawal is a new row
    assert not child_has_consent(child, "gallery") and child_has_consent(child, "judging")
    assert "已撤回" in family_client.get("/family/").content.decode()
    # The consent page saves the whole set and records only what changed.
    family_client.post(f"/family/children/{child.pk}/consent/", {"judging": "on", "gallery": "on"})
    assert child.consents.count() == 3 + 1 + 2  # gallery re-granted, publish_name withdrawn
    assert child_consents(child)["publish_name"].granted is False
    assert AuditEvent.objects.filter(action="consent_withdrawn").count() == 2


@pytest.mark.django_db
def test_consents_update_without_change_adds_nothing(guardian, libraries):
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True, "gallery": False})
    assert child.consents.count() == 1
    assert services.consents_update(child=child, wanted={"judging": True, "gallery": False}, actor=guardian) == []
    with pytest.raises(UserFacingError) as error:
        services.consent_record(child=child, purpose="marketing", granted=True, actor=guardian)
    assert error.value.code == "consent_purpose_unknown"


@pytest.mark.django_db
def test_consent_texts_are_bilingual_and_versioned():
    texts = current_texts()
    assert set(texts) == set(ConsentRecord.Purpose.values)
    for text in texts.values():
        assert text.text_zh and text.text_en and text.title_zh and text.title_en
    assert texts["judging"].required and "14" in texts["judging"].text_zh


@pytest.mark.django_db
def test_other_families_children_are_out_of_reach(family_client, make_user, libraries):
    other = make_user("13900000055", phone="13900000055")
    child = services.child_create(guardian=other, display_name="赵小强", nickname="小强",
                                  birth_year=this_year() - 8, library=libraries["P-HE"])
    for url in (f"/family/children/{child.pk}/edit/", f"/family/children/{child.pk}/delete/",
                f"/family/children/{child.pk}/consent/"):
        assert family_client.get(url).status_code == 404
    assert family_client.post(f"/family/children/{child.pk}/delete/").status_code == 404
    assert Child.objects.filter(pk=child.pk).exists()
    assert "小强" not in family_client.get("/family/").content.decode()


# --- registration for a campaign: the under-14 rule and eligibility ------------------------------------


@pytest.mark.django_db
def test_under_14_needs_judging_consent(guardian, libraries):
    campaign = make_campaign(libraries, age_groups=((6, 16),))
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"])
    with pytest.raises(UserFacingError) as error:
        services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    assert error.value.code == "consent_required" and "未满14周岁" in error.value.message_zh
    assert "under 14" in error.value.message_en
    assert not Registration.objects.exists()
    services.consents_update(child=child, wanted={"judging": True}, actor=guardian)
    registration = services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    assert registration.library.code == "C-HN-CS"
    # Registering again returns the same registration.
    again = services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    assert again.pk == registration.pk and Registration.objects.count() == 1


@pytest.mark.django_db
def test_withdrawn_consent_blocks_new_registrations(guardian, libraries):
    campaign = make_campaign(libraries, age_groups=((6, 16),))
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    services.consents_update(child=child, wanted={"judging": False}, actor=guardian)
    with pytest.raises(UserFacingError) as error:
        services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    assert error.value.code == "consent_required"


@pytest.mark.django_db
def test_14_and_over_may_register_without_consent(guardian, libraries):
    campaign = make_campaign(libraries, age_groups=((6, 16),))
    child = services.child_create(guardian=guardian, display_name="李大华", nickname="大华",
                                  birth_year=this_year() - 15, library=libraries["C-HN-CS"])
    assert services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"]).pk


@pytest.mark.django_db
def test_age_groups_and_participating_libraries_are_enforced(guardian, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS"], age_groups=((6, 12),))
    older = services.child_create(guardian=guardian, display_name="李大华", nickname="大华",
                                  birth_year=this_year() - 13, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    with pytest.raises(UserFacingError) as error:
        services.registration_create(campaign=campaign, child=older, library=libraries["C-HN-CS"])
    assert error.value.code == "age_not_eligible" and "13" in error.value.message_zh
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["P-HE"], consents={"judging": True})
    with pytest.raises(UserFacingError) as error:
        services.registration_create(campaign=campaign, child=child, library=libraries["P-HE"])
    assert error.value.code == "library_not_participating" and "河北省图书馆" in error.value.message_zh


@pytest.mark.django_db
def test_registration_page_attributes_to_the_joined_branch(family_client, guardian, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS", "X-HN-CSX"])
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    branch = campaign.branches.get(library__code="X-HN-CSX")
    response = family_client.get(f"/c/{campaign.slug}/join/{branch.join_code}/")
    assert response.status_code == 302 and response.url == f"/c/{campaign.slug}/register/"
    page = family_client.get(response.url).content.decode()
    assert "长沙县图书馆" in page and "小华" in page
    response = family_client.post(f"/c/{campaign.slug}/register/", {"child": child.pk})
    assert response.status_code == 302
    assert Registration.objects.get(child=child).library.code == "X-HN-CSX"


@pytest.mark.django_db
def test_registration_page_falls_back_to_the_nearest_participating_library(family_client, guardian, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN"])
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["X-HN-CSX"],
                                  consents={"judging": True})
    family_client.post(f"/c/{campaign.slug}/register/", {"child": child.pk})
    assert Registration.objects.get(child=child).library.code == "P-HN"


@pytest.mark.django_db
def test_registration_page_shows_the_refusal(family_client, guardian, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS"])
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"])
    response = family_client.post(f"/c/{campaign.slug}/register/", {"child": child.pk}, follow=True)
    text = response.content.decode()
    assert "需要监护人同意" in text and "under 14" in text
    assert not Registration.objects.exists()


@pytest.mark.django_db
def test_join_with_unknown_code_is_404(client, libraries):
    campaign = make_campaign(libraries, codes=["NLC"])
    assert client.get(f"/c/{campaign.slug}/join/nosuchcode/").status_code == 404


# --- export and deletion ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_export_contains_everything_about_the_family_and_nothing_else(family_client, guardian, make_user,
                                                                      libraries):
    campaign = make_campaign(libraries)
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True, "gallery": True})
    services.consents_update(child=child, wanted={"gallery": False}, actor=guardian)
    services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    Notice.objects.create(user=guardian, kind="entry_accepted", title="作品已通过审核")
    other = make_user("13900000055", phone="13900000055")
    services.child_create(guardian=other, display_name="赵小强", nickname="小强", birth_year=this_year() - 8,
                          library=libraries["P-HE"])
    register_export_section("later_app", lambda user: [{"guardian": user.phone}])
    try:
        response = family_client.get("/family/export/")
    finally:
        unregister_export_section("later_app")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["phone"] == guardian.phone
    assert [c["nickname"] for c in data["children"]] == ["小华"]
    assert [(r["purpose"], r["granted"]) for r in data["children"][0]["consents"]] == [
        ("judging", True), ("gallery", True), ("gallery", False)]
    assert data["children"][0]["consents"][0]["text_version"] == CURRENT_VERSION
    assert data["registrations"][0]["campaign"] == campaign.slug
    assert data["notices"][0]["title"] == "作品已通过审核"
    assert data["later_app"] == [{"guardian": guardian.phone}]
    assert "赵小强" not in response.content.decode("utf-8") and "小强" not in response.content.decode("utf-8")
    assert "password" not in response.content.decode("utf-8")


@pytest.mark.django_db
def test_delete_child_after_confirmation(family_client, guardian, libraries):
    campaign = make_campaign(libraries)
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    sibling = services.child_create(guardian=guardian, display_name="李小丽", nickname="小丽",
                                    birth_year=this_year() - 7, library=libraries["C-HN-CS"],
                                    consents={"judging": True})
    services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    hooked = []
    register_child_delete_hook("test", lambda c: hooked.append(c.pk))
    try:
        confirm = family_client.get(f"/family/children/{child.pk}/delete/")
        assert confirm.status_code == 200
        assert "删除后无法恢复" in confirm.content.decode() and campaign.title in confirm.content.decode()
        assert Child.objects.filter(pk=child.pk).exists()  # GET never deletes
        response = family_client.post(f"/family/children/{child.pk}/delete/")
    finally:
        unregister_child_delete_hook("test")
    assert response.status_code == 302
    assert hooked == [child.pk]
    assert not Child.objects.filter(pk=child.pk).exists()
    assert not ConsentRecord.objects.filter(child_id=child.pk).exists()
    assert not Registration.objects.filter(child_id=child.pk).exists()
    assert Child.objects.filter(pk=sibling.pk).exists() and sibling.consents.count() == 1
    audit = AuditEvent.objects.get(action="child_deleted")
    assert audit.object_id == str(child.pk) and "李小华" not in json.dumps(audit.data, ensure_ascii=False)


@pytest.mark.django_db
def test_family_page_lists_registrations_notices_and_registered_sections(family_client, guardian, libraries):
    campaign = make_campaign(libraries)
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    services.registration_create(campaign=campaign, child=child, library=libraries["C-HN-CS"])
    notice = Notice.objects.create(user=guardian, kind="entry_accepted", title="作品已通过审核", url="/family/")
    register_family_section(key="test_entries", title_zh="测试作品", title_en="Test entries",
                            template="campaigns/_events.html", context=lambda request, children: {"events": []})
    try:
        page = family_client.get("/family/").content.decode()
    finally:
        unregister_family_section("test_entries")
    assert campaign.title in page and "作品已通过审核" in page and "1 条未读" in page
    assert "测试作品" in page and "活动项目即将公布" in page
    family_client.post(f"/family/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at is not None


@pytest.mark.django_db
def test_a_broken_family_section_does_not_take_the_page_down(family_client):
    def broken(request, children):
        raise RuntimeError("boom")

    register_family_section(key="broken", title_zh="坏的", title_en="Broken", template="campaigns/_events.html",
                            context=broken)
    try:
        response = family_client.get("/family/")
    finally:
        unregister_family_section("broken")
    assert response.status_code == 200
    assert "这部分内容暂时无法显示" in response.content.decode()


@pytest.mark.django_db
def test_field_errors_are_announced(client):
    page = client.post("/accounts/register/", {"phone": "12345", "password1": PASSWORD, "password2": PASSWORD,
                                               "accept_privacy": "on"}).content.decode()
    assert 'aria-invalid="true" aria-describedby="id_phone_error id_phone_helptext"' in page
    assert '<ul class="errorlist" id="id_phone_error">' in page


@pytest.mark.django_db
def test_branch_attribution_survives_logging_in(client, guardian, libraries):
    campaign = make_campaign(libraries, codes=["NLC", "P-HN", "C-HN-CS", "X-HN-CSX"])
    child = services.child_create(guardian=guardian, display_name="李小华", nickname="小华",
                                  birth_year=this_year() - 8, library=libraries["C-HN-CS"],
                                  consents={"judging": True})
    branch = campaign.branches.get(library__code="X-HN-CSX")
    login_url = client.get(client.get(f"/c/{campaign.slug}/join/{branch.join_code}/").url).url
    assert login_url.startswith("/accounts/login/")
    response = client.post(login_url, {"username": guardian.phone, "password": PASSWORD})
    assert response.url == f"/c/{campaign.slug}/register/"
    client.post(response.url, {"child": child.pk})
    assert Registration.objects.get(child=child).library.code == "X-HN-CSX"


@pytest.mark.django_db
def test_library_options_are_escaped(family_client, libraries):
    from campaigns.models import Library

    Library.objects.filter(code="C-HN-CS").update(name='长沙<script>alert("x")</script>馆')
    page = family_client.get("/family/children/add/").content.decode()
    select = page.split('id="id_library"')[1].split("</select>")[0]
    assert "<script>" not in select and "长沙&lt;script&gt;" in select
    edit = family_client.post("/family/children/add/", {"province": "湖南", "pick_province": "1",
                                                        "library": str(libraries["C-HN-CS"].pk)}).content.decode()
    assert f'<option value="{libraries["C-HN-CS"].pk}" selected>' in edit


def test_age_group_display_names_its_range_once(db, libraries):
    from campaigns.models import AgeGroup, Campaign

    campaign = Campaign.objects.create(slug="ages", title="年龄", lead_library=libraries["NLC"])
    named = AgeGroup(campaign=campaign, key="junior", label="低年级组（6–8 岁）", min_age=6, max_age=8)
    bare = AgeGroup(campaign=campaign, key="senior", label="高年级组", min_age=9, max_age=12)
    assert named.display == "低年级组（6–8 岁）"
    assert bare.display == "高年级组（9–12 岁）"
