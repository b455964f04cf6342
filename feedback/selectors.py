"""Reads of the surveys: what a family is asked, and results per library subtree."""

from __future__ import annotations

from django.db.models import Avg, Count
from django.utils import timezone

from campaigns.models import Registration
from feedback.models import Answer, Question, Response, Survey


def surveys_for_family(user, at=None) -> list[dict]:
    """Open surveys of the campaigns the family's children took part in, and whether answered."""
    at = at or timezone.now()
    campaign_ids = set(Registration.objects.filter(child__guardian=user).values_list("campaign_id", flat=True))
    surveys = [s for s in Survey.objects.filter(campaign_id__in=campaign_ids).select_related("campaign", "event")
               if s.is_open(at)]
    answered = set(Response.objects.filter(respondent=user, survey__in=surveys).values_list("survey_id", flat=True))
    return [{"survey": s, "answered": s.pk in answered} for s in surveys]


def family_surveys_context(request, children) -> dict:
    return {"surveys": surveys_for_family(request.user)}


def responses_export(user) -> list[dict]:
    """The family's own answers, for the family data export."""
    out = []
    for response in Response.objects.filter(respondent=user).select_related("survey").prefetch_related(
            "answers__question"):
        out.append({
            "survey": response.survey.title_zh, "created_at": response.created_at.isoformat(), "named": response.named,
            "answers": [{"question": a.question.text_zh, "rating": a.rating, "choice": a.choice, "text": a.text}
                        for a in response.answers.all()],
        })
    return out


def surveys_of_campaign(campaign) -> list[Survey]:
    return list(Survey.objects.filter(campaign=campaign).select_related("event").order_by("opens_at", "id"))


def survey_results(survey: Survey, library=None) -> dict:
    """Results of a survey for a library's subtree (None: everyone). Respondents are shown by name
    only when they agreed; otherwise their free text is anonymous."""
    responses = Response.objects.filter(survey=survey)
    if library is not None:
        responses = responses.filter(library__path__startswith=library.path)
    answers = Answer.objects.filter(response__in=responses)
    questions = []
    for question in survey.questions.all():
        mine = answers.filter(question=question)
        row = {"question": question, "answered": mine.count()}
        if question.kind == Question.Kind.RATING:
            counts = dict(mine.values_list("rating").annotate(n=Count("id")))
            row["average"] = round(float(mine.aggregate(a=Avg("rating"))["a"] or 0), 2)
            row["distribution"] = [(score, counts.get(score, 0)) for score in range(1, 6)]
        elif question.kind == Question.Kind.CHOICE:
            counts = dict(mine.values_list("choice").annotate(n=Count("id")))
            row["distribution"] = [(f"{zh} {en}".strip(), counts.get(i, 0))
                                   for i, (zh, en) in enumerate(question.choice_list())]
        else:
            row["texts"] = [{
                "text": a.text, "library": a.response.library.name,
                "name": (a.response.respondent.display_name or a.response.respondent.username)
                if a.response.named else "",
            } for a in mine.exclude(text="").select_related("response__library", "response__respondent")
                .order_by("-response__created_at", "-id")]
        questions.append(row)
    return {"survey": survey, "responses": responses.count(), "questions": questions}
