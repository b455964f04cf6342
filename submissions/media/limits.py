"""What an event accepts: media kinds and limits from the campaign file (`entries:` section of the
event, stored in Event.settings), with the defaults the issue names when a key is missing."""

from dataclasses import dataclass, replace

KIND_BY_EVENT = {"recitation": "audio", "essay": "essay", "photo": "image", "drawing": "image", "video": "video"}


@dataclass(frozen=True)
class MediaLimits:
    min_seconds: float = 0.0
    max_seconds: float | None = None
    max_bytes: int | None = None
    max_chars: int | None = None
    max_megapixels: float | None = None


DEFAULTS: dict[str, MediaLimits] = {
    "audio": MediaLimits(min_seconds=3, max_seconds=300, max_bytes=50 * 1024 * 1024),
    "essay": MediaLimits(max_chars=10_000, max_bytes=10 * 1024 * 1024),
    "image": MediaLimits(max_bytes=20 * 1024 * 1024, max_megapixels=40),
    "video": MediaLimits(min_seconds=1, max_seconds=180, max_bytes=200 * 1024 * 1024),
}


def entries_settings(event) -> dict:
    return dict((getattr(event, "settings", None) or {}).get("entries") or {})


def kind_for_event(event) -> str:
    media = entries_settings(event).get("media") or []
    if media:
        return media[0]
    return KIND_BY_EVENT.get(event.kind, "audio")


def limits_for(kind: str, event=None) -> MediaLimits:
    """The event's limits over the defaults of the kind (keys missing in the file keep the default)."""
    limits = DEFAULTS[kind]
    if event is None:
        return limits
    configured = entries_settings(event).get("limits") or {}
    values = {}
    for field in ("min_seconds", "max_seconds", "max_bytes", "max_chars", "max_megapixels"):
        if configured.get(field) is not None:
            values[field] = float(configured[field]) if field in ("min_seconds", "max_seconds", "max_megapixels") \
                else int(configured[field])
    return replace(limits, **values)
