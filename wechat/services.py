"""Writes of the WeChat adapter: followers, delivered messages, voice entries, pushes, notifications.

Everything that calls WeChat's API runs in tasks (wechat/tasks.py); these services only touch the
database and enqueue, so the callback answers in milliseconds."""

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

import nh3
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import Campaign, User
from config.errors import UserFacingError
from config.tasks import enqueue
from wechat.errors import PUBLISH_STATUS
from wechat.models import (
    Article,
    Follower,
    InboundMessage,
    NotificationDelivery,
    Push,
    SubscribeConsent,
    VoiceMessage,
)
from wechat.selectors import library_by_scene

log = logging.getLogger(__name__)

# --- followers ------------------------------------------------------------------------------


def follower_touch(*, openid: str) -> Follower:
    """The follower behind `openid` (created on first contact: someone who messages us follows us)."""
    follower, _ = Follower.objects.get_or_create(openid=openid, defaults={"subscribed": True})
    return follower


def follower_subscribe(*, openid: str, scene: str = "", at: dt.datetime | None = None) -> Follower:
    at = at or timezone.now()
    library = library_by_scene(scene)
    with transaction.atomic():
        follower, created = Follower.objects.select_for_update().get_or_create(
            openid=openid, defaults={"subscribed": True, "subscribed_at": at, "library": library}
        )
        if not created:
            follower.subscribed = True
            follower.subscribed_at = at
            follower.unsubscribed_at = None
            if library is not None:
                follower.library = library
            follower.save(update_fields=["subscribed", "subscribed_at", "unsubscribed_at", "library", "updated_at"])
    enqueue("wechat.tasks.follower_refresh_info", follower.id)
    return follower


def follower_scan(*, openid: str, scene: str) -> Follower:
    """An existing follower scanned a library's code: attribute them if nobody has yet."""
    follower = follower_touch(openid=openid)
    library = library_by_scene(scene if scene.startswith("lib-") else f"lib-{scene}" if scene else "")
    if library is None:
        library = library_by_scene(scene)
    if library is not None and follower.library_id is None:
        Follower.objects.filter(pk=follower.pk, library__isnull=True).update(library=library)
        follower.refresh_from_db()
    return follower


def follower_unsubscribe(*, openid: str, at: dt.datetime | None = None) -> Follower:
    follower = follower_touch(openid=openid)
    Follower.objects.filter(pk=follower.pk).update(subscribed=False, unsubscribed_at=at or timezone.now())
    follower.refresh_from_db()
    return follower


def follower_update_info(*, follower_id: int, info: dict) -> Follower:
    follower = Follower.objects.get(pk=follower_id)
    fields = []
    if info.get("unionid") and info["unionid"] != follower.unionid:
        follower.unionid = info["unionid"]
        fields.append("unionid")
    if info.get("nickname") and info["nickname"] != follower.nickname:
        follower.nickname = info["nickname"][:64]
        fields.append("nickname")
    if "subscribe" in info and bool(info["subscribe"]) != follower.subscribed:
        follower.subscribed = bool(info["subscribe"])
        fields.append("subscribed")
    if fields:
        follower.save(update_fields=[*fields, "updated_at"])
    return follower


def follower_login(*, openid: str, unionid: str = "", nickname: str = "", current_user: User | None = None) -> User:
    """The guardian account of a WeChat user: the linked one, the logged-in one (linked now), or a new one."""
    with transaction.atomic():
        follower, _ = Follower.objects.select_for_update().get_or_create(openid=openid)
        if unionid and not follower.unionid:
            follower.unionid = unionid
        if nickname and not follower.nickname:
            follower.nickname = nickname[:64]
        if follower.user_id is None:
            if current_user is not None and current_user.is_authenticated:
                follower.user = current_user
            else:
                sibling = None
                if unionid:  # the same person followed another account of ours
                    sibling = Follower.objects.filter(unionid=unionid, user__isnull=False).exclude(pk=follower.pk).first()
                if sibling is not None:
                    follower.user = sibling.user
                else:
                    user = User(username=f"wx_{openid}"[:150], display_name=(nickname or "微信用户")[:60])
                    user.set_unusable_password()
                    user.full_clean(exclude=["password"])
                    user.save()
                    follower.user = user
            audit_record(action="wechat.follower_linked", obj=follower, actor=follower.user, openid=openid)
        follower.save()
    return follower.user


# --- inbound messages -----------------------------------------------------------------------


def dedup_key(fields: dict) -> str:
    msg_id = fields.get("MsgId") or ""
    if msg_id and fields.get("MsgType") != "event":
        return f"msg:{msg_id}"
    # Result events come from one system sender, possibly several in the same second: the job id
    # (MsgID / publish_id) is part of their key so distinct jobs are never taken for retries.
    info = fields.get("PublishEventInfo")
    job = fields.get("MsgID") or fields.get("MsgId") or (info.get("publish_id", "") if isinstance(info, dict) else "")
    event_key = fields.get("EventKey") if isinstance(fields.get("EventKey"), str) else ""
    return ":".join(["evt", fields.get("FromUserName", ""), str(fields.get("CreateTime", "")),
                     fields.get("Event", ""), event_key, str(job or "")])[:200]


def _inbound_row(fields: dict, key: str, reply: str) -> InboundMessage:
    try:
        created_at = dt.datetime.fromtimestamp(int(fields.get("CreateTime") or 0), tz=dt.UTC)
    except (TypeError, ValueError, OverflowError):
        created_at = timezone.now()
    event_key = fields.get("EventKey")
    return InboundMessage(
        dedup_key=key, openid=str(fields.get("FromUserName", ""))[:64], msg_type=str(fields.get("MsgType", ""))[:20],
        event=str(fields.get("Event", ""))[:60], event_key=event_key[:200] if isinstance(event_key, str) else "",
        content=str(fields.get("Content", ""))[:2000], created_at_wechat=created_at, reply=reply, payload=fields,
    )


def inbound_record(*, fields: dict, reply: str = "") -> tuple[InboundMessage, bool]:
    """Record a delivery once (one INSERT); (message, False) when it is one of WeChat's retries."""
    key = dedup_key(fields)
    try:
        with transaction.atomic():
            message = _inbound_row(fields, key, reply)
            message.save(force_insert=True)
        return message, True
    except IntegrityError:
        return InboundMessage.objects.get(dedup_key=key), False


def inbound_record_many(*, items: list[tuple[dict, str]]) -> list[tuple[str, bool]]:
    """Record a batch of deliveries in one transaction (group commit): for each, (reply to send, first?).

    A retry gets the reply recorded the first time, whether that was in an earlier batch or
    earlier in this one."""
    keys = [dedup_key(fields) for fields, _ in items]
    fresh: dict[str, InboundMessage] = {}
    try:
        with transaction.atomic():
            existing = dict(InboundMessage.objects.filter(dedup_key__in=set(keys)).values_list("dedup_key", "reply"))
            for (fields, reply), key in zip(items, keys, strict=True):
                if key not in existing and key not in fresh:
                    fresh[key] = _inbound_row(fields, key, reply)
            InboundMessage.objects.bulk_create(list(fresh.values()))
    except IntegrityError:  # another process recorded one of them meanwhile: go one by one
        results = []
        for fields, reply in items:
            message, first = inbound_record(fields=fields, reply=reply)
            results.append((reply if first else message.reply, first))
        return results
    results, seen = [], set()
    for key in keys:
        if key in existing:
            results.append((existing[key], False))
        else:
            results.append((fresh[key].reply, key not in seen))
            seen.add(key)
    return results


DRAIN_FLAG = "wechat:inbound-drain-queued"


def inbound_drain_soon() -> None:
    """Make sure one drain task is queued (not one per message: a burst shares it)."""
    from django.core.cache import cache

    if cache.get(DRAIN_FLAG) is None and cache.add(DRAIN_FLAG, 1, 30):
        enqueue("wechat.tasks.inbound_drain")


def inbound_drain(*, limit: int = 500) -> int:
    """Apply the effects of every recorded, unprocessed delivery, each exactly once."""
    from django.core.cache import cache

    from wechat import handlers

    cache.delete(DRAIN_FLAG)  # messages recorded from now on queue a new drain
    ids = list(InboundMessage.objects.filter(processed_at__isnull=True).order_by("id").values_list("id", flat=True)[:limit])
    done = 0
    for message_id in ids:
        with transaction.atomic():
            if not InboundMessage.objects.filter(pk=message_id, processed_at__isnull=True).update(processed_at=timezone.now()):
                continue  # another drain took it
            message = InboundMessage.objects.get(pk=message_id)
            try:
                with transaction.atomic():
                    handlers.apply(message.payload)
            except Exception as exc:  # recorded for the admin; one bad message never blocks the rest
                log.exception("wechat inbound %s failed", message_id)
                InboundMessage.objects.filter(pk=message_id).update(error=f"{exc.__class__.__name__}: {exc}"[:2000])
        done += 1
    if len(ids) == limit:
        enqueue("wechat.tasks.inbound_drain")
    return done


# --- voice messages → entries ----------------------------------------------------------------


def voice_receive(*, follower: Follower, media_id: str, media_id_16k: str = "", fmt: str = "amr", msg_id: str = "",
                  event_id: int | None = None, source: str = VoiceMessage.Source.MESSAGE,
                  child_id: int | None = None, poem_id: int | None = None,
                  poem_hint_id: int | None = None) -> VoiceMessage:
    """Keep the voice's media id and fetch it at once (WeChat deletes it after 3 days)."""
    voice, created = VoiceMessage.objects.get_or_create(
        source=source, media_id=media_id,
        defaults={"follower": follower, "media_id_16k": media_id_16k, "format": fmt, "msg_id": msg_id,
                  "event_id": event_id, "child_id": child_id, "poem_id": poem_id, "poem_hint_id": poem_hint_id},
    )
    if created:
        enqueue("wechat.tasks.voice_fetch", voice.id)
    return voice


def voice_choose(*, voice: VoiceMessage, user: User, child_id: int, poem_id: int | None) -> VoiceMessage:
    """The family picked the child and the poem on the confirmation page."""
    from events.models import Event

    if voice.follower.user_id != user.id:
        raise UserFacingError("voice_not_yours", "这条语音不属于当前账号。", "This voice message belongs to another account.",
                              status=403)
    if voice.status in (VoiceMessage.Status.SUBMITTED,):
        raise UserFacingError("voice_already_submitted", "这条语音已经提交为作品。", "This voice message is already an entry.")
    if not user.children.filter(pk=child_id).exists():
        raise UserFacingError("voice_child_unknown", "请选择您自己的孩子。", "Choose one of your own children.")
    event = Event.objects.filter(pk=voice.event_id).first()
    if event is None:
        raise UserFacingError("voice_no_event", "目前没有开放的诵读活动。", "No recitation event is open now.")
    if event.poems.exists() and (poem_id is None or not event.poems.filter(pk=poem_id).exists()):
        raise UserFacingError("voice_poem_required", "请选择朗读的诗词。", "Choose the poem that was recited.")
    VoiceMessage.objects.filter(pk=voice.pk).update(child_id=child_id, poem_id=poem_id)
    voice.refresh_from_db()
    if voice.status in (VoiceMessage.Status.DOWNLOADED, VoiceMessage.Status.NEEDS_CONFIRMATION):
        enqueue("wechat.tasks.voice_submit", voice.id)
    return voice


def voice_mark(*, voice_id: int, status: str, error: str = "", entry_id: int | None = None) -> None:
    updates = {"status": status, "error": error, "updated_at": timezone.now()}
    if entry_id is not None:
        updates["entry_id"] = entry_id
    VoiceMessage.objects.filter(pk=voice_id).update(**updates)


# --- pushes ---------------------------------------------------------------------------------

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "h1", "h2", "h3", "h4", "blockquote", "ul", "ol", "li",
                "img", "a", "span", "section", "figure", "figcaption", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


def sanitise_content(html: str) -> str:
    return nh3.clean(html or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https"}, link_rel="noopener noreferrer")


def push_create(*, library, title: str, articles: list[dict], campaign: Campaign | None = None,
                audience_tag: str = "", delivery: str = Push.Delivery.AUTO, scheduled_at: dt.datetime | None = None,
                key: str = "", created_by: User | None = None) -> Push:
    if not articles:
        raise UserFacingError("push_no_article", "至少需要一篇图文。", "A push needs at least one article.")
    if len(articles) > 8:
        raise UserFacingError("push_too_many", "一次推送最多 8 篇图文。", "A push holds at most 8 articles.")
    with transaction.atomic():
        push = Push(campaign=campaign, library=library, title=title, audience_tag=str(audience_tag or ""),
                    delivery=delivery, scheduled_at=scheduled_at, key=key, created_by=created_by,
                    status=Push.Status.SCHEDULED if scheduled_at else Push.Status.DRAFT)
        push.full_clean()
        push.save()
        for position, data in enumerate(articles):
            article_add(push=push, position=position, **data)
    return push


def article_add(*, push: Push, position: int = 0, title: str, content: str, author: str = "", digest: str = "",
                link: str = "", cover=None) -> Article:
    article = Article(push=push, position=position, title=title[:64], author=(author or "")[:16],
                      digest=(digest or "")[:120], content=sanitise_content(content), link=link or "")
    if cover is not None:
        article.cover = cover
    if article.link and not (article.link.startswith("/") or article.link.startswith("http://")
                             or article.link.startswith("https://")):
        raise UserFacingError("article_bad_link", f"链接必须以 http(s):// 或 / 开头：{article.link}",
                              f"The link must start with http(s):// or /: {article.link}")
    try:
        article.full_clean(exclude=["cover"])
    except ValidationError as exc:
        raise UserFacingError("article_invalid", f"图文内容不完整：{'; '.join(exc.messages)}",
                              f"The article is incomplete: {'; '.join(exc.messages)}") from None
    article.save()
    return article


def push_schedule(*, push: Push, at: dt.datetime, actor: User | None = None) -> Push:
    if push.status not in (Push.Status.DRAFT, Push.Status.SCHEDULED, Push.Status.FAILED):
        raise UserFacingError("push_already_sent", "该推送已发送，不能再排期。", "This push was already sent.")
    Push.objects.filter(pk=push.pk).update(status=Push.Status.SCHEDULED, scheduled_at=at, error_code=None,
                                           error_message="", attempts=0)
    push.refresh_from_db()
    audit_record(action="wechat.push_scheduled", obj=push, actor=actor, campaign=push.campaign, at=at.isoformat())
    ensure_push_schedule()
    return push


def push_claim(*, push_id: int) -> bool:
    """Atomically move a due push to `sending`; only one worker wins."""
    return bool(Push.objects.filter(pk=push_id, status=Push.Status.SCHEDULED).update(
        status=Push.Status.SENDING, attempts=F("attempts") + 1))


def push_result_mass(*, msg_id: str, status: str, total: int | None, sent: int | None, errors: int | None) -> Push | None:
    push = Push.objects.filter(msg_id=msg_id).first()
    if push is None:
        return None
    ok = status.strip().lower() == "send success"
    Push.objects.filter(pk=push.pk).update(
        status=Push.Status.DONE if ok else Push.Status.FAILED, result=status[:200], total_count=total,
        sent_count=sent, error_count=errors, finished_at=timezone.now(),
    )
    push.refresh_from_db()
    return push


def push_result_publish(*, publish_id: str, publish_status: int, article_url: str = "") -> Push | None:
    push = Push.objects.filter(publish_id=publish_id).first()
    if push is None:
        return None
    zh, en = PUBLISH_STATUS.get(publish_status, (f"状态 {publish_status}", f"status {publish_status}"))
    done = publish_status == 0
    Push.objects.filter(pk=push.pk).update(
        status=Push.Status.DONE if done else (Push.Status.SUBMITTED if publish_status == 1 else Push.Status.FAILED),
        result=f"{zh} / {en}", article_url=article_url[:500], finished_at=timezone.now(),
    )
    push.refresh_from_db()
    return push


def ensure_push_schedule() -> None:
    """django-q2 schedules (also created by migration 0002), shared by all workers: due pushes every
    minute, and the inbound drain as a watchdog (normally each burst of messages queues it at once)."""
    from django_q.models import Schedule

    for func, name in (("wechat.tasks.pushes_send_due", "微信推送 WeChat pushes due"),
                       ("wechat.tasks.inbound_drain", "微信消息处理看门狗 WeChat inbound drain")):
        if not Schedule.objects.filter(func=func).exists():
            Schedule.objects.create(name=name, func=func, schedule_type=Schedule.MINUTES, minutes=1, repeats=-1)


def _campaign_zone(campaign: Campaign) -> ZoneInfo:
    try:
        return ZoneInfo(campaign.timezone or "Asia/Shanghai")
    except Exception:
        return ZoneInfo("Asia/Shanghai")


def _parse_when(value, zone: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time(9, 0))
    else:
        moment = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _parse_day(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip()[:10])


def push_occurrences(spec: dict, campaign: Campaign) -> list[tuple[str, dt.datetime]]:
    """(key, when) for each push the campaign file's `pushes` entry describes."""
    zone = _campaign_zone(campaign)
    key = str(spec.get("key") or "").strip()
    schedule = spec.get("schedule") or {}
    if not key:
        raise UserFacingError("push_key_missing", "推送缺少 key。", "A push in the campaign file has no key.")
    if "at" in schedule:
        return [(key, _parse_when(schedule["at"], zone))]
    if "daily_at" in schedule:
        hour, minute = (int(x) for x in str(schedule["daily_at"]).split(":")[:2])
        first, last = _parse_day(schedule["from"]), _parse_day(schedule["to"])
        if last < first or (last - first).days > 366:
            raise UserFacingError("push_bad_range", f"推送 {key} 的日期范围不正确。", f"Push {key}: bad date range.")
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [(f"{key}@{day.isoformat()}", dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)) for day in days]
    raise UserFacingError("push_no_schedule", f"推送 {key} 缺少 schedule（at 或 daily_at）。",
                          f"Push {key} needs a schedule (at or daily_at).")


def _fill(text: str, day: dt.date) -> str:
    return (text or "").replace("{date}", day.isoformat()).replace("{day}", f"{day.month}月{day.day}日")


def pushes_sync_from_campaign(campaign: Campaign) -> dict:
    """Create or update the pushes of the campaign file's `pushes` section (idempotent).

    Pushes already handed to WeChat are never changed; unsent ones follow the file."""
    specs = (campaign.config or {}).get("pushes") or []
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept_sent": 0}
    for spec in specs:
        audience = spec.get("audience", "all")
        tag = "" if audience in (None, "all") else str((audience or {}).get("tag", "")) if isinstance(audience, dict) else ""
        for key, when in push_occurrences(spec, campaign):
            day = when.astimezone(_campaign_zone(campaign)).date()
            title = _fill(str(spec.get("title") or key), day)
            articles = [
                {"title": _fill(str(a.get("title") or title), day), "author": str(a.get("author") or ""),
                 "digest": _fill(str(a.get("digest") or ""), day), "content": _fill(str(a.get("content") or ""), day),
                 "link": str(a.get("link") or "")}
                for a in (spec.get("articles") or [])
            ]
            covers = [a.get("cover") or "" for a in (spec.get("articles") or [])]
            counts[_sync_one(campaign, key, title, tag, when, articles, covers)] += 1
    if specs:
        ensure_push_schedule()
    return counts


def _sync_one(campaign, key, title, tag, when, articles, covers) -> str:
    with transaction.atomic():
        push = Push.objects.select_for_update().filter(campaign=campaign, key=key).first()
        if push is None:
            if not articles:
                raise UserFacingError("push_no_article", f"推送 {key} 没有图文。", f"Push {key} has no articles.")
            push = push_create(library=campaign.lead_library, campaign=campaign, key=key, title=title,
                               articles=articles, audience_tag=tag, scheduled_at=when)
            _attach_covers(push, covers)
            return "created"
        if push.status not in (Push.Status.DRAFT, Push.Status.SCHEDULED):
            return "kept_sent"
        current = [
            {"title": a.title, "author": a.author, "digest": a.digest, "content": a.content, "link": a.link}
            for a in push.articles.all()
        ]
        wanted = [{**a, "title": a["title"][:64], "author": a["author"][:16], "digest": a["digest"][:120],
                   "content": sanitise_content(a["content"])} for a in articles]
        if (push.title, push.audience_tag, push.scheduled_at, current) == (title, tag, when, wanted):
            return "unchanged"
        push.title, push.audience_tag, push.scheduled_at = title, tag, when
        push.status = Push.Status.SCHEDULED
        push.save(update_fields=["title", "audience_tag", "scheduled_at", "status", "updated_at"])
        push.articles.all().delete()
        for position, data in enumerate(articles):
            article_add(push=push, position=position, **data)
        _attach_covers(push, covers)
        return "updated"


def _attach_covers(push: Push, covers: list[str]) -> None:
    from django.conf import settings
    from django.core.files.base import ContentFile

    roots = [settings.BASE_DIR / "campaigns" / "examples", settings.BASE_DIR / "static", settings.BASE_DIR]
    for article, cover in zip(push.articles.order_by("position"), covers, strict=False):
        if not cover:
            continue
        name = str(cover).lstrip("/").removeprefix("static/")
        for root in roots:
            path = (root / name).resolve()
            if path.is_file() and str(path).startswith(str(root.resolve())):
                article.cover.save(path.name, ContentFile(path.read_bytes()), save=True)
                break


IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]+)(")', re.I)


def content_image_sources(html: str) -> list[str]:
    return [m.group(2) for m in IMG_SRC.finditer(html or "")]


def content_replace_images(html: str, mapping: dict[str, str]) -> str:
    return IMG_SRC.sub(lambda m: m.group(1) + mapping.get(m.group(2), m.group(2)) + m.group(3), html or "")


# --- notifications --------------------------------------------------------------------------


def subscribe_consent_record(*, follower: Follower, template_id: str, accepted: bool) -> None:
    SubscribeConsent.objects.update_or_create(follower=follower, template_id=template_id,
                                              defaults={"accepted": accepted})


def delivery_result(*, msgid: str, ok: bool, status: str = "", error_code: int | None = None) -> int:
    return NotificationDelivery.objects.filter(msgid=msgid).update(
        status=NotificationDelivery.Status.DELIVERED if ok else NotificationDelivery.Status.FAILED,
        error=status[:500] if not ok else "", error_code=error_code, updated_at=timezone.now(),
    )
