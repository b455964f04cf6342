"""Absolute links to the other apps' pages, for replies and notifications sent inside WeChat.

The other apps own their URL names; a link is resolved by name when that page exists and falls
back to the app's mount point, so a reply never carries a broken host or a stack trace."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse


def absolute(path: str) -> str:
    if path.startswith("http://") or path.startswith("https://"):
        return path
    return settings.SITE_URL.rstrip("/") + path


def _first(candidates: list[tuple[str, dict]], fallback: str) -> str:
    for name, kwargs in candidates:
        try:
            return absolute(reverse(name, kwargs=kwargs or None))
        except NoReverseMatch:
            continue
    return absolute(fallback)


def campaign_url(campaign) -> str:
    return _first([("campaign_detail", {"slug": campaign.slug}), ("campaigns:detail", {"slug": campaign.slug}),
                   ("campaign", {"slug": campaign.slug})], f"/c/{campaign.slug}/")


def register_url(campaign) -> str:
    return _first([("campaign_register", {"slug": campaign.slug}), ("campaigns:register", {"slug": campaign.slug}),
                   ("campaign_join", {"slug": campaign.slug})], f"/c/{campaign.slug}/")


def quiz_url(campaign, event) -> str:
    return _first([("events:quiz", {"event_id": event.id})], f"/events/quiz/{event.id}/")


def my_entries_url() -> str:
    return _first([("submissions:mine", {}), ("submissions:my_entries", {}), ("family", {})], "/family/")


def entry_url(entry_id: int) -> str:
    return _first([("submissions:entry", {"entry_id": entry_id})], f"/entries/{entry_id}/")


def reading_log_url(event) -> str:
    return _first([("reading:log", {"event_id": event.id})], f"/reading/e/{event.id}/")
