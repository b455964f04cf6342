"""Links from the campaign and branch pages to an event's own pages (take the quiz, submit an entry,
see the gallery), without campaigns importing the apps that serve them.

Later apps may register their own links in AppConfig.ready():

    from campaigns.event_links import register_event_links
    register_event_links("quiz", lambda event: [("开始答题", "Take the quiz", f"/events/quiz/{event.pk}/")])

For an event no registered provider gives links to, the links are found by the URL names the apps
publish (events:quiz, submissions:submit, submissions:gallery); a name that does not exist is simply
left out. submissions registers "entries" (record/submit, gallery, my entries) for non-quiz events."""

from collections.abc import Callable

from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language

EventLink = tuple[str, str, str]  # (label_zh, label_en, url)
_providers: dict[str, Callable] = {}


def register_event_links(key: str, func: Callable) -> None:
    """`func(event) -> list[(label_zh, label_en, url)]`; every provider is asked for every event."""
    _providers[key] = func


def unregister_event_links(key: str) -> None:
    _providers.pop(key, None)


def _url(name: str, event) -> str | None:
    try:
        return reverse(name, kwargs={"event_id": event.pk})
    except NoReverseMatch:
        return None


def _default_links(event) -> list[EventLink]:
    if event.kind == "quiz":
        candidates = [("开始答题", "Take the quiz", "events:quiz"), ("排行榜", "Leaderboard", "events:leaderboard")]
    else:
        candidates = [("提交作品", "Submit an entry", "submissions:submit"),
                      ("作品展示", "Gallery", "submissions:gallery")]
    return [(zh, en, url) for zh, en, name in candidates if (url := _url(name, event))]


def event_links(event) -> list[dict]:
    links: list[EventLink] = []
    for func in _providers.values():
        links.extend(func(event) or [])
    if not links:  # no app registered links for this event (e.g. a kind nobody handles yet)
        links = _default_links(event)
    english = (get_language() or "").startswith("en")
    return [{"label": en if english else zh, "url": url} for zh, en, url in links]


def event_rows(events, now=None) -> list[dict]:
    now = now or timezone.now()
    rows = []
    for event in events:
        opens, closes = event.opening_window  # the event's own window (events.sections), if it declares one
        declared = opens is not None or closes is not None
        is_open = declared and (opens is None or opens <= now) and (closes is None or now < closes)
        rows.append({"event": event, "opens": opens, "closes": closes, "declared": declared, "open": is_open,
                     "links": event_links(event)})
    return rows
