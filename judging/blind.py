"""A judge's view of an entry — the one rule, written once (docs/judging.md, "Blind judging").

A judge reaches an entry only through the judging pages and the judging API, by *assignment*:
- what a judge is shown is `blind_entry(assignment)` and nothing else: a code made from the
  assignment, the kind, the poem, the length and waveform, the essay's text and a media URL;
  no name, nickname, library, original file name, checksum, EXIF, entry id or storage name;
- the media URL is `/judging/m/<token>` where the token is an HMAC of (assignment, judge): it names
  nothing another page resolves, works only for that judge while the assignment stands, and serves
  the processed playback copy (the thumbnail for pictures) — never the family's original upload.
  That rule lives in `resolve_media`, where the token is resolved, not in the URL builder;
- the family's entry page, its status JSON, its WebSocket, the entries API and the submissions media
  links know families and organizers only (submissions.access): a judge gets 403 there;
- the chief judge sees entries of a round (arbitration, ties) as `entry_code(round, entry)`, an HMAC
  code per round, and names them back by that code.
"""

from __future__ import annotations

import hmac

from django.http import Http404
from django.urls import reverse
from django.utils.crypto import salted_hmac

from judging.models import Assignment, Round
from submissions.models import Entry

MEDIA_SALT = "judging.blind.media"
CODE_SALT = "judging.blind.entry-code"
MEDIA_KINDS = (Entry.Kind.AUDIO, Entry.Kind.VIDEO, Entry.Kind.IMAGE)

# Every key a judge's view of an entry carries (tests/judging/test_blind.py checks each surface against it).
BLIND_FIELDS = ("assignment", "code", "kind", "duration_s", "waveform", "poem", "text", "media_url")


def assignment_code(assignment: Assignment) -> str:
    """The number a judge knows an entry by: the round and the assignment, never the entry."""
    return f"{assignment.round.key.upper()}-{assignment.id:05d}"


def media_token(assignment: Assignment) -> str:
    return salted_hmac(MEDIA_SALT, f"{assignment.pk}:{assignment.judge_id}", algorithm="sha256").hexdigest()[:40]


def media_url(assignment: Assignment) -> str | None:
    if assignment.entry.kind not in MEDIA_KINDS:
        return None
    return reverse("judging:media", args=[media_token(assignment)])


def playback_field(entry: Entry):
    """The only file a judge may receive: the processed copy (re-encoded, no file metadata)."""
    if entry.kind == Entry.Kind.IMAGE:
        return entry.thumbnail or None
    if entry.kind in (Entry.Kind.AUDIO, Entry.Kind.VIDEO):
        return entry.playback or None
    return None


def resolve_media(token: str, user):
    """The playback file `token` grants to `user`, or Http404 (not theirs, withdrawn, no such file).
    The judge's current assignments are few; the token is compared with each in constant time."""
    if not (user and user.is_authenticated) or len(token) != 40:
        raise Http404("no such media")
    mine = (Assignment.objects.filter(judge__user=user, judge__active=True)
            .exclude(state=Assignment.State.WITHDRAWN).select_related("entry").order_by("id"))
    for assignment in mine:
        if hmac.compare_digest(media_token(assignment), token):
            field = playback_field(assignment.entry)
            if field is None:
                raise Http404("no media")
            return field
    raise Http404("no such media")


def comparison_media_token(comparison, side: str) -> str:
    return salted_hmac(MEDIA_SALT, f"c:{comparison.pk}:{side}:{comparison.judge_id}",
                       algorithm="sha256").hexdigest()[:40]


def blind_side(comparison, side: str) -> dict:
    """One side of a comparative judgement, as blind as `blind_entry` (the code names the comparison)."""
    entry = comparison.entry_a if side == "a" else comparison.entry_b
    data = {
        "side": side,
        "code": f"{comparison.round.key.upper()}-{comparison.id:05d}{side.upper()}",
        "kind": entry.kind,
        "duration_s": round(entry.duration_s, 1) if entry.duration_s else None,
        "text": entry.text if entry.kind == Entry.Kind.ESSAY else "",
        "poem": None,
        "media_src": None,
    }
    if entry.poem_id:
        poem = entry.poem
        data["poem"] = {"title": poem.title, "author": poem.author, "dynasty": poem.dynasty, "lines": poem.lines}
    if entry.kind in MEDIA_KINDS:
        data["media_src"] = reverse("judging:compare_media", args=[comparison_media_token(comparison, side)])
    return data


def resolve_comparison_media(token: str, user):
    """The playback file of one side of `user`'s comparison in an open round, or Http404."""
    from judging.models import Comparison

    if not (user and user.is_authenticated) or len(token) != 40:
        raise Http404("no such media")
    mine = (Comparison.objects.filter(judge__user=user, judge__active=True, round__status=Round.Status.OPEN)
            .select_related("entry_a", "entry_b").order_by("id"))
    for comparison in mine:
        for side in ("a", "b"):
            if hmac.compare_digest(comparison_media_token(comparison, side), token):
                field = playback_field(comparison.entry_a if side == "a" else comparison.entry_b)
                if field is None:
                    raise Http404("no media")
                return field
    raise Http404("no such media")


def blind_entry(assignment: Assignment) -> dict:
    """What a judge may know about an entry: an anonymous number, the poem, the media to play."""
    entry = assignment.entry
    data = {
        "assignment": assignment.id,
        "code": assignment_code(assignment),
        "kind": entry.kind,
        "duration_s": round(entry.duration_s, 1) if entry.duration_s else None,
        "waveform": [round(float(p), 3) for p in (entry.waveform or [])],
        "poem": None,
        "text": entry.text if entry.kind == Entry.Kind.ESSAY else "",
        "media_url": media_url(assignment),
    }
    if entry.poem_id:
        poem = entry.poem
        data["poem"] = {"title": poem.title, "author": poem.author, "dynasty": poem.dynasty, "lines": poem.lines}
    return data


def entry_code(round_: Round, entry_id: int) -> str:
    """How the chief judge names an entry of `round_` (arbitration, ties): stable, per round, opaque."""
    digest = salted_hmac(CODE_SALT, f"{round_.pk}:{entry_id}", algorithm="sha256").hexdigest()[:8].upper()
    return f"{round_.key.upper()}-{digest}"


def entry_ids_for_codes(round_: Round, codes: list[str], candidates) -> list[int] | None:
    """Entry ids in the order of `codes`, among `candidates` (entry ids); None if a code is unknown."""
    by_code = {entry_code(round_, entry_id): entry_id for entry_id in candidates}
    ids = [by_code.get(code.strip().upper()) for code in codes]
    return None if any(i is None for i in ids) else ids
