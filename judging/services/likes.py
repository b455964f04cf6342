"""Public likes: one per verified voter, entry and day, with limits; voiding by organizers."""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import User
from campaigns.selectors import campaign_stage_is_open
from judging.models import (
    Like,
)
from judging.sections import judging_options
from judging.services.common import error
from submissions.models import Entry


def voter_hash(voter_key: str) -> str:
    """Salted hash of the voter (account id or WeChat openid): likes never store who voted."""
    salt = getattr(settings, "LIKES_SALT", "") or settings.SECRET_KEY
    return hmac.new(f"likes:{salt}".encode(), voter_key.encode(), hashlib.sha256).hexdigest()


def like_add(*, entry: Entry, voter_key: str, source: str = "web", network: str = "", at: datetime | None = None) -> Like:
    """One like per verified voter per entry per day (DB constraint), daily and per-minute limits,
    bursts from one network flagged for organizers."""
    at = at or timezone.now()
    campaign = entry.event.campaign
    likes = judging_options(campaign).likes_rules
    if not voter_key:
        raise error("like_login", "请先登录或通过微信进入后再点赞", "log in (or open from WeChat) to like", status=401)
    if not campaign_stage_is_open(campaign, "likes_open", at):
        raise error("likes_closed", "现在不是点赞时间", "likes are not open now", status=409)
    if likes.event and entry.event.slug != likes.event:
        raise error("likes_event", "这个项目不开放点赞", "this event does not take likes", status=409)
    from submissions.access import gallery_visible

    if not gallery_visible(entry):  # ready, approved, and the guardian's gallery consent in force
        raise error("like_entry", "这件作品不在展示区", "this entry is not in the gallery", status=404)
    vh = voter_hash(voter_key)
    from zoneinfo import ZoneInfo

    day: date = at.astimezone(ZoneInfo(campaign.timezone or "Asia/Shanghai")).date()
    minute_key = f"likes:rate:{vh}:{int(at.timestamp() // 60)}"
    if cache.get_or_set(minute_key, 0, 120) >= likes.per_minute:
        raise error("like_rate", "点赞太频繁，请稍后再试", "too many likes; please wait a minute", status=429)
    try:
        cache.incr(minute_key)
    except ValueError:
        cache.set(minute_key, 1, 120)
    if Like.objects.filter(voter_hash=vh, day=day).count() >= likes.per_voter_per_day:
        raise error("like_daily", f"今天的点赞次数已用完（每天 {likes.per_voter_per_day} 次）",
                    f"you have used today's {likes.per_voter_per_day} likes", status=429)
    nh = voter_hash(f"net:{network}") if network else ""
    flagged = ""
    if nh:
        recent = Like.objects.filter(entry=entry, network_hash=nh, created_at__gte=at - timedelta(minutes=10)).count()
        if recent + 1 >= likes.burst_per_network_10min:
            flagged = "burst_same_network"
    try:
        with transaction.atomic():
            like = Like.objects.create(entry=entry, voter_hash=vh, day=day, source=source, network_hash=nh,
                                       created_at=at, flagged=flagged)
    except IntegrityError:
        raise error("like_once", "今天已经为这件作品点过赞了，明天再来吧", "you already liked this entry today",
                     status=409) from None
    if flagged:
        Like.objects.filter(entry=entry, network_hash=nh, created_at__gte=at - timedelta(minutes=10),
                            flagged="").update(flagged=flagged)
        audit_record(action="judging.likes_flagged", obj=entry, campaign=campaign, reason=flagged)
    return like


@transaction.atomic
def likes_void(*, likes, actor: User, reason: str) -> int:
    if not reason.strip():
        raise error("void_reason", "作废点赞必须写明原因", "a reason is required to void likes")
    ids = list(likes.filter(voided=False).values_list("id", flat=True))
    now = timezone.now()
    Like.objects.filter(id__in=ids).update(voided=True, void_reason=reason.strip()[:200], voided_by=actor, voided_at=now)
    by_entry = defaultdict(int)
    for entry_id in Like.objects.filter(id__in=ids).values_list("entry_id", flat=True):
        by_entry[entry_id] += 1
    for entry_id, n in by_entry.items():
        entry = Entry.objects.select_related("event__campaign").get(pk=entry_id)
        audit_record(action="judging.likes_voided", obj=entry, actor=actor, campaign=entry.event.campaign,
                     count=n, reason=reason.strip())
    return len(ids)
