"""满意度 surveys: one answer per person (constraint), anonymous unless agreed, sanitised free text,
invitations by the notification port (site + WeChat), results per library subtree in the reports."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from config.errors import UserFacingError
from feedback.models import Question, Response, Survey
from feedback.selectors import survey_results
from feedback.services import survey_invite, survey_respond, surveys_send_due

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    from campaigns.models import Library

    made = {}
    for code, level, parent in [("NLC", "national", None), ("P-HN", "provincial", "NLC"), ("C-HN-CS", "city", "P-HN"),
                                ("P-HE", "provincial", "NLC")]:
        p = made.get(parent)
        made[code] = Library.objects.create(code=code, name=f"{code}馆", level=level, parent=p,
                                            path=(p.path if p else "/") + code + "/")
    return made


@pytest.fixture
def survey(tree):
    from campaigns.models import Campaign

    campaign = Campaign.objects.create(slug="tongyin", title="童音诵古韵", lead_library=tree["NLC"])
    survey = Survey.objects.create(campaign=campaign, title_zh="满意度", title_en="Satisfaction",
                                   opens_at=timezone.now() - timedelta(hours=1))
    Question.objects.create(survey=survey, position=1, kind="rating", text_zh="总体满意吗？", text_en="Overall?")
    Question.objects.create(survey=survey, position=2, kind="choice", text_zh="从哪里知道？", text_en="Where?",
                            choices="图书馆 | Library\n微信 | WeChat")
    Question.objects.create(survey=survey, position=3, kind="text", text_zh="建议", text_en="Suggestions",
                            required=False)
    return survey


@pytest.fixture
def family(make_user, tree, survey):
    from campaigns.models import CampaignLibrary, Child, Registration

    def make(phone, code):
        CampaignLibrary.objects.get_or_create(campaign=survey.campaign, library=tree[code])
        user = make_user(phone, phone=phone, display_name=f"家长{phone[-2:]}")
        child = Child.objects.create(guardian=user, display_name="孩子", nickname="小", birth_year=2018,
                                     library=tree[code])
        Registration.objects.create(campaign=survey.campaign, child=child, library=tree[code])
        return user

    return make


def _answers(survey, rating="5", choice="1", text=""):
    q = list(survey.questions.all())
    return {q[0].pk: rating, q[1].pk: choice, q[2].pk: text}


def test_one_answer_per_person_is_a_database_constraint(survey, family):
    user = family("13800000011", "C-HN-CS")
    response = survey_respond(survey=survey, user=user, answers=_answers(survey))
    with pytest.raises(UserFacingError) as info:
        survey_respond(survey=survey, user=user, answers=_answers(survey, rating="1"))
    assert info.value.code == "survey_already_answered" and info.value.status == 409
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, respondent=user, library=response.library)
    assert response.answers.get(question__kind="rating").rating == 5


def test_bad_input_gets_a_bilingual_reason_and_nothing_is_stored(survey, family, make_user):
    user = family("13800000012", "C-HN-CS")
    for answers, code in [(_answers(survey, rating=""), "survey_answer_missing"),
                          (_answers(survey, rating="9"), "survey_bad_rating"),
                          (_answers(survey, choice="7"), "survey_bad_choice")]:
        with pytest.raises(UserFacingError) as info:
            survey_respond(survey=survey, user=user, answers=answers)
        assert info.value.code == code and info.value.message_zh and info.value.message_en
    with pytest.raises(UserFacingError) as info:
        survey_respond(survey=survey, user=make_user("outsider"), answers=_answers(survey))
    assert info.value.code == "survey_not_participant"
    assert not Response.objects.exists()


def test_free_text_is_sanitised_and_anonymous_unless_agreed(survey, family):
    anon = family("13800000013", "C-HN-CS")
    named = family("13800000014", "C-HN-CS")
    survey_respond(survey=survey, user=anon, answers=_answers(survey, text='很好<script>alert(1)</script><b>棒</b>'))
    survey_respond(survey=survey, user=named, named=True, answers=_answers(survey, text="明年再来"))
    texts = survey_results(survey)["questions"][2]["texts"]
    by_text = {t["text"]: t["name"] for t in texts}
    assert by_text == {"很好棒": "", "明年再来": "家长14"}


def test_results_per_library_subtree(survey, family, tree):
    survey_respond(survey=survey, user=family("13800000015", "C-HN-CS"), answers=_answers(survey, rating="4"))
    survey_respond(survey=survey, user=family("13800000016", "P-HE"), answers=_answers(survey, rating="2"))
    everyone = survey_results(survey)
    hunan = survey_results(survey, tree["P-HN"])
    assert everyone["responses"] == 2 and everyone["questions"][0]["average"] == 3.0
    assert hunan["responses"] == 1 and hunan["questions"][0]["average"] == 4.0
    assert dict(hunan["questions"][0]["distribution"])[4] == 1


def test_invitations_go_once_to_every_participating_family_by_site_and_wechat(survey, family):
    from campaigns.models import Notice
    from wechat.models import Follower, NotificationDelivery

    user = family("13800000017", "C-HN-CS")
    family("13800000018", "P-HE")
    Follower.objects.create(openid="oSurvey", subscribed=True, user=user)
    assert surveys_send_due() == 2
    assert survey_invite(survey.pk) == 0  # idempotent
    assert Notice.objects.filter(kind="survey_invite").count() == 2
    assert NotificationDelivery.objects.filter(kind="survey_invite", follower__user=user).count() == 1
    assert Notice.objects.filter(user=user, url=f"/surveys/{survey.pk}/").exists()


def test_family_answers_on_the_page_and_the_organizer_reads_and_exports(client, survey, family, organizer, tree):
    from io import BytesIO

    from openpyxl import load_workbook

    user = family("13800000019", "C-HN-CS")
    client.force_login(user)
    family_page = client.get("/family/").content.decode()
    assert f"/surveys/{survey.pk}/" in family_page and "待填写" in family_page
    q = list(survey.questions.all())
    response = client.post(f"/surveys/{survey.pk}/", {f"q{q[0].pk}": "5", f"q{q[1].pk}": "0",
                                                      f"q{q[2].pk}": "=HYPERLINK(\"http://x\",\"y\")", "named": "1"})
    assert response.status_code == 302
    assert "您已填写这份问卷" in client.get(f"/surveys/{survey.pk}/").content.decode()
    client.force_login(organizer(tree["P-HN"]))
    page = client.get(f"/reports/c/{survey.campaign.slug}/surveys/").content.decode()
    assert '<strong data-key="responses">1</strong>' in page and "svg" in page and "家长19" in page
    xlsx = client.get(f"/reports/c/{survey.campaign.slug}/surveys.xlsx")
    book = load_workbook(BytesIO(xlsx.content))
    cell = book["意见 Free text"]["C2"]
    assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s"  # text, never a formula
