"""Background work that talks to WeChat's API (django-q2, via config.tasks.enqueue).

Tasks take ids and are idempotent: each step records its result (media stored, media ids, draft
id, msg id) and a re-run skips what is already done. Errors worth retrying are re-raised so the
queue retries; permanent ones are recorded with an explanation for the organizer."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from config.errors import UserFacingError
from wechat import client
from wechat.client import WeChatAPIError
from wechat.covers import cover_image
from wechat.errors import explain
from wechat.links import absolute
from wechat.models import Follower, MessageTemplate, NotificationDelivery, Push, SubscribeConsent, VoiceMessage
from wechat.services import inbound
from wechat.services.followers import follower_update_info
from wechat.services.pushes import content_image_sources, content_replace_images, push_claim
from wechat.services.voices import voice_mark

log = logging.getLogger(__name__)

RETRYABLE = {-1, -3, 45011, 40001, 42001}  # 45009 (daily quota) waits for tomorrow: not retried blindly


# --- inbound messages ------------------------------------------------------------------------


def inbound_drain() -> int:
    return inbound.inbound_drain()


# --- followers --------------------------------------------------------------------------------


def follower_refresh_info(follower_id: int) -> None:
    follower = Follower.objects.filter(pk=follower_id).first()
    if follower is None:
        return
    try:
        info = client.get("/cgi-bin/user/info", openid=follower.openid, lang="zh_CN")
    except WeChatAPIError as exc:
        if exc.errcode in RETRYABLE:
            raise
        log.info("user/info for %s failed: %s", follower.openid, exc)
        return
    follower_update_info(follower_id=follower.id, info=info)


# --- voice → entry ----------------------------------------------------------------------------


def _extension(data: bytes, fmt: str) -> str:
    if data.startswith(b"#!AMR-WB"):
        return ".awb"
    if data.startswith(b"#!AMR"):
        return ".amr"
    if data.startswith(b"OggS"):
        return ".ogg"
    if data.startswith(b"ID3") or data[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return ".mp3"
    return "." + (fmt or "speex").split("/")[0][:8]


def voice_fetch(voice_id: int) -> str:
    voice = VoiceMessage.objects.select_related("follower").filter(pk=voice_id).first()
    if voice is None:
        return "missing"
    if not voice.audio:
        jssdk = voice.source == VoiceMessage.Source.JSSDK
        media = None
        attempts = [voice.media_id_16k, voice.media_id] if voice.media_id_16k else [voice.media_id]
        last_error: WeChatAPIError | None = None
        for media_id in attempts:
            try:
                media = client.media_download(media_id, jssdk=jssdk)
                break
            except WeChatAPIError as exc:
                last_error = exc
                if exc.errcode in RETRYABLE:
                    raise
        if media is None:
            assert last_error is not None
            voice_mark(voice_id=voice.id, status=VoiceMessage.Status.FAILED, error=str(explain(last_error.errcode, last_error.errmsg)))
            return "failed"
        name = f"voice-{voice.id}{_extension(media.content, voice.format)}"
        voice.audio.save(name, ContentFile(media.content), save=False)
        VoiceMessage.objects.filter(pk=voice.pk).update(audio=voice.audio.name, status=VoiceMessage.Status.DOWNLOADED)
        voice.refresh_from_db()
    if voice.status in (VoiceMessage.Status.SUBMITTED,):
        return voice.status
    if _ready_to_submit(voice):
        return voice_submit(voice.id)
    voice_mark(voice_id=voice.id, status=VoiceMessage.Status.NEEDS_CONFIRMATION)
    return VoiceMessage.Status.NEEDS_CONFIRMATION


def _ready_to_submit(voice: VoiceMessage) -> bool:
    from events.models import Event

    if not (voice.audio and voice.follower.user_id and voice.child_id and voice.event_id):
        return False
    event = Event.objects.filter(pk=voice.event_id).first()
    return event is not None and (voice.poem_id is not None or not event.poems.exists())


def voice_submit(voice_id: int) -> str:
    """Hand the downloaded voice to the submissions pipeline, exactly as an upload."""
    from campaigns.models import Child
    from events.models import Event, Poem
    from submissions.services import entry_submit

    with transaction.atomic():
        voice = VoiceMessage.objects.select_for_update(of=("self",)).select_related("follower__user").get(pk=voice_id)
        if voice.status == VoiceMessage.Status.SUBMITTED or not _ready_to_submit(voice):
            return voice.status
        event = Event.objects.select_related("campaign").get(pk=voice.event_id)
        child = Child.objects.get(pk=voice.child_id)
        poem = Poem.objects.filter(pk=voice.poem_id).first() if voice.poem_id else None
        try:
            with voice.audio.open("rb") as audio:
                entry = entry_submit(event=event, child=child, uploaded_file=audio, channel="wechat_voice",
                                     idempotency_key=f"wechat-voice-{voice.id}", submitted_by=voice.follower.user,
                                     poem=poem)
        except UserFacingError as refused:
            voice_mark(voice_id=voice.id, status=VoiceMessage.Status.FAILED, error=str(refused))
            return VoiceMessage.Status.FAILED
        voice_mark(voice_id=voice.id, status=VoiceMessage.Status.SUBMITTED, entry_id=entry.id)
    return VoiceMessage.Status.SUBMITTED


# --- pushes -----------------------------------------------------------------------------------


def pushes_send_due() -> list[int]:
    """Scheduled every minute: claim each due push (one worker wins) and send it."""
    from wechat.selectors import pushes_due

    sent = []
    for push_id in list(pushes_due().values_list("id", flat=True)[:20]):
        if push_claim(push_id=push_id):
            push_send(push_id, claimed=True)
            sent.append(push_id)
    return sent


def _read_file(field) -> bytes:
    with field.open("rb") as fh:
        return fh.read()


def _local_image(src: str) -> tuple[str, bytes] | None:
    """An <img src> that points at our own static or media files → (name, bytes)."""
    from pathlib import Path
    from urllib.parse import urlsplit

    from django.contrib.staticfiles import finders
    from django.core.files.storage import default_storage

    path = urlsplit(src).path
    site = urlsplit(settings.SITE_URL)
    if urlsplit(src).netloc and urlsplit(src).netloc != site.netloc:
        return None
    if path.startswith(settings.STATIC_URL):
        found = finders.find(path[len(settings.STATIC_URL):])
        if found:
            return Path(found).name, Path(found).read_bytes()
    if path.startswith(settings.MEDIA_URL):
        name = path[len(settings.MEDIA_URL):]
        if default_storage.exists(name):
            with default_storage.open(name, "rb") as fh:
                return Path(name).name, fh.read()
    return None


def _mime(name: str) -> str:
    return "image/png" if name.lower().endswith(".png") else "image/jpeg"


def push_prepare(push: Push) -> str:
    """Upload covers and body images, create the WeChat draft; returns the draft media_id."""
    if push.draft_media_id:
        return push.draft_media_id
    items = []
    for article in push.articles.order_by("position", "id"):
        if not article.cover_media_id:
            if article.cover:
                data, name = _read_file(article.cover), article.cover.name.rsplit("/", 1)[-1]
            else:
                data, name = cover_image(article.title), f"cover-{article.id}.png"
            article.cover_media_id = client.add_permanent_image(name, data, _mime(name))
            article.save(update_fields=["cover_media_id"])
        mapping = {}
        for src in content_image_sources(article.content):
            if src.startswith("http://mmbiz.qpic.cn") or src.startswith("https://mmbiz.qpic.cn"):
                continue
            local = _local_image(src)
            if local is not None:
                mapping[src] = client.upload_image(local[0], local[1], _mime(local[0]))
        content = content_replace_images(article.content, mapping)
        items.append({
            "title": article.title, "author": article.author, "digest": article.digest, "content": content,
            "content_source_url": absolute(article.link) if article.link else "", "thumb_media_id": article.cover_media_id,
            "need_open_comment": 0, "only_fans_can_comment": 0,
        })
    media_id = client.post("/cgi-bin/draft/add", {"articles": items})["media_id"]
    Push.objects.filter(pk=push.pk).update(draft_media_id=media_id)
    push.draft_media_id = media_id
    return media_id


def _delivery(push: Push) -> str:
    if push.delivery != Push.Delivery.AUTO:
        return push.delivery
    return Push.Delivery.MASS if settings.WECHAT_ACCOUNT_TYPE == "service" else Push.Delivery.PUBLISH


def _tag_id(tag: str) -> int:
    if tag.isdigit():
        return int(tag)
    for item in client.get("/cgi-bin/tags/get").get("tags", []):
        if item.get("name") == tag:
            return int(item["id"])
    raise WeChatAPIError(-4, f"tag {tag!r} not found", "/cgi-bin/tags/get")


def push_send(push_id: int, claimed: bool = False) -> str:
    push = Push.objects.get(pk=push_id)
    if not claimed and not push_claim(push_id=push_id) and push.status != Push.Status.SENDING:
        return push.status
    push.refresh_from_db()
    try:
        media_id = push_prepare(push)
        if _delivery(push) == Push.Delivery.PUBLISH:
            result = client.post("/cgi-bin/freepublish/submit", {"media_id": media_id})
            Push.objects.filter(pk=push.pk).update(status=Push.Status.SUBMITTED, publish_id=str(result["publish_id"]),
                                                   sent_at=timezone.now(), error_code=None, error_message="")
        else:
            if settings.WECHAT_ACCOUNT_TYPE != "service" and _mass_sent_today(push):
                raise WeChatAPIError(45028, "subscription accounts mass-send once a day", "quota")
            body = {"mpnews": {"media_id": media_id}, "msgtype": "mpnews", "send_ignore_reprint": 0,
                    "clientmsgid": f"shuxiang-push-{push.id}"}
            body["filter"] = {"is_to_all": not push.audience_tag}
            if push.audience_tag:
                body["filter"]["tag_id"] = _tag_id(push.audience_tag)
            result = client.post("/cgi-bin/message/mass/sendall", body)
            Push.objects.filter(pk=push.pk).update(
                status=Push.Status.SUBMITTED, msg_id=str(result.get("msg_id", "")),
                msg_data_id=str(result.get("msg_data_id", "")), sent_at=timezone.now(), error_code=None, error_message="")
    except WeChatAPIError as exc:
        return _push_failed(push, exc)
    return Push.Status.SUBMITTED


def _mass_sent_today(push: Push) -> bool:
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Push.objects.exclude(pk=push.pk).filter(sent_at__gte=start, msg_id__gt="").exists()


def _push_failed(push: Push, exc: WeChatAPIError) -> str:
    explanation = explain(exc.errcode, exc.errmsg)
    if explanation.retry and push.attempts < 3:
        Push.objects.filter(pk=push.pk).update(
            status=Push.Status.SCHEDULED, scheduled_at=timezone.now() + timedelta(minutes=1),
            error_code=exc.errcode, error_message=str(explanation))
        return Push.Status.SCHEDULED
    Push.objects.filter(pk=push.pk).update(status=Push.Status.FAILED, error_code=exc.errcode,
                                           error_message=str(explanation))
    log.warning("push %s failed: %s", push.id, exc)
    return Push.Status.FAILED


def push_preview(push_id: int) -> dict:
    """Send the push to every test follower (message/mass/preview); returns {openid: ok|error}."""
    push = Push.objects.get(pk=push_id)
    outcome = {}
    try:
        media_id = push_prepare(push)
    except WeChatAPIError as exc:
        Push.objects.filter(pk=push.pk).update(error_code=exc.errcode, error_message=str(explain(exc.errcode, exc.errmsg)))
        return {"*": str(explain(exc.errcode, exc.errmsg))}
    for follower in Follower.objects.filter(is_tester=True, subscribed=True):
        try:
            client.post("/cgi-bin/message/mass/preview",
                        {"touser": follower.openid, "mpnews": {"media_id": media_id}, "msgtype": "mpnews"})
            outcome[follower.openid] = "ok"
        except WeChatAPIError as exc:
            outcome[follower.openid] = str(explain(exc.errcode, exc.errmsg))
    Push.objects.filter(pk=push.pk).update(preview_sent_at=timezone.now())
    return outcome


# --- notifications ----------------------------------------------------------------------------

DAILY_TEMPLATE_LIMIT = 100_000
DEFAULT_FIELDS = {"thing1": "title", "thing2": "body", "time3": "date"}


def _field_value(name: str, source: str, delivery: NotificationDelivery) -> str:
    value = {
        "title": delivery.title, "body": delivery.body, "kind": delivery.kind,
        "date": timezone.localtime(delivery.created_at).strftime("%Y-%m-%d %H:%M"),
    }.get(source, source)
    if name.startswith("thing"):  # WeChat: "thing" values are at most 20 characters
        value = value[:20]
    return value or "-"


def _within_daily_limit() -> bool:
    key = f"wechat:template-count:{timezone.localdate().isoformat()}"
    cache.add(key, 0, 2 * 86400)
    try:
        return cache.incr(key) <= DAILY_TEMPLATE_LIMIT
    except ValueError:
        return True


def notification_send(delivery_id: int) -> str:
    delivery = NotificationDelivery.objects.select_related("follower").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != NotificationDelivery.Status.PENDING:
        return delivery.status if delivery else "missing"

    def skip(reason: str) -> str:
        NotificationDelivery.objects.filter(pk=delivery.pk).update(status=NotificationDelivery.Status.SKIPPED, error=reason)
        return NotificationDelivery.Status.SKIPPED

    template = MessageTemplate.objects.filter(kind=delivery.kind, active=True).first()
    if template is None:
        return skip("没有为该通知类型配置模板 No template for this kind")
    if not delivery.follower.subscribed:
        return skip("用户已取消关注 Not following")
    data = {name: {"value": _field_value(name, source, delivery)}
            for name, source in (template.fields or DEFAULT_FIELDS).items()}
    url = absolute(delivery.url) if delivery.url else ""
    try:
        if template.style == MessageTemplate.Style.SUBSCRIBE:
            if not SubscribeConsent.objects.filter(follower=delivery.follower, template_id=template.template_id,
                                                   accepted=True).exists():
                return skip("用户未订阅该通知 The follower has not accepted this subscribe message")
            body = {"touser": delivery.follower.openid, "template_id": template.template_id, "data": data}
            if url:
                body["page"] = url
            result = client.post("/cgi-bin/message/subscribe/bizsend", body)
        else:
            if settings.WECHAT_ACCOUNT_TYPE != "service":
                return skip("订阅号不能发送模板消息 Subscription accounts cannot send template messages")
            if not _within_daily_limit():
                return skip("已达今日模板消息上限 Daily template limit reached")
            body = {"touser": delivery.follower.openid, "template_id": template.template_id, "data": data}
            if url:
                body["url"] = url
            result = client.post("/cgi-bin/message/template/send", body)
    except WeChatAPIError as exc:
        if exc.errcode in RETRYABLE:
            raise
        if exc.errcode == 43004:
            Follower.objects.filter(pk=delivery.follower_id).update(subscribed=False)
        if exc.errcode == 43101:
            SubscribeConsent.objects.filter(follower=delivery.follower, template_id=template.template_id).update(accepted=False)
        NotificationDelivery.objects.filter(pk=delivery.pk).update(
            status=NotificationDelivery.Status.FAILED, error_code=exc.errcode, error=str(explain(exc.errcode, exc.errmsg)))
        return NotificationDelivery.Status.FAILED
    NotificationDelivery.objects.filter(pk=delivery.pk).update(
        status=NotificationDelivery.Status.SENT, msgid=str(result.get("msgid", result.get("msg_id", ""))))
    return NotificationDelivery.Status.SENT
