"""Every app's admin is scoped by the library federation: an organizer of 湖南 (P-HN) sees 湖南's
entries, judges, likes, scores, question banks and quiz attempts in the admin changelists and nothing of
河北 (P-HE); a superuser sees everything. Scores and likes are read-only for everyone."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.campaigns.family_helpers import make_campaign


@pytest.fixture
def world(libraries, make_user):
    from campaigns.models import Child
    from events.models import Event, QuestionBank, QuizAttempt
    from judging.models import Assignment, Judge, Like, Round, Score
    from submissions.models import Entry

    campaign = make_campaign(libraries)
    event = Event.objects.create(campaign=campaign, slug="admin-scope", kind="recitation", title="诵读")
    quiz = Event.objects.create(campaign=campaign, slug="admin-quiz", kind="quiz", title="答题")
    round_ = Round.objects.create(campaign=campaign, event=event, key="r1", title="初评", scope="national")
    guardian = make_user("13900000201", phone="13900000201")
    rows = {}
    for code, nick in (("C-HN-CS", "湖南娃"), ("P-HE", "河北娃")):
        library = libraries[code]
        child = Child.objects.create(guardian=guardian, display_name=nick + "全名", nickname=nick, birth_year=2017,
                                     library=library)
        entry = Entry.objects.create(event=event, child=child, library=library, kind="essay", status="ready",
                                     moderation="approved", title=f"{nick}的作文", text="床前明月光")
        judge = Judge.objects.create(user=make_user(f"judge-{code.lower()}"), library=library)
        assignment = Assignment.objects.create(round=round_, entry=entry, judge=judge)
        score = Score.objects.create(round=round_, assignment=assignment, entry=entry, judge=judge,
                                     criterion="pronunciation", value=8)
        like = Like.objects.create(entry=entry, voter_hash=f"v-{code}", day=datetime.date(2027, 4, 1))
        bank = QuestionBank.objects.create(slug=f"bank-{code.lower()}", title=f"{nick}题库", owner=library)
        now = timezone.now()
        attempt = QuizAttempt.objects.create(event=quiz, child=child, library=library, token=f"t-{code}",
                                             status="finished", local_date=now.date(), started_at=now,
                                             deadline=now, finished_at=now, question_count=5)
        rows[code] = {"entry": entry, "judge": judge, "score": score, "like": like, "bank": bank,
                      "attempt": attempt}
    return rows


CHANGELISTS = [
    ("submissions", "entry", "entry"),
    ("judging", "judge", "judge"),
    ("judging", "assignment", "entry"),
    ("judging", "score", "score"),
    ("judging", "like", "like"),
    ("events", "questionbank", "bank"),
    ("events", "quizattempt", "attempt"),
]


def _changelist_pks(client, app, model):
    response = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200, (app, model, response.status_code)
    return {obj.pk for obj in response.context["cl"].result_list}


def _row_pk(rows, code, key, model):
    return rows[code]["judge"].pk if model == "judge" else (
        rows[code]["entry"].assignments.get().pk if model == "assignment" else rows[code][key].pk)


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model", "key"), CHANGELISTS)
def test_hunan_organizer_sees_hunan_rows_only(world, libraries, organizer, app, model, key):
    client = Client()
    client.force_login(organizer(libraries["P-HN"]))
    pks = _changelist_pks(client, app, model)
    assert pks == {_row_pk(world, "C-HN-CS", key, model)}
    hebei = _row_pk(world, "P-HE", key, model)
    assert hebei not in pks
    # Nor by guessing the URL of 河北's row.
    response = client.get(reverse(f"admin:{app}_{model}_change", args=[hebei]))
    assert response.status_code in (302, 403, 404)
    assert client.get(reverse(f"admin:{app}_{model}_change", args=[_row_pk(world, "C-HN-CS", key, model)])
                      ).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("app", "model", "key"), CHANGELISTS)
def test_superuser_sees_every_province(world, make_user, app, model, key):
    client = Client()
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert _changelist_pks(client, app, model) == {_row_pk(world, code, key, model) for code in ("C-HN-CS", "P-HE")}


@pytest.mark.django_db
def test_hebei_organizer_gets_nothing_of_hunan(world, libraries, organizer):
    client = Client()
    client.force_login(organizer(libraries["P-HE"]))
    assert _changelist_pks(client, "submissions", "entry") == {world["P-HE"]["entry"].pk}
    assert _changelist_pks(client, "events", "questionbank") == {world["P-HE"]["bank"].pk}
    index = client.get(reverse("admin:index")).content.decode()
    assert "/admin/judging/judge/" in index and "/admin/events/questionbank/" in index


@pytest.mark.django_db
def test_scores_and_likes_are_read_only_even_for_superusers(world, libraries, organizer, make_user):
    from judging.models import Like, Score

    for user in (organizer(libraries["P-HN"]), make_user("root2", is_superuser=True, is_staff=True)):
        client = Client()
        client.force_login(user)
        for model, obj in (("score", world["C-HN-CS"]["score"]), ("like", world["C-HN-CS"]["like"])):
            url = reverse(f"admin:judging_{model}_change", args=[obj.pk])
            page = client.get(url)
            assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
            assert client.post(url, {"value": "1", "voided": "on"}).status_code == 403
            assert client.post(reverse(f"admin:judging_{model}_delete", args=[obj.pk]), {"post": "yes"}
                               ).status_code == 403
    assert Score.objects.get(pk=world["C-HN-CS"]["score"].pk).value == 8
    assert not Like.objects.get(pk=world["C-HN-CS"]["like"].pk).voided


@pytest.mark.django_db
def test_organizer_may_view_but_not_change_a_national_bank(world, libraries, organizer):
    from events.models import QuestionBank

    national = QuestionBank.objects.create(slug="bank-nlc", title="国家题库", owner=libraries["NLC"])
    client = Client()
    client.force_login(organizer(libraries["P-HN"]))
    assert national.pk in _changelist_pks(client, "events", "questionbank")
    url = reverse("admin:events_questionbank_change", args=[national.pk])
    assert client.post(url, {"slug": "stolen", "title": "x", "owner": libraries["P-HN"].pk}).status_code == 403
    national.refresh_from_db()
    assert national.slug == "bank-nlc"
