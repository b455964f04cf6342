"""What an event accepts: media kinds and limits from the campaign file (`entries:` section of the
event, read typed through events.sections), with the defaults of each kind where a limit is not set."""

from dataclasses import dataclass, replace

from events.sections import Entries, event_settings

KIND_BY_EVENT = {"recitation": "audio", "essay": "essay", "photo": "image", "drawing": "image", "video": "video"}


@dataclass(frozen=True)
class MediaLimits:
    min_seconds: float = 0.0
    max_seconds: float | None = None
    max_bytes: int | None = None
    max_chars: int | None = None
    max_megapixels: float | None = None
    # Not from the campaign file: below this a picture cannot show a child's photo or drawing (a 1×1
    # tracking pixel, an icon) — a judge would have nothing to look at.
    min_side_px: int = 0


DEFAULTS: dict[str, MediaLimits] = {
    "audio": MediaLimits(min_seconds=3, max_seconds=300, max_bytes=50 * 1024 * 1024),
    "essay": MediaLimits(max_chars=10_000, max_bytes=10 * 1024 * 1024),
    "image": MediaLimits(max_bytes=20 * 1024 * 1024, max_megapixels=40, min_side_px=32),
    "video": MediaLimits(min_seconds=1, max_seconds=180, max_bytes=200 * 1024 * 1024),
}


def entries_settings(event) -> Entries | None:
    """The event's `entries:` section (None for an event without one, e.g. a quiz)."""
    return event_settings(event).entries if event is not None else None


def kind_for_event(event) -> str:
    entries = entries_settings(event)
    if entries and entries.media:
        return entries.media[0]
    return KIND_BY_EVENT.get(event.kind, "audio")


def limits_for(kind: str, event=None) -> MediaLimits:
    """The event's limits over the defaults of the kind (keys missing in the file keep the default)."""
    limits = DEFAULTS[kind]
    if event is None:
        return limits
    entries = entries_settings(event)
    configured = entries.limits if entries and entries.limits else None
    if configured is None:
        return limits
    return replace(limits, **{name: value for name, value in configured.model_dump().items() if value is not None})
