"""Password rules (campaigns/passwords.py): the site's name is refused for everyone; organizers and
judges need a stronger password than guardians."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from campaigns.models import OrganizerRole, User


@pytest.mark.parametrize("password", ["shuxiang", "Shuxiang2027", "shuxiang-2027!", "tushuguan123", "书香2027书香"])
def test_site_words_are_refused_for_everyone(password):
    with pytest.raises(ValidationError) as info:
        validate_password(password, User(username="13900000001"))
    assert "password_site_word" in {e.code for e in info.value.error_list}


@pytest.mark.django_db
def test_signup_refuses_shuxiang(client):
    response = client.post("/accounts/register/", {"phone": "13900000055", "password1": "shuxiang",
                                                   "password2": "shuxiang", "accept_privacy": "on"})
    assert response.status_code == 200 and "密码太容易猜到" in response.content.decode()
    assert not User.objects.filter(phone="13900000055").exists()


@pytest.mark.django_db
def test_organizers_and_judges_need_a_stronger_password(libraries, make_user, settings):
    guardian = make_user("13900000066", phone="13900000066")
    validate_password("Reading-27", guardian)  # fine for a guardian
    organizer = make_user("org-pw")
    OrganizerRole.objects.create(user=organizer, library=libraries["P-HN"])
    from judging.services import judge_upsert

    judge = judge_upsert(username="judge-pw", library=libraries["P-HE"]).user
    staff = User(username="new-staff", is_staff=True)  # not saved yet: the flag is enough
    for user in (organizer, judge, staff):
        with pytest.raises(ValidationError) as info:
            validate_password("Reading-27", user)
        assert "password_role_too_weak" in {e.code for e in info.value.error_list}
        validate_password("Reading-Garden-2027", user)  # 12+ characters of three kinds
        with pytest.raises(ValidationError):
            validate_password("readinggardenforever", user)  # long but one kind
    settings.STAFF_PASSWORD_MIN_LENGTH = 0  # the stronger rule is a choice
    validate_password("Reading-27", organizer)


@pytest.mark.django_db
def test_the_admin_password_form_applies_the_role_rule(client, make_user, libraries):
    root = make_user("root-pw", is_staff=True, is_superuser=True)
    organizer = make_user("org-pw2", is_staff=True)
    client.force_login(root)
    response = client.post(f"/admin/campaigns/user/{organizer.pk}/password/",
                           {"password1": "Reading-27", "password2": "Reading-27"})
    assert response.status_code == 200 and "password" in response.content.decode().lower()
    organizer.refresh_from_db()
    assert not organizer.check_password("Reading-27")
