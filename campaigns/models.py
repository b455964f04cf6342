"""The lowest layer: people, the library federation, campaigns and their stages, families and consent."""

import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.typed import TypedSettingsCache


class User(AbstractUser):
    """Everyone who logs in: guardians (by phone), organizers, judges. Children never log in."""

    phone = models.CharField(_("手机号 Phone"), max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField(_("称呼 Display name"), max_length=60, blank=True)

    def __str__(self) -> str:
        return self.display_name or self.phone or self.username


class Library(models.Model):
    class Level(models.TextChoices):
        NATIONAL = "national", _("国家馆 National")
        PROVINCIAL = "provincial", _("省级馆 Provincial")
        CITY = "city", _("市级馆 City")
        COUNTY = "county", _("县级馆 County")

    LEVEL_RANK = {"national": 0, "provincial": 1, "city": 2, "county": 3}

    code = models.CharField(_("代码 Code"), max_length=32, unique=True)
    name = models.CharField(_("名称 Name"), max_length=120)
    level = models.CharField(_("级别 Level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="sublibraries")
    province = models.CharField(_("省份 Province"), max_length=20, blank=True)
    # Materialised path "/NLC/P-HN/C-HN-CS/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)

    class Meta:
        ordering = ["path"]
        verbose_name = _("图书馆 Library")
        verbose_name_plural = _("图书馆 Libraries")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["national", "provincial", "city", "county"]), name="library_level_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rank(self) -> int:
        return self.LEVEL_RANK[self.level]

    def is_within(self, other: "Library") -> bool:
        return self.path.startswith(other.path)


class Campaign(TypedSettingsCache, models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(_("标题 Title"), max_length=120)
    title_en = models.CharField(_("英文标题 English title"), max_length=160, blank=True)
    theme = models.TextField(_("主题 Theme"), blank=True)
    rules = models.TextField(_("规则 Rules"), blank=True)
    lead_library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="led_campaigns")
    timezone = models.CharField(max_length=40, default="Asia/Shanghai")
    # How the file chose its libraries (codes / levels / subtrees / all), kept for export.
    participation = models.JSONField(default=dict, blank=True)
    # Sections owned by the apps (retention, judging, likes, scoring, awards, wechat, pushes), each read
    # typed through the owning app's sections module (e.g. judging.sections.judging_options).
    config = models.JSONField(default=dict, blank=True)
    libraries = models.ManyToManyField(Library, through="CampaignLibrary", related_name="campaigns")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("活动 Campaign")
        verbose_name_plural = _("活动 Campaigns")

    def __str__(self) -> str:
        return self.title


class Stage(models.Model):
    class Kind(models.TextChoices):
        DRAFT = "draft", _("筹备 Draft")
        PUBLISHED = "published", _("已发布 Published")
        ENTRIES_OPEN = "entries_open", _("征集作品 Entries open")
        LIKES_OPEN = "likes_open", _("点赞投票 Likes open")
        JUDGING = "judging", _("评审 Judging")
        PUBLICITY = "publicity", _("公示 Public review")
        RESULTS = "results", _("结果公布 Results")
        ARCHIVED = "archived", _("归档 Archived")

    ORDER = [k.value for k in Kind]

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stages")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "kind"], name="stage_once_per_campaign"),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")), name="stage_ends_after_start"
            ),
        ]
        verbose_name = _("阶段 Stage")
        verbose_name_plural = _("阶段 Stages")

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_kind_display()}"

    def is_open(self, at=None) -> bool:
        at = at or timezone.now()
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


class AgeGroup(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="age_groups")
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=60)
    min_age = models.PositiveSmallIntegerField()
    max_age = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["min_age"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="age_group_key_unique"),
            models.CheckConstraint(condition=Q(max_age__gte=models.F("min_age")), name="age_group_range"),
        ]

    def __str__(self) -> str:
        return self.label

    def admits(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age

    @property
    def display(self) -> str:
        """The label with its age range, unless the label already names it (“低年级组（6–8 岁）”)."""
        if f"{self.min_age}" in self.label and f"{self.max_age}" in self.label:
            return self.label
        return f"{self.label}（{self.min_age}–{self.max_age} 岁）"


def new_join_code() -> str:
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


class CampaignLibrary(models.Model):
    """A library taking part in a campaign: its branch site and its own QR join code."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="branches")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="branches")
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "library"], name="branch_once")]
        verbose_name = _("参与馆 Participating library")
        verbose_name_plural = _("参与馆 Participating libraries")

    def __str__(self) -> str:
        return f"{self.library} @ {self.campaign}"


class OrganizerRole(models.Model):
    """Staff of a library; the role reaches the library's whole subtree and nothing beside it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organizer_roles")
    library = models.ForeignKey(Library, on_delete=models.CASCADE, related_name="organizer_roles")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "library"], name="organizer_role_once")]
        verbose_name = _("组织者 Organizer role")
        verbose_name_plural = _("组织者 Organizer roles")

    def __str__(self) -> str:
        return f"{self.user} → {self.library}"


class Child(models.Model):
    guardian = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="children")
    display_name = models.CharField(_("姓名 Name"), max_length=40)
    nickname = models.CharField(_("昵称 Nickname (public pages)"), max_length=40)
    birth_year = models.PositiveSmallIntegerField(_("出生年份 Birth year"))
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="member_children")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("儿童 Child")
        verbose_name_plural = _("儿童 Children")

    def __str__(self) -> str:
        return self.nickname

    def age_in(self, year: int) -> int:
        return year - self.birth_year


class ConsentRecord(models.Model):
    """Append-only ledger: each grant or withdrawal is a row; the newest row per purpose is in force."""

    class Purpose(models.TextChoices):
        JUDGING = "judging", _("作品参加评审 Entries may be judged")
        GALLERY = "gallery", _("作品在公开展示区展示 Entries shown in the public gallery")
        PUBLISH_NAME = "publish_name", _("获奖名单公布姓名 Name published with results")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    granted = models.BooleanField()
    text_version = models.CharField(max_length=20)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = _("同意记录 Consent record")
        verbose_name_plural = _("同意记录 Consent records")

    def __str__(self) -> str:
        return f"{self.child} · {self.purpose} · {'granted' if self.granted else 'withdrawn'}"


class Registration(models.Model):
    """A child taking part in a campaign, attributed to the library whose branch they came through."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="registrations")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="registrations")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="registrations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "child"], name="registration_once")]
        verbose_name = _("报名 Registration")
        verbose_name_plural = _("报名 Registrations")

    def __str__(self) -> str:
        return f"{self.child} @ {self.campaign}"


class Notice(models.Model):
    """The in-site notification channel: what families see on their page (WeChat adds its own)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知 Notice")
        verbose_name_plural = _("通知 Notices")

    def __str__(self) -> str:
        return self.title


class AuditEvent(models.Model):
    """Append-only audit log shared by every app (assignments, scores, appeals, consent...)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=60)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("审计日志 Audit event")
        verbose_name_plural = _("审计日志 Audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"
