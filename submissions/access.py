"""Who may see an entry's media, and the signed, expiring URLs that carry that decision.

A media URL is `/entries/media/<token>/` where the token is a `django.core.signing` payload
{entry, file, viewer} timestamped and salted: it cannot be forged, it expires (ENTRY_MEDIA_URL_MAX_AGE,
default one hour), and — except for gallery links — it only works for the viewer it was made for.
Storage names are random and never appear in a page.

Who may see an entry here: its family and the organizers of its library's subtree — nobody else.
Judges never come through here (not the entry page, its status, its WebSocket, the entries API nor
these links): they reach an entry only by assignment, through judging/blind.py.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from campaigns.selectors import child_has_consent, user_can_manage_library
from submissions.models import Entry

SALT = "submissions.media"
FILES = ("playback", "thumbnail", "original")
GALLERY = "gallery"


def max_age() -> int:
    return int(getattr(settings, "ENTRY_MEDIA_URL_MAX_AGE", 3600))


def is_family(user, entry: Entry) -> bool:
    return bool(user and user.is_authenticated and entry.child.guardian_id == user.pk)


def is_organizer_of(user, entry: Entry) -> bool:
    return bool(user and user.is_authenticated and user_can_manage_library(user, entry.library))


def gallery_visible(entry: Entry) -> bool:
    """Public only when approved, ready, and the guardian's gallery consent is in force."""
    return (entry.status == Entry.Status.READY and entry.moderation == Entry.Moderation.APPROVED
            and child_has_consent(entry.child, "gallery"))


def can_view_entry(user, entry: Entry) -> bool:
    """The family and the organizers of the entry's library (and its parents); judges: judging/blind.py."""
    return is_family(user, entry) or is_organizer_of(user, entry)


def media_token(entry: Entry, file: str, *, viewer) -> str:
    """`viewer`: a user (the link works only for them) or GALLERY (anyone, while the entry stays public)."""
    if file not in FILES:
        raise ValueError(file)
    who = GALLERY if viewer == GALLERY else int(viewer.pk)
    return signing.dumps({"e": entry.pk, "f": file, "v": who}, salt=SALT, compress=True)


def media_url(entry: Entry, file: str, *, viewer) -> str | None:
    """A signed URL for `entry`'s `file`, or None when there is no such file or the viewer may not see it."""
    field = getattr(entry, file, None)
    if not field:
        return None
    if viewer == GALLERY:
        if file == "original" or not gallery_visible(entry):
            return None
    elif not can_view_entry(viewer, entry):
        return None
    return reverse("submissions:media", args=[media_token(entry, file, viewer=viewer)])


class MediaDenied(Exception):
    pass


def resolve_token(token: str, user) -> tuple[Entry, str]:
    """The entry and file a token grants to `user`, or MediaDenied (expired, forged, wrong viewer, revoked)."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise MediaDenied("expired") from None
    except signing.BadSignature:
        raise MediaDenied("bad signature") from None
    entry = Entry.objects.select_related("child", "library").filter(pk=payload.get("e")).first()
    file = payload.get("f")
    if entry is None or file not in FILES or not getattr(entry, file):
        raise MediaDenied("gone")
    viewer = payload.get("v")
    if viewer == GALLERY:
        if file == "original" or not gallery_visible(entry):
            raise MediaDenied("not public")
    else:
        if not (user and user.is_authenticated and user.pk == viewer and can_view_entry(user, entry)):
            raise MediaDenied("not this viewer")
    return entry, file
