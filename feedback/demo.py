"""The demo's satisfaction survey: 童音诵古韵 has closed for a family, who answered it."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from campaigns.models import Campaign, User
from feedback.models import Question, Survey
from feedback.services import survey_invite, survey_respond

QUESTIONS = [
    ("rating", "您对本次活动总体满意吗？", "How satisfied are you with the campaign overall?", ""),
    ("choice", "您是从哪里知道本次活动的？", "Where did you hear about it?",
     "图书馆 | The library\n微信公众号 | WeChat\n学校 | School\n亲友 | Friends and family"),
    ("rating", "孩子喜欢诵读和答题吗？", "Did your child enjoy reciting and the quiz?", ""),
    ("text", "还有什么建议？", "Any suggestions?", ""),
]


def load(stdout) -> None:
    campaign = Campaign.objects.filter(slug="tongyin-2027").first() or Campaign.objects.order_by("id").first()
    if campaign is None:
        stdout.write("满意度 Surveys: no campaign; skipped")
        return
    with transaction.atomic():
        survey, made = Survey.objects.get_or_create(
            campaign=campaign, title_zh="活动满意度调查", defaults={
                "title_en": "How did it go?", "intro_zh": "三道题，一分钟。", "intro_en": "Three questions, one minute.",
                "opens_at": timezone.now() - timedelta(days=1), "closes_at": timezone.now() + timedelta(days=60)})
        if made:
            for position, (kind, zh, en, choices) in enumerate(QUESTIONS, start=1):
                Question.objects.create(survey=survey, position=position, kind=kind, text_zh=zh, text_en=en,
                                        choices=choices, required=kind != "text")
    sent = survey_invite(survey.pk)
    # A second demo family already answered (named); the 13800000001 family is left to answer it.
    answered = 0
    for user in User.objects.filter(children__registrations__campaign=campaign).exclude(
            username="13800000001").distinct()[:3]:
        if not survey.responses.filter(respondent=user).exists():
            questions = list(survey.questions.all())
            survey_respond(survey=survey, user=user, named=answered == 0, answers={
                questions[0].pk: "5", questions[1].pk: "1", questions[2].pk: "4",
                questions[3].pk: "希望明年还有这样的活动！<script>alert(1)</script>"})
            answered += 1
    stdout.write(f"满意度 Surveys: 「{survey.title_zh}」 invitations sent {sent}, demo answers {answered}")
