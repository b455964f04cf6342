"""Writes of the surveys: answering (once, constraint-backed), and sending the invitations."""

from __future__ import annotations

import html
from datetime import datetime

import nh3
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Registration, User
from campaigns.notifications import Notification, notify
from config.errors import UserFacingError
from feedback.models import Answer, Question, Response, Survey

TEXT_MAX = 2000


def _err(code: str, zh: str, en: str, status: int = 400) -> UserFacingError:
    return UserFacingError(code, zh, en, status=status)


def plain_text(raw: str) -> str:
    """Free text as plain text: nh3 drops every tag, script and comment; the entities it leaves are
    turned back into characters (pages escape on output; the XLSX export neutralises formulas)."""
    cleaned = nh3.clean(raw or "", tags=set(), attributes={}, strip_comments=True)
    return html.unescape(cleaned).strip()[:TEXT_MAX]


def respondent_library(survey: Survey, user: User):
    """The library the family took part through (their first registration in the campaign)."""
    registration = (Registration.objects.filter(campaign_id=survey.campaign_id, child__guardian=user)
                    .select_related("library").order_by("created_at", "id").first())
    return registration.library if registration else None


def survey_respond(*, survey: Survey, user: User, answers: dict[int, str], named: bool = False,
                   now: datetime | None = None) -> Response:
    """Store one family's answers. `answers` maps question id → the raw value posted."""
    now = now or timezone.now()
    if not survey.is_open(now):
        raise _err("survey_closed", "这份问卷目前不接受回答", "This survey is not open", 403)
    library = respondent_library(survey, user)
    if library is None:
        raise _err("survey_not_participant", "这份问卷只请参加过本活动的家庭填写",
                   "Only families who took part in this campaign can answer this survey", 403)
    rows = []
    for question in survey.questions.all():
        raw = (answers.get(question.pk) or "").strip()
        if not raw:
            if question.required:
                raise _err("survey_answer_missing", f"请回答：{question.text_zh}",
                           f"Please answer: {question.text_en or question.text_zh}", 400)
            continue
        answer = Answer(question=question)
        if question.kind == Question.Kind.RATING:
            if raw not in {"1", "2", "3", "4", "5"}:
                raise _err("survey_bad_rating", f"“{question.text_zh}”请选择 1 到 5 分",
                           "Choose a rating from 1 to 5", 400)
            answer.rating = int(raw)
        elif question.kind == Question.Kind.CHOICE:
            if not raw.isdigit() or int(raw) >= len(question.choice_list()):
                raise _err("survey_bad_choice", f"“{question.text_zh}”请选择一个选项", "Choose one of the options", 400)
            answer.choice = int(raw)
        else:
            answer.text = plain_text(raw)
        rows.append(answer)
    try:
        with transaction.atomic():
            response = Response.objects.create(survey=survey, respondent=user, library=library, named=named)
            for answer in rows:
                answer.response = response
            Answer.objects.bulk_create(rows)
    except IntegrityError as exc:
        # One answer per person: the unique constraint decides, whatever the timing.
        raise _err("survey_already_answered", "您已经填写过这份问卷，感谢参与！",
                   "You have already answered this survey; thank you!", 409) from exc
    return response


def survey_invite(survey_id: int) -> int:
    """Task: invite every family who took part (site notice + WeChat, through the notification
    port). Idempotent: `sent_at` is set under a row lock, so a second run sends nothing."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None or survey.sent_at is not None or survey.opens_at > timezone.now():
            return 0
        survey.sent_at = timezone.now()
        survey.save(update_fields=["sent_at"])
        guardians = (Registration.objects.filter(campaign_id=survey.campaign_id)
                     .values_list("child__guardian_id", flat=True).distinct())
        url = reverse("feedback:answer", args=[survey.pk])
        sent = 0
        for user_id in sorted(set(guardians)):
            notify(Notification(
                user_id=user_id, kind="survey_invite", title=f"满意度调查：{survey.title_zh}",
                body=("活动已结束，请花一分钟告诉我们您的感受。"
                      f" Please tell us how it went: {survey.title_en or survey.title_zh}"),
                url=url, data={"survey": survey.pk},
            ))
            sent += 1
    return sent


def surveys_send_due(now: datetime | None = None) -> int:
    """Scheduled: send the invitations of every survey that has opened and was not sent yet."""
    now = now or timezone.now()
    due = Survey.objects.filter(sent_at__isnull=True, opens_at__lte=now).values_list("pk", flat=True)
    return sum(survey_invite(pk) for pk in list(due))
