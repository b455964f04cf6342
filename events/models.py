"""Activities of a campaign: quizzes and calls for entries, and the poem catalogue."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from campaigns.models import AgeGroup, Campaign


class Poem(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    title = models.CharField(max_length=60)
    author = models.CharField(max_length=40)
    dynasty = models.CharField(max_length=20, blank=True)
    lines = models.JSONField(default=list)
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    model_reading = models.FileField(upload_to="poems/readings/", blank=True)

    class Meta:
        ordering = ["grade", "key"]
        verbose_name = _("诗词 Poem")
        verbose_name_plural = _("诗词 Poems")

    def __str__(self) -> str:
        return f"{self.title}（{self.dynasty}·{self.author}）"

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


class Event(models.Model):
    class Kind(models.TextChoices):
        QUIZ = "quiz", _("答题 Quiz")
        RECITATION = "recitation", _("诵读 Recitation")
        ESSAY = "essay", _("征文 Essay")
        PHOTO = "photo", _("摄影 Photo")
        DRAWING = "drawing", _("绘画 Drawing")
        VIDEO = "video", _("微视频 Micro-video")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="events")
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    age_groups = models.ManyToManyField(AgeGroup, blank=True, related_name="events")
    poems = models.ManyToManyField(Poem, blank=True, related_name="events")
    # The event's settings from the campaign file (quiz draw/timing/scoring, entry media/limits...).
    settings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["campaign", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["campaign", "slug"], name="event_slug_per_campaign")]
        verbose_name = _("活动项目 Event")
        verbose_name_plural = _("活动项目 Events")

    def __str__(self) -> str:
        return self.title

    @property
    def takes_entries(self) -> bool:
        return self.kind != self.Kind.QUIZ
