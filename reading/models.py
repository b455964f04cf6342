"""Reading logs, the points ledger, badges, offline check-in sessions and check-ins.

The ledger is the record: a child's points are SUM(points) of their rows, never a stored counter.
Every row names its source and a key unique per campaign, child and source, so crediting the same
activity twice is a no-op (the database refuses the duplicate)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ReadingLog(models.Model):
    class Status(models.TextChoices):
        COUNTED = "counted", _("已计入 Counted")
        FLAGGED = "flagged", _("待图书馆核实 Waiting for the library")
        REJECTED = "rejected", _("未计入 Not counted")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="reading_logs")
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="reading_logs")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="reading_logs")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="reading_logs")
    day = models.DateField(_("阅读日期 Day read"))
    minutes = models.PositiveSmallIntegerField(_("分钟 Minutes"))
    title = models.CharField(_("读了什么 What was read"), max_length=120)
    note = models.CharField(_("感想 Note"), max_length=500, blank=True)
    photo = models.ImageField(upload_to="reading/%Y/%m/", blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COUNTED)
    flags = models.JSONField(default=list, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["campaign", "child", "day"], name="reading_log_child_day"),
                   models.Index(fields=["campaign", "status"], name="reading_log_status")]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=1) & Q(minutes__lte=1440),
                                              name="reading_log_minutes_range")]
        verbose_name = _("阅读打卡 Reading log")
        verbose_name_plural = _("阅读打卡 Reading logs")

    def __str__(self) -> str:
        return f"{self.child} · {self.day} · {self.minutes} min"


class PointsEntry(models.Model):
    class Source(models.TextChoices):
        READING = "reading", _("阅读打卡 Reading")
        QUIZ = "quiz", _("完成答题 Quiz finished")
        ENTRY = "entry", _("作品通过 Entry accepted")
        LIKE = "like", _("获得点赞 Like received")
        CHECKIN = "checkin", _("线下签到 Check-in")
        STREAK = "streak", _("连续打卡奖励 Streak bonus")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="points")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="points")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    source_key = models.CharField(max_length=60)
    day = models.DateField()
    points = models.IntegerField()
    minutes = models.PositiveIntegerField(default=0)   # reading minutes this row stands for (goal, reports)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "child", "source", "source_key"],
                                               name="points_once_per_source")]
        # Both carry the columns their readers sum (as trailing key columns, which SQLite indexes too),
        # so PostgreSQL answers from the index alone: points_child_ledger serves a child's totals and
        # daily cap on every credit and the recompute's pass in (child, day) order; points_goal the
        # collective goal's minutes grouped by library.
        indexes = [models.Index(fields=["campaign", "child"], name="points_campaign_child"),
                   models.Index(fields=["campaign", "library"], name="points_campaign_library"),
                   models.Index(fields=["campaign", "child", "source", "day", "points", "minutes"],
                                name="points_child_ledger"),
                   models.Index(fields=["campaign", "source", "library", "minutes"], name="points_goal")]
        verbose_name = _("积分记录 Points")
        verbose_name_plural = _("积分记录 Points ledger")

    def __str__(self) -> str:
        return f"{self.child} {self.source} {self.points:+d}"


class BadgeAward(models.Model):
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="badge_awards")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="badges")
    badge_key = models.CharField(max_length=40)
    awarded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "child", "badge_key"], name="badge_once")]
        verbose_name = _("徽章 Badge")
        verbose_name_plural = _("徽章 Badges")

    def __str__(self) -> str:
        return f"{self.child} · {self.badge_key}"


def new_secret() -> str:
    return secrets.token_hex(16)


class CheckinSession(models.Model):
    """An offline activity at a library (an exhibition, a 公开课 lecture) children check in to by scanning
    a QR code that changes every `period_seconds`, so a photo of it shared in a group soon stops working."""

    class Kind(models.TextChoices):
        EXHIBITION = "exhibition", _("展览 Exhibition")
        LECTURE = "lecture", _("公开课 Lecture")
        OTHER = "other", _("其他活动 Other")

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="checkin_sessions")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="checkin_sessions")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.EXHIBITION)
    title = models.CharField(_("活动名称 Title"), max_length=120)
    place = models.CharField(_("地点 Place"), max_length=120, blank=True)
    starts_at = models.DateTimeField(_("开始 Starts"))
    ends_at = models.DateTimeField(_("结束 Ends"))
    period_seconds = models.PositiveIntegerField(default=120)
    secret = models.CharField(max_length=64, default=new_secret, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="checkin_window"),
                       models.CheckConstraint(condition=Q(period_seconds__gte=30), name="checkin_period_min")]
        verbose_name = _("线下签到活动 Check-in session")
        verbose_name_plural = _("线下签到活动 Check-in sessions")

    def __str__(self) -> str:
        return self.title


class Checkin(models.Model):
    session = models.ForeignKey(CheckinSession, on_delete=models.CASCADE, related_name="checkins")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="checkins")
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "child"], name="checkin_once")]
        verbose_name = _("签到 Check-in")
        verbose_name_plural = _("签到 Check-ins")

    def __str__(self) -> str:
        return f"{self.child} @ {self.session}"
