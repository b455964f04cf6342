"""Reads for the WeChat adapter: which campaign a message is about, keywords, open events."""

from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, Child, Library, Registration
from campaigns.selectors import campaign_stage_is_open, children_of
from events.models import Event
from wechat.models import Follower, Push

DEFAULT_KEYWORDS = {"答题": "quiz", "报名": "register", "我的作品": "my_entries", "作品": "my_entries"}
DEFAULT_MENU = {
    "MY_ENTRIES": "my_entries", "QUIZ": "quiz", "REGISTER": "register", "CAMPAIGN_SIGNUP": "register",
    "CAMPAIGN": "campaign", "LOGIN": "login",
}
LIVE_STAGES = {"published", "entries_open", "likes_open", "judging", "publicity", "results"}


def active_campaigns(at=None) -> list[Campaign]:
    """Campaigns with a live stage open now, newest first; else the newest campaign with a WeChat section."""
    at = at or timezone.now()
    campaigns = list(Campaign.objects.prefetch_related("stages").order_by("-created_at", "-id"))
    live = [c for c in campaigns if any(s.kind in LIVE_STAGES and s.is_open(at) for s in c.stages.all())]
    if live:
        return live
    with_wechat = [c for c in campaigns if (c.config or {}).get("wechat")]
    return with_wechat[:1] or campaigns[:1]


def campaign_keywords(campaign: Campaign) -> dict[str, str]:
    section = (campaign.config or {}).get("wechat") or {}
    keywords = section.get("keywords")
    return dict(keywords) if isinstance(keywords, dict) and keywords else dict(DEFAULT_KEYWORDS)


def campaign_menu(campaign: Campaign) -> dict[str, str]:
    section = (campaign.config or {}).get("wechat") or {}
    menu = section.get("menu")
    return {**DEFAULT_MENU, **(menu if isinstance(menu, dict) else {})}


def keyword_action(text: str, at=None) -> tuple[Campaign, str] | None:
    """The (campaign, action) a text message asks for: exact keyword first, then a keyword prefix."""
    text = (text or "").strip()
    if not text:
        return None
    campaigns = active_campaigns(at)
    for campaign in campaigns:
        keywords = campaign_keywords(campaign)
        if text in keywords:
            return campaign, keywords[text]
    for campaign in campaigns:
        for keyword, action in campaign_keywords(campaign).items():
            if text.startswith(keyword):
                return campaign, action
    return None


def menu_action(key: str, at=None) -> tuple[Campaign | None, str] | None:
    campaigns = active_campaigns(at)
    for campaign in campaigns:
        menu = campaign_menu(campaign)
        if key in menu:
            return campaign, menu[key]
    if key in DEFAULT_MENU:
        return (campaigns[0] if campaigns else None), DEFAULT_MENU[key]
    return None


def campaign_quiz_event(campaign: Campaign) -> Event | None:
    return Event.objects.filter(campaign=campaign, kind=Event.Kind.QUIZ).order_by("position", "id").first()


def event_accepts_wechat_voice(event: Event, at=None) -> bool:
    at = at or timezone.now()
    entries = (event.settings or {}).get("entries") or {}
    channels = entries.get("channels")
    if channels and "wechat_voice" not in channels:
        return False
    media = entries.get("media")
    if media and "audio" not in media:
        return False
    for bound, check in (("opens", lambda t: at >= t), ("closes", lambda t: at < t)):
        value = entries.get(bound)
        if value:
            moment = _as_datetime(value)
            if moment is not None and not check(moment):
                return False
    return True


def _as_datetime(value):
    from django.utils.dateparse import parse_date, parse_datetime

    if hasattr(value, "tzinfo"):
        moment = value
    else:
        text = str(value)
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            from datetime import datetime, time

            moment = datetime.combine(day, time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def open_recitation_events(at=None) -> list[Event]:
    """Recitation events that take WeChat voice messages right now."""
    at = at or timezone.now()
    found = []
    for campaign in active_campaigns(at):
        if not campaign_stage_is_open(campaign, "entries_open", at):
            continue
        for event in Event.objects.filter(campaign=campaign, kind=Event.Kind.RECITATION).order_by("position", "id"):
            if event_accepts_wechat_voice(event, at):
                found.append(event)
    return found


def eligible_children(user, event: Event) -> list[Child]:
    """The guardian's children, those registered in the event's campaign first."""
    children = list(children_of(user))
    registered = set(
        Registration.objects.filter(campaign_id=event.campaign_id, child__in=children).values_list("child_id", flat=True)
    )
    in_campaign = [c for c in children if c.id in registered]
    return in_campaign or children


def follower_by_openid(openid: str) -> Follower | None:
    return Follower.objects.filter(openid=openid).select_related("user", "library").first()


def followers_of_user(user_id: int) -> QuerySet[Follower]:
    return Follower.objects.filter(user_id=user_id, subscribed=True)


def library_by_scene(scene: str) -> Library | None:
    """`lib-<code>` (from a qrscene_ key or a SCAN event) → that library."""
    scene = (scene or "").removeprefix("qrscene_")
    if not scene.startswith("lib-"):
        return None
    return Library.objects.filter(code=scene[4:]).first()


def push_for_result(*, msg_id: str = "", publish_id: str = "") -> Push | None:
    if msg_id:
        return Push.objects.filter(msg_id=msg_id).first()
    if publish_id:
        return Push.objects.filter(publish_id=publish_id).first()
    return None


def pushes_due(at=None) -> QuerySet[Push]:
    at = at or timezone.now()
    return Push.objects.filter(status=Push.Status.SCHEDULED, scheduled_at__lte=at).order_by("scheduled_at", "id")


def family_entries(user) -> list[dict]:
    """The guardian's entries with their status, read from the submissions app."""
    try:
        from submissions.models import Entry
    except ImportError:
        return []
    rows = []
    entries = Entry.objects.filter(child__guardian=user).select_related("child", "event").order_by("-id")[:10]
    for entry in entries:
        status = entry.get_status_display() if hasattr(entry, "get_status_display") else getattr(entry, "status", "")
        poem = getattr(entry, "poem", None)
        rows.append({
            "id": entry.id, "child": entry.child.nickname, "event": entry.event.title,
            "poem": str(poem.title) if poem else "", "status": str(status),
            "reason": getattr(entry, "rejection_reason", "") or getattr(entry, "reason", "") or "",
        })
    return rows
