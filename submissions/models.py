"""Entries: a child's work handed in for one event, and every stored copy of its media.

An entry is written once by `services.entry_submit` (original bytes stored untouched with their
SHA-256) and then advanced by the processing task (`services.entry_process`). A new submission for
the same child and event *replaces* the live one: the old row stays (status ``replaced``) and the new
row points at it through ``replaces``, so an entry's history is the chain ``replaces → replaces…``.

Storage names are random (see ``media_name``): no path is guessable or listable, and media are only
ever served through signed, expiring URLs (``submissions.access``)."""

import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def media_name(prefix: str, filename: str) -> str:
    """A random, unguessable storage name; keeps only a short, sanitised extension."""
    suffix = PurePosixPath(filename or "").suffix.lower()[:8]
    if not suffix[1:].isalnum():
        suffix = ""
    token = secrets.token_urlsafe(24)
    return f"entries/{prefix}/{token[:2]}/{token}{suffix}"


def original_upload_to(instance, filename: str) -> str:
    return media_name("o", filename)


def playback_upload_to(instance, filename: str) -> str:
    return media_name("p", filename)


def thumbnail_upload_to(instance, filename: str) -> str:
    return media_name("t", filename)


class Entry(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("已收到 Received")
        PROCESSING = "processing", _("处理中 Processing")
        READY = "ready", _("已就绪 Ready")
        REJECTED = "rejected", _("未通过 Rejected")
        WITHDRAWN = "withdrawn", _("已撤回 Withdrawn")
        DISQUALIFIED = "disqualified", _("取消资格 Disqualified")
        REPLACED = "replaced", _("已被替换 Replaced")

    class Moderation(models.TextChoices):
        PENDING = "pending", _("待审核 Pending")
        APPROVED = "approved", _("已通过 Approved")
        REJECTED = "rejected", _("未通过 Rejected")

    class Channel(models.TextChoices):
        WEB = "web", _("网页录音 Recorded on the web")
        UPLOAD = "upload", _("上传文件 File upload")
        WECHAT_VOICE = "wechat_voice", _("微信语音 WeChat voice")
        API = "api", _("接口 API")

    class Kind(models.TextChoices):
        AUDIO = "audio", _("音频 Audio")
        IMAGE = "image", _("图片 Image")
        ESSAY = "essay", _("文章 Essay")
        VIDEO = "video", _("视频 Video")

    # A child has at most one entry per event in these states (DB constraint below).
    NOT_LIVE = (Status.WITHDRAWN, Status.REPLACED)
    FINAL = (Status.READY, Status.REJECTED, Status.WITHDRAWN, Status.DISQUALIFIED, Status.REPLACED)
    PENDING_WORK = (Status.RECEIVED, Status.PROCESSING)

    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, related_name="entries")
    child = models.ForeignKey("campaigns.Child", on_delete=models.CASCADE, related_name="entries")
    # The child's library when the entry was submitted (a later move does not change scoping).
    library = models.ForeignKey("campaigns.Library", on_delete=models.PROTECT, related_name="entries")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="submitted_entries"
    )
    kind = models.CharField(_("类型 Kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(_("状态 Status"), max_length=14, choices=Status.choices, default=Status.RECEIVED)
    moderation = models.CharField(
        _("审核 Moderation"), max_length=10, choices=Moderation.choices, default=Moderation.PENDING
    )
    channel = models.CharField(_("渠道 Channel"), max_length=14, choices=Channel.choices, default=Channel.UPLOAD)
    poem = models.ForeignKey("events.Poem", null=True, blank=True, on_delete=models.SET_NULL, related_name="entries")
    title = models.CharField(_("标题 Title"), max_length=120, blank=True)
    # Essays: the text as typed or decoded from the file; always rendered escaped.
    text = models.TextField(_("正文 Text"), blank=True)
    char_count = models.PositiveIntegerField(null=True, blank=True)

    # Why it was refused / disqualified: a stable code and a message the family can act on.
    reason_code = models.CharField(max_length=40, blank=True)
    message_zh = models.CharField(max_length=300, blank=True)
    message_en = models.CharField(max_length=300, blank=True)
    moderation_note = models.CharField(_("审核意见 Moderation note"), max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)

    # Media.
    original = models.FileField(upload_to=original_upload_to, max_length=200, blank=True)
    original_name = models.CharField(max_length=200, blank=True)  # as the family named it; never a path
    original_sha256 = models.CharField(max_length=64, blank=True)
    original_size = models.PositiveBigIntegerField(default=0)
    playback = models.FileField(upload_to=playback_upload_to, max_length=200, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, max_length=200, blank=True)  # or video poster
    duration_s = models.FloatField(null=True, blank=True)
    waveform = models.JSONField(default=list, blank=True)  # peaks 0..1 for the judge's player
    media_info = models.JSONField(default=dict, blank=True)  # probe summary: container, codec, size...

    idempotency_key = models.CharField(max_length=80, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processing_started_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("作品 Entry")
        verbose_name_plural = _("作品 Entries")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "child"],
                condition=~Q(status__in=["withdrawn", "replaced"]),
                name="entry_one_live_per_child_event",
            ),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="entry_idempotency_key_per_user",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["received", "processing", "ready", "rejected", "withdrawn", "disqualified", "replaced"]
                ),
                name="entry_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(moderation__in=["pending", "approved", "rejected"]), name="entry_moderation_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="entry_status_updated"),
            models.Index(fields=["event", "status", "moderation"], name="entry_event_gallery"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.event} · {self.child}"

    @property
    def is_live(self) -> bool:
        return self.status not in self.NOT_LIVE

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    def history(self) -> list["Entry"]:
        """The entries this one replaced, newest first."""
        chain, current = [], self.replaces
        while current is not None and len(chain) < 100:
            chain.append(current)
            current = current.replaces
        return chain
