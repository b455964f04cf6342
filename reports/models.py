"""Reports write nothing but their own counters: the visit buffer, the daily visitor rows, the daily salt.

No IP address or user agent is ever stored. A visitor is a salted hash that changes every day
(the salt is rotated daily and old salts are deleted), so two days of visits cannot be linked."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitSalt(models.Model):
    """The secret of one day (Asia/Shanghai); every worker reads the same row."""

    day = models.DateField(unique=True)
    salt = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("访客盐值 Visitor salt")
        verbose_name_plural = _("访客盐值 Visitor salts")

    def __str__(self) -> str:
        return str(self.day)


class VisitHit(models.Model):
    """The append-only buffer: one row per counted page view, folded into VisitorDay every minute.

    The middleware writes raw URL parts (campaign slug, library code) so that counting costs one
    INSERT and no lookup; the rollup resolves them and drops hits for pages that do not exist."""

    at = models.DateTimeField()
    campaign_slug = models.CharField(max_length=80)
    library_code = models.CharField(max_length=32, blank=True)
    visitor = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("访问缓冲 Visit buffer row")
        verbose_name_plural = _("访问缓冲 Visit buffer")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.campaign_slug}/{self.library_code}"


class VisitorDay(models.Model):
    """Page views of one (daily-hashed) visitor on one page on one day.

    page views = SUM(views); unique visitors = COUNT(*) per page, COUNT(DISTINCT visitor) across
    pages (a subtree, the whole campaign). `library` is null for the campaign page itself."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey("campaigns.Library", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor = models.CharField(max_length=32)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "library", "day", "visitor"], name="visitor_day_once"),
            models.UniqueConstraint(
                fields=["campaign", "day", "visitor"], condition=models.Q(library__isnull=True),
                name="visitor_day_campaign_page_once",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "day"], name="visitor_day_campaign_day")]
        verbose_name = _("每日访客 Visitor-day")
        verbose_name_plural = _("每日访客 Visitor-days")

    def __str__(self) -> str:
        return f"{self.day} {self.campaign_id}/{self.library_id}: {self.views}"


class RollupLock(models.Model):
    """One row per rollup kind; the rollup locks it so two workers never fold the same hits."""

    name = models.CharField(max_length=40, unique=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_hit_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
