"""Pushes (mass messages and published articles): created, scheduled, claimed, their results, and
those the campaign file declares."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import nh3
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import Campaign, User
from config.errors import UserFacingError
from wechat.errors import PUBLISH_STATUS
from wechat.models import (
    Article,
    Push,
)
from wechat.sections import Push as PushSpec
from wechat.sections import wechat_options

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


def push_occurrences(spec: PushSpec, campaign: Campaign) -> list[tuple[str, dt.datetime]]:
    """(key, when) for each push the campaign file's `pushes` entry describes."""
    zone = _campaign_zone(campaign)
    schedule = spec.schedule
    if schedule.at is not None:
        return [(spec.key, schedule.at)]
    if schedule.daily_at is not None and schedule.from_ and schedule.to:
        first, last = schedule.from_, schedule.to
        if last < first or (last - first).days > 366:
            raise UserFacingError("push_bad_range", f"推送 {spec.key} 的日期范围不正确。", f"Push {spec.key}: bad date range.")
        days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return [(f"{spec.key}@{day.isoformat()}", dt.datetime.combine(day, schedule.daily_at, tzinfo=zone))
                for day in days]
    raise UserFacingError("push_no_schedule", f"推送 {spec.key} 缺少 schedule（at 或 daily_at）。",
                          f"Push {spec.key} needs a schedule (at or daily_at).")


def _fill(text: str, day: dt.date) -> str:
    return (text or "").replace("{date}", day.isoformat()).replace("{day}", f"{day.month}月{day.day}日")


def pushes_sync_from_campaign(campaign: Campaign) -> dict:
    """Create or update the pushes of the campaign file's `pushes` section (idempotent).

    Pushes already handed to WeChat are never changed; unsent ones follow the file."""
    specs = wechat_options(campaign).pushes
    counts = {"created": 0, "updated": 0, "unchanged": 0, "kept_sent": 0}
    for spec in specs:
        for key, when in push_occurrences(spec, campaign):
            day = when.astimezone(_campaign_zone(campaign)).date()
            title = _fill(spec.title, day)
            articles = [
                {"title": _fill(a.title, day), "author": a.author or "", "digest": _fill(a.digest or "", day),
                 "content": _fill(a.content, day), "link": a.link or ""}
                for a in spec.articles
            ]
            covers = [a.cover or "" for a in spec.articles]
            counts[_sync_one(campaign, key, title, spec.audience_tag, when, articles, covers)] += 1
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
