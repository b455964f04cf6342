"""What the WeChat adapter stores: followers, every delivered callback (for de-duplication),
voice messages on their way to becoming entries, article pushes and notification deliveries."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, Library


class Follower(models.Model):
    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, db_index=True)
    nickname = models.CharField(_("昵称 Nickname"), max_length=64, blank=True)
    subscribed = models.BooleanField(_("关注中 Subscribed"), default=False)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    library = models.ForeignKey(
        Library, null=True, blank=True, on_delete=models.SET_NULL, related_name="wechat_followers",
        verbose_name=_("归属馆 Attributed library"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="wechat_followers",
        verbose_name=_("家长账号 Guardian account"),
    )
    is_tester = models.BooleanField(_("预览测试号 Preview tester"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("粉丝 Follower")
        verbose_name_plural = _("粉丝 Followers")

    def __str__(self) -> str:
        return self.nickname or self.openid


class InboundMessage(models.Model):
    """One row per message or event WeChat delivered; the unique key makes retries no-ops."""

    dedup_key = models.CharField(max_length=200, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    msg_type = models.CharField(max_length=20)
    event = models.CharField(max_length=60, blank=True)
    event_key = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    created_at_wechat = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    # The passive reply sent the first time (a retry that arrives later gets the same answer).
    reply = models.TextField(blank=True)
    # The parsed message: the drain task applies its effects once (processed_at), after the reply.
    payload = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("收到的消息 Inbound message")
        verbose_name_plural = _("收到的消息 Inbound messages")

    def __str__(self) -> str:
        return f"{self.msg_type}/{self.event or '-'} from {self.openid}"


class VoiceMessage(models.Model):
    """A voice message (or an in-page JS-SDK recording) on its way to becoming an entry."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("已收到 Received")
        DOWNLOADED = "downloaded", _("已下载 Downloaded")
        NEEDS_CONFIRMATION = "needs_confirmation", _("待确认 Waiting for the family")
        SUBMITTED = "submitted", _("已提交 Submitted as an entry")
        FAILED = "failed", _("失败 Failed")

    class Source(models.TextChoices):
        MESSAGE = "message", _("语音消息 Voice message")
        JSSDK = "jssdk", _("网页录音 In-page recording")

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="voices")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MESSAGE)
    msg_id = models.CharField(max_length=40, blank=True)
    media_id = models.CharField(max_length=200)
    media_id_16k = models.CharField(max_length=200, blank=True)
    format = models.CharField(max_length=20, blank=True)
    event_id = models.IntegerField(null=True, blank=True)  # events.Event id (the open recitation event)
    child_id = models.IntegerField(null=True, blank=True)
    poem_id = models.IntegerField(null=True, blank=True)
    # WeChat's speech recognition (often empty, never trusted): only preselects the poem on the page.
    poem_hint_id = models.IntegerField(null=True, blank=True)
    audio = models.FileField(upload_to="wechat/voice/%Y/%m/", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    entry_id = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "media_id"], name="voice_media_once"),
        ]
        verbose_name = _("语音作品 Voice message")
        verbose_name_plural = _("语音作品 Voice messages")

    def __str__(self) -> str:
        return f"voice {self.media_id[:12]}… ({self.status})"


class Push(models.Model):
    """An article push: a WeChat draft that is published (freepublish) or mass-sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿 Draft")
        SCHEDULED = "scheduled", _("已排期 Scheduled")
        SENDING = "sending", _("发送中 Sending")
        SUBMITTED = "submitted", _("已提交微信 Submitted to WeChat")
        DONE = "done", _("已完成 Done")
        FAILED = "failed", _("失败 Failed")

    class Delivery(models.TextChoices):
        AUTO = "auto", _("按账号类型 By account type")
        MASS = "mass", _("群发 Mass send")
        PUBLISH = "publish", _("发布 Publish (no push to followers)")

    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="wechat_pushes")
    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="wechat_pushes",
                                verbose_name=_("发布馆 Library"))
    key = models.CharField(_("键 Key (from the campaign file)"), max_length=120, blank=True)
    title = models.CharField(_("标题 Title"), max_length=120)
    audience_tag = models.CharField(_("标签 Tag (id or name; empty = all followers)"), max_length=40, blank=True)
    delivery = models.CharField(_("方式 Delivery"), max_length=10, choices=Delivery.choices, default=Delivery.AUTO)
    scheduled_at = models.DateTimeField(_("计划时间 Scheduled at"), null=True, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    draft_media_id = models.CharField(max_length=200, blank=True)
    publish_id = models.CharField(max_length=40, blank=True, db_index=True)
    msg_id = models.CharField(max_length=40, blank=True, db_index=True)
    msg_data_id = models.CharField(max_length=40, blank=True)
    article_url = models.URLField(max_length=500, blank=True)
    total_count = models.PositiveIntegerField(null=True, blank=True)
    sent_count = models.PositiveIntegerField(null=True, blank=True)
    error_count = models.PositiveIntegerField(null=True, blank=True)
    result = models.CharField(_("微信结果 WeChat result"), max_length=200, blank=True)
    error_code = models.IntegerField(null=True, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    preview_sent_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "key"], condition=~models.Q(key=""), name="push_key_once_per_campaign"
            ),
        ]
        verbose_name = _("图文推送 Push")
        verbose_name_plural = _("图文推送 Pushes")

    def __str__(self) -> str:
        return self.title

    def is_due(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == self.Status.SCHEDULED and self.scheduled_at is not None and self.scheduled_at <= at


class Article(models.Model):
    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="articles")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(_("标题 Title"), max_length=64)
    author = models.CharField(_("作者 Author"), max_length=16, blank=True)
    digest = models.CharField(_("摘要 Digest"), max_length=120, blank=True)
    cover = models.ImageField(_("封面 Cover"), upload_to="wechat/covers/", blank=True)
    cover_media_id = models.CharField(max_length=200, blank=True)
    content = models.TextField(_("正文 Content (HTML, sanitised)"))
    # Absolute, or a path on this site ("/c/slug/"), made absolute when the push is sent.
    link = models.CharField(_("阅读原文链接 Link"), max_length=500, blank=True)

    class Meta:
        ordering = ["push", "position", "id"]
        verbose_name = _("图文 Article")
        verbose_name_plural = _("图文 Articles")

    def __str__(self) -> str:
        return self.title


class MessageTemplate(models.Model):
    """Which WeChat template (or subscribe-message template) carries each kind of notification."""

    class Style(models.TextChoices):
        TEMPLATE = "template", _("模板消息 Template message (服务号)")
        SUBSCRIBE = "subscribe", _("订阅通知 Subscribe message")

    kind = models.CharField(_("通知类型 Notification kind"), max_length=40, unique=True)
    style = models.CharField(max_length=10, choices=Style.choices, default=Style.TEMPLATE)
    template_id = models.CharField(max_length=100)
    # WeChat field name → which part of the notification fills it: title | body | kind | date
    fields = models.JSONField(default=dict, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("消息模板 Message template")
        verbose_name_plural = _("消息模板 Message templates")

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_id}"


class SubscribeConsent(models.Model):
    """A follower's answer to a subscribe-message prompt (subscribe_msg_* events)."""

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="subscribe_consents")
    template_id = models.CharField(max_length=100)
    accepted = models.BooleanField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["follower", "template_id"], name="subscribe_consent_once")]

    def __str__(self) -> str:
        return f"{self.follower} {'accepts' if self.accepted else 'rejects'} {self.template_id}"


class NotificationDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待发送 Pending")
        SENT = "sent", _("已发送 Sent")
        DELIVERED = "delivered", _("已送达 Delivered")
        FAILED = "failed", _("失败 Failed")
        SKIPPED = "skipped", _("未发送 Skipped")

    follower = models.ForeignKey(Follower, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    msgid = models.CharField(max_length=40, blank=True, db_index=True)
    error_code = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("微信通知 WeChat notification")
        verbose_name_plural = _("微信通知 WeChat notifications")

    def __str__(self) -> str:
        return f"{self.kind} → {self.follower} ({self.status})"
