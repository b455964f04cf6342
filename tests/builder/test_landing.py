"""After login each role lands where its work is; organizers' dashboard offers 新建活动."""

import pytest

from campaigns.models import User
from tests.builder.conftest import organizer

pytestmark = pytest.mark.django_db


def login(client, username, password="pw-shuxiang-1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, follow=True)


def test_organizer_lands_on_the_dashboard_with_new_campaign(client, tree):
    organizer("org-cs", tree["C-HN-CS"])
    response = login(client, "org-cs")
    assert response.redirect_chain[-1][0] == "/reports/"
    assert 'href="/builder/new/"' in response.content.decode()


def test_judge_lands_on_the_queue(client, tree):
    from judging.models import Judge

    user = User.objects.create_user(username="judge-x", password="pw-shuxiang-1")
    Judge.objects.create(user=user, library=tree["P-HN"])
    assert login(client, "judge-x").redirect_chain[-1][0] == "/judging/"


def test_guardian_lands_on_the_family_page(client, tree):
    User.objects.create_user(username="13900000009", phone="13900000009", password="pw-shuxiang-1")
    assert login(client, "13900000009").redirect_chain[-1][0] == "/family/"


def test_other_organizers_cannot_open_a_campaign_outside_their_scope(client, tree, org_hn):
    he = organizer("org-he", tree["P-HE"])
    client.force_login(org_hn)
    client.post("/builder/new/", {"template": "blank", "slug": "hn-x", "title": "湖南活动", "lead": "P-HN"})
    client.force_login(he)
    assert client.get("/builder/c/hn-x/basics/").status_code == 403
    assert client.post("/builder/new/", {"template": "blank", "slug": "he-x", "title": "x", "lead": "P-HN"}
                       ).status_code == 200  # P-HN is not among org-he's libraries: not created
    from campaigns.models import Campaign
    assert not Campaign.objects.filter(slug="he-x").exists()


def test_drafts_are_not_listed_publicly_until_published(client, hn_client, tree):
    hn_client.post("/builder/new/", {"template": "blank", "slug": "hn-draft", "title": "湖南草稿活动", "lead": "P-HN"})
    from django.test import Client

    assert "湖南草稿活动" not in Client().get("/").content.decode()
    assert "hn-draft" not in {c["slug"] for c in Client().get("/api/v1/campaigns/").json()}
