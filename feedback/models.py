"""满意度 (satisfaction) surveys: short organizer-defined questionnaires sent to the families who
took part once a campaign (or one of its events) closes. One answer per person (a constraint);
anonymous to organizers unless the respondent agrees to be named."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Survey(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="surveys",
                                 verbose_name=_("活动 Campaign"))
    event = models.ForeignKey("events.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="surveys",
                              verbose_name=_("活动项目 Event"), help_text=_("留空：整个活动 Empty: the whole campaign"))
    title_zh = models.CharField(_("标题 Title (中文)"), max_length=120)
    title_en = models.CharField(_("Title (English)"), max_length=120, blank=True)
    intro_zh = models.TextField(_("说明 Intro (中文)"), blank=True)
    intro_en = models.TextField(_("Intro (English)"), blank=True)
    opens_at = models.DateTimeField(_("开始时间 Opens"), help_text=_("活动或项目结束后 After the campaign or event closes"))
    closes_at = models.DateTimeField(_("截止时间 Closes"), null=True, blank=True)
    # Set once when the invitations went out (site notice + WeChat): the send task is idempotent.
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_at", "-id"]
        verbose_name = _("满意度调查 Survey")
        verbose_name_plural = _("满意度调查 Surveys")
        constraints = [
            models.CheckConstraint(condition=models.Q(closes_at__isnull=True) | models.Q(closes_at__gt=models.F("opens_at")),
                                   name="survey_closes_after_opens"),
        ]

    def __str__(self) -> str:
        return self.title_zh

    def is_open(self, at) -> bool:
        return self.opens_at <= at and (self.closes_at is None or at < self.closes_at)


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("评分 Rating (1–5)")
        CHOICE = "choice", _("单选 Choice")
        TEXT = "text", _("文字 Free text")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("顺序 Position"), default=0)
    kind = models.CharField(_("题型 Kind"), max_length=10, choices=Kind.choices)
    text_zh = models.CharField(_("问题 Question (中文)"), max_length=200)
    text_en = models.CharField(_("Question (English)"), max_length=200, blank=True)
    # Choice questions: one option a line, "中文 | English".
    choices = models.TextField(_("选项 Choices"), blank=True, help_text=_("每行一个：中文 | English"))
    required = models.BooleanField(_("必答 Required"), default=True)

    class Meta:
        ordering = ["survey", "position", "id"]
        verbose_name = _("问题 Question")
        verbose_name_plural = _("问题 Questions")
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=["rating", "choice", "text"]), name="survey_question_kind"),
        ]

    def __str__(self) -> str:
        return self.text_zh

    def choice_list(self) -> list[tuple[str, str]]:
        out = []
        for line in self.choices.splitlines():
            if line.strip():
                zh, _sep, en = line.partition("|")
                out.append((zh.strip(), en.strip()))
        return out


class Response(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    respondent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_responses")
    # The library the family took part through (its registration): results are read per subtree.
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="survey_responses")
    # Organizers see who answered only when the respondent agreed.
    named = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["survey", "respondent"], name="survey_answer_once")]
        verbose_name = _("答卷 Response")
        verbose_name_plural = _("答卷 Responses")

    def __str__(self) -> str:
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    choice = models.PositiveSmallIntegerField(null=True, blank=True, help_text="index into the question's choices")
    text = models.TextField(blank=True, help_text="sanitised (nh3): plain text only")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_question_answered_once"),
            models.CheckConstraint(condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                                   name="survey_rating_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"{self.response_id}/{self.question_id}"
