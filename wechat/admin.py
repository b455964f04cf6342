"""Admin for followers, pushes, voice messages and notification deliveries, scoped by library."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from campaigns.admin_scoping import ScopedAdmin, ScopedInline, register_scope
from config.tasks import enqueue
from wechat.errors import explain
from wechat.models import Article, Follower, InboundMessage, MessageTemplate, NotificationDelivery, Push, VoiceMessage
from wechat.services.pushes import ensure_push_schedule, push_schedule, sanitise_content

register_scope(Follower, "library")
register_scope(Push, "library")
register_scope(VoiceMessage, "follower__library")
register_scope(NotificationDelivery, "follower__library")


@admin.register(Follower)
class FollowerAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change")
    list_display = ("openid", "nickname", "subscribed", "library", "user", "is_tester", "created_at")
    list_filter = ("subscribed", "is_tester")
    search_fields = ("openid", "unionid", "nickname", "user__phone")
    readonly_fields = ("openid", "unionid", "subscribed_at", "unsubscribed_at", "created_at", "updated_at")
    raw_id_fields = ("user",)


class ArticleInline(ScopedInline, admin.StackedInline):
    model = Article
    extra = 1
    max_num = 8
    fields = ("position", "title", "author", "digest", "cover", "content", "link")


@admin.register(Push)
class PushAdmin(ScopedAdmin):
    organizer_permissions = ("view", "change", "add", "delete")
    inlines = [ArticleInline]
    list_display = ("title", "library", "campaign", "scheduled_at", "status", "counts", "problem")
    list_filter = ("status", "delivery")
    search_fields = ("title", "key")
    actions = ["send_preview", "schedule_now", "retry"]
    readonly_fields = ("status", "what_to_do", "result", "draft_media_id", "publish_id", "msg_id", "article_url",
                       "total_count", "sent_count", "error_count", "preview_sent_at", "sent_at", "finished_at", "key")
    fieldsets = (
        (None, {"fields": ("library", "campaign", "title", "audience_tag", "delivery", "scheduled_at", "key")}),
        ("微信状态 WeChat status", {"fields": ("status", "what_to_do", "result", "article_url", "total_count",
                                             "sent_count", "error_count", "preview_sent_at", "sent_at", "finished_at",
                                             "draft_media_id", "publish_id", "msg_id")}),
    )

    @admin.display(description="送达 Sent / total")
    def counts(self, obj):
        return f"{obj.sent_count}/{obj.total_count}" if obj.total_count is not None else "-"

    @admin.display(description="问题 Problem")
    def problem(self, obj):
        return f"[{obj.error_code}]" if obj.error_code else ""

    @admin.display(description="处理建议 What to do")
    def what_to_do(self, obj):
        if not obj.error_code:
            return "-"
        explanation = explain(obj.error_code, obj.error_message)
        return format_html("<strong>[{}]</strong> {}<br><span lang='en'>{}</span>", explanation.code,
                           explanation.zh, explanation.en)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        # A push handed to WeChat is history: it can be read, not edited.
        return allowed and (obj is None or obj.status in (Push.Status.DRAFT, Push.Status.SCHEDULED, Push.Status.FAILED))

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        if obj.scheduled_at and obj.status in (Push.Status.DRAFT, Push.Status.FAILED):
            obj.status = Push.Status.SCHEDULED
            obj.error_code, obj.error_message, obj.attempts = None, "", 0
        super().save_model(request, obj, form, change)
        if obj.status == Push.Status.SCHEDULED:
            ensure_push_schedule()

    def save_formset(self, request, form, formset, change):
        for article in formset.save(commit=False):
            article.content = sanitise_content(article.content)
            article.cover_media_id = ""  # re-upload a changed cover
            article.save()
        for article in formset.deleted_objects:
            article.delete()
        Push.objects.filter(pk=form.instance.pk, status__in=["draft", "scheduled", "failed"]).update(draft_media_id="")

    @admin.action(description="发送预览给测试粉丝 Preview to test followers")
    def send_preview(self, request, queryset):
        if not Follower.objects.filter(is_tester=True, subscribed=True).exists():
            self.message_user(request, "没有测试粉丝：请在 粉丝 中勾选“预览测试号”。 No test followers: tick 'Preview tester' "
                                       "on a follower first.", messages.WARNING)
            return
        for push in queryset:
            enqueue("wechat.tasks.push_preview", push.id)
        self.message_user(request, f"已安排预览 {queryset.count()} 条。 Preview queued.")

    @admin.action(description="立即发送 Send now")
    def schedule_now(self, request, queryset):
        done = 0
        for push in queryset.filter(status__in=["draft", "scheduled", "failed"]):
            push_schedule(push=push, at=timezone.now(), actor=request.user)
            enqueue("wechat.tasks.pushes_send_due")
            done += 1
        self.message_user(request, f"已安排发送 {done} 条。 {done} push(es) will be sent within a minute.")

    @admin.action(description="失败后重试 Retry failed")
    def retry(self, request, queryset):
        for push in queryset.filter(status="failed"):
            push_schedule(push=push, at=timezone.now(), actor=request.user)
        enqueue("wechat.tasks.pushes_send_due")


@admin.register(VoiceMessage)
class VoiceMessageAdmin(ScopedAdmin):
    list_display = ("id", "follower", "source", "status", "entry_id", "created_at")
    list_filter = ("status", "source")
    # A child's voice: the admin says whether it is stored, never its storage name (docs/entries.md).
    exclude = ("audio",)
    readonly_fields = [f.name if f.name != "audio" else "audio_stored" for f in VoiceMessage._meta.fields]

    @admin.display(description="录音 Recording")
    def audio_stored(self, obj):
        return "已保存 Stored" if obj.audio else "-"


@admin.register(NotificationDelivery)
class NotificationDeliveryAdmin(ScopedAdmin):
    list_display = ("kind", "follower", "status", "error_code", "created_at")
    list_filter = ("status", "kind")
    readonly_fields = [f.name for f in NotificationDelivery._meta.fields]


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ("kind", "style", "template_id", "active")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ("received_at", "openid", "msg_type", "event", "event_key", "content")
    list_filter = ("msg_type", "event")
    readonly_fields = [f.name for f in InboundMessage._meta.fields]

    def has_add_permission(self, request):
        return False
