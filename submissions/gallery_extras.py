"""Extension point of the public gallery: later apps add something under each entry card (judging adds
the like button during the likes stage) without submissions importing them.

In your AppConfig.ready():

    from submissions.gallery_extras import register_gallery_extra

    register_gallery_extra("likes", func)

`func(request, event, entries) -> None | {"template": "app/_part.html", "items": {entry_id: dict}}`.
The gallery includes `template` under each entry listed in `items` with `extra` = that dict (plus
`entry`); returning None adds nothing (e.g. outside the likes stage)."""

from collections.abc import Callable

_extras: dict[str, Callable] = {}


def register_gallery_extra(key: str, func: Callable) -> None:
    _extras[key] = func


def unregister_gallery_extra(key: str) -> None:
    _extras.pop(key, None)


def gallery_extras(request, event, entries) -> dict[int, list[dict]]:
    """entry id → the parts to include under its card, in registration order."""
    parts: dict[int, list[dict]] = {}
    for func in list(_extras.values()):
        provided = func(request, event, entries)
        if not provided:
            continue
        for entry_id, extra in provided.get("items", {}).items():
            parts.setdefault(entry_id, []).append({**extra, "template": provided["template"]})
    return parts
