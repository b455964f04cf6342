"""Followers of the official account: subscribing, scanning a library's code, leaving, WeChat login."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from campaigns.audit import audit_record
from campaigns.models import User
from config.tasks import enqueue
from wechat.models import (
    Follower,
)
from wechat.selectors import library_by_scene


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
