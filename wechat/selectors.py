"""Reads for the WeChat adapter: which campaign a message is about, keywords, open events."""

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from campaigns.models import Campaign, Child, Library, Registration
from campaigns.selectors import campaign_stage_is_open
from events.models import Event
from events.sections import event_settings
from wechat.models import Follower, Push
from wechat.sections import wechat_options

DEFAULT_KEYWORDS = {"答题": "quiz", "报名": "register", "我的作品": "my_entries", "作品": "my_entries",
                    "打卡": "reading"}
# 打卡 opens the reading log in every campaign, even one whose file lists its own keywords without it.
BUILT_IN_KEYWORDS = {"打卡": "reading", "阅读打卡": "reading"}
DEFAULT_MENU = {
    "MY_ENTRIES": "my_entries", "QUIZ": "quiz", "REGISTER": "register", "CAMPAIGN_SIGNUP": "register",
    "CAMPAIGN": "campaign", "LOGIN": "login", "READING": "reading",
}
LIVE_STAGES = {"published", "entries_open", "likes_open", "judging", "publicity", "results"}


def _all_campaigns() -> list[Campaign]:
    return list(Campaign.objects.select_related("lead_library").prefetch_related("stages")
                .order_by("-created_at", "-id"))


def _active_campaigns(at, campaigns: list[Campaign]) -> list[Campaign]:
    live = [c for c in campaigns if any(s.kind in LIVE_STAGES and s.is_open(at) for s in c.stages.all())]
    if live:
        return live
    with_wechat = [c for c in campaigns if wechat_options(c).wechat]
    return with_wechat[:1] or campaigns[:1]


@dataclass(frozen=True)
class OpenCampaign:
    """A campaign a family can take part in today: its entries stage is open. `branch_paths` are
    the tree paths of its participating libraries (empty: the lead library's whole subtree)."""

    campaign: Campaign
    lead_path: str
    branch_paths: tuple[str, ...]

    def serves(self, library_path: str | None) -> bool:
        if library_path is None:
            return True
        if not library_path.startswith(self.lead_path):
            return False
        return not self.branch_paths or any(library_path.startswith(path) for path in self.branch_paths)


def _open_campaigns(at, campaigns: list[Campaign]) -> list[OpenCampaign]:
    from campaigns.models import CampaignLibrary

    open_now = [c for c in campaigns if any(s.kind == "entries_open" and s.is_open(at) for s in c.stages.all())]
    paths: dict[int, list[str]] = {c.id: [] for c in open_now}
    for campaign_id, path in CampaignLibrary.objects.filter(campaign__in=open_now).values_list(
            "campaign_id", "library__path"):
        paths[campaign_id].append(path)
    return [OpenCampaign(campaign=c, lead_path=c.lead_library.path, branch_paths=tuple(paths[c.id]))
            for c in open_now]


@dataclass(frozen=True)
class LiveConfig:
    """What the callback needs to answer: live campaigns, their quiz, recitation events taking voices."""

    campaigns: list
    quiz_events: dict
    recitation_events: list  # [(event, [poem ids])]
    open_campaigns: list = ()  # [OpenCampaign]: entries stage open now


LIVE_KEY = "wechat:live-config"
LIVE_SECONDS = 5  # a stage that opens by the clock is seen by the callback within 5 s


def live_config(at=None) -> LiveConfig:
    """What the callback answers from, kept in Django's cache for a few seconds (shared by every
    process): the callback must not re-query campaigns, stages and events for every message of a
    burst. Saving or deleting a campaign, stage or event drops it at once (wechat/apps.py)."""
    if at is None:
        cached = cache.get(LIVE_KEY)
        if cached is not None:
            return cached
    moment = at or timezone.now()
    every = _all_campaigns()
    campaigns = _active_campaigns(moment, every)
    open_campaigns = _open_campaigns(moment, every)
    quiz = {}
    recitations = []
    for campaign in {c.id: c for c in [*campaigns, *(o.campaign for o in open_campaigns)]}.values():
        quiz[campaign.id] = Event.objects.filter(campaign=campaign, kind=Event.Kind.QUIZ).order_by("position", "id").first()
        if not campaign_stage_is_open(campaign, "entries_open", moment):
            continue
        for event in Event.objects.filter(campaign=campaign, kind=Event.Kind.RECITATION).order_by("position", "id"):
            if event_accepts_wechat_voice(event, moment):
                recitations.append((event, list(event.poems.values_list("id", flat=True))))
    config = LiveConfig(campaigns=campaigns, quiz_events=quiz, recitation_events=recitations,
                        open_campaigns=open_campaigns)
    if at is None:
        cache.set(LIVE_KEY, config, LIVE_SECONDS)
    return config


def live_config_clear(*args, **kwargs) -> None:
    """Drop the cached snapshot (connected to the campaign, stage and event signals)."""
    cache.delete(LIVE_KEY)


def active_campaigns(at=None) -> list[Campaign]:
    """Campaigns with a live stage open now, newest first; else the newest campaign with a WeChat section."""
    return live_config(at).campaigns


def campaigns_open_for(library_path: str | None, at=None) -> list[Campaign]:
    """Campaigns open today (entries stage open) that serve a library (None: any library)."""
    return [o.campaign for o in live_config(at).open_campaigns if o.serves(library_path)]


def follower_library(openid: str) -> tuple[str, str] | None:
    """(tree path, name) of the library a follower is attributed to (None: not known yet)."""
    row = Follower.objects.filter(openid=openid, library__isnull=False).values_list(
        "library__path", "library__name").first()
    return tuple(row) if row else None


def campaign_keywords(campaign: Campaign) -> dict[str, str]:
    section = wechat_options(campaign).wechat
    return dict(section.keywords) if section and section.keywords else dict(DEFAULT_KEYWORDS)


def campaign_menu(campaign: Campaign) -> dict[str, str]:
    section = wechat_options(campaign).wechat
    return {**DEFAULT_MENU, **(section.menu if section else {}), **(section.button_keys() if section else {})}


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
    if text in BUILT_IN_KEYWORDS:
        return (campaigns[0] if campaigns else None), BUILT_IN_KEYWORDS[text]
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


def reading_events_open_today(openid: str, at=None) -> list[Event]:
    """The reading events (阅读打卡) a follower can log in today: in the campaigns open today for the
    follower's library (the library they followed through, else their children's; campaigns_open_for).
    A follower with no known library sees every open one."""
    follower = Follower.objects.filter(openid=openid).values("library__path", "user_id").first() or {}
    paths = [follower["library__path"]] if follower.get("library__path") else []
    if not paths and follower.get("user_id"):
        paths = list(Child.objects.filter(guardian_id=follower["user_id"]).values_list("library__path", flat=True))
    campaigns = {c.pk for path in (paths or [None]) for c in campaigns_open_for(path, at)}
    if not campaigns:
        return []
    return list(Event.objects.filter(campaign__in=campaigns, kind="reading").select_related("campaign")
                .order_by("-campaign__created_at", "position", "id"))


def campaign_quiz_event(campaign: Campaign) -> Event | None:
    config = live_config()
    if campaign.id in config.quiz_events:
        return config.quiz_events[campaign.id]
    return Event.objects.filter(campaign=campaign, kind=Event.Kind.QUIZ).order_by("position", "id").first()


def event_accepts_wechat_voice(event: Event, at=None) -> bool:
    at = at or timezone.now()
    entries = event_settings(event).entries
    if entries is None:
        return True
    if "wechat_voice" not in entries.channels or "audio" not in entries.media:
        return False
    return (entries.opens is None or at >= entries.opens) and (entries.closes is None or at < entries.closes)


def open_recitation_events(at=None) -> list[Event]:
    """Recitation events that take WeChat voice messages right now."""
    return [event for event, _ in live_config(at).recitation_events]


def open_recitation_plan(at=None) -> tuple[Event, list[int]] | None:
    """The first open recitation event and its poem ids."""
    events = live_config(at).recitation_events
    return events[0] if events else None


def eligible_children(user, event: Event) -> list[Child]:
    """The guardian's children, those registered in the event's campaign first."""
    ids = eligible_child_ids(user.id, event)
    return list(Child.objects.filter(pk__in=ids))


def eligible_child_ids(user_id: int, event: Event) -> list[int]:
    children = list(Child.objects.filter(guardian_id=user_id).order_by("created_at", "id").values_list("id", flat=True))
    registered = set(Registration.objects.filter(campaign_id=event.campaign_id, child_id__in=children)
                     .values_list("child_id", flat=True)) if len(children) > 1 else set()
    return [c for c in children if c in registered] or children


def follower_user_id(openid: str) -> int | None:
    """The linked guardian's id (None: unknown follower or not linked); one narrow query."""
    return Follower.objects.filter(openid=openid).values_list("user_id", flat=True).first()


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


def family_entries(user_id: int) -> list[dict]:
    """The guardian's latest entries with their status, read from the submissions app."""
    from submissions.models import Entry

    rows = []
    fields = ("id", "child__nickname", "event__title", "poem__title", "status", "message_zh")
    for row in Entry.objects.filter(child__guardian_id=user_id).exclude(status__in=Entry.NOT_LIVE)\
            .order_by("-id").values(*fields)[:10]:
        rows.append({
            "id": row["id"], "child": row["child__nickname"], "event": row["event__title"],
            "poem": row["poem__title"] or "", "status": str(Entry.Status(row["status"]).label),
            "reason": row["message_zh"] if row["status"] == Entry.Status.REJECTED else "",
        })
    return rows


def _plain(text: str) -> str:
    return "".join(ch for ch in text or "" if ch.isalnum())


def poem_hint(event: Event, recognition: str) -> int | None:
    """The event's poem whose first line WeChat's recognition text contains (a hint, never a choice)."""
    heard = _plain(recognition)
    if len(heard) < 4:
        return None
    for poem_id, lines in event.poems.values_list("id", "lines"):
        first = _plain(lines[0]) if lines else ""
        if first and first in heard:
            return poem_id
    return None
