"""The like button under each gallery card (registered into submissions.gallery_extras in
JudgingConfig.ready()). Shown only while the campaign's likes stage is open and only for the event the
campaign file's `likes.event` names (any event if it names none); the count is the number of valid
(not voided) likes. The button is a plain form POST to /judging/like/<entry_id>/, which answers with a
redirect back to the card and the service's bilingual message (limit reached, likes closed...)."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from campaigns.selectors import campaign_stage_is_open
from judging.sections import judging_options

TEMPLATE = "judging/_gallery_like.html"


def likes_open_for(event) -> bool:
    campaign = event.campaign
    wanted = judging_options(campaign).likes_rules.event
    return (not wanted or wanted == event.slug) and campaign_stage_is_open(campaign, "likes_open")


def gallery_like_buttons(request, event, entries) -> dict | None:
    from judging.models import Like
    from judging.services.likes import voter_hash

    if not entries or not likes_open_for(event):
        return None
    ids = [e.pk for e in entries]
    counts = dict(Like.objects.filter(entry_id__in=ids, voided=False).values("entry").annotate(n=Count("id"))
                  .values_list("entry", "n"))
    liked: set[int] = set()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        today = timezone.now().astimezone(ZoneInfo(event.campaign.timezone or "Asia/Shanghai")).date()
        liked = set(Like.objects.filter(entry_id__in=ids, voter_hash=voter_hash(f"user:{user.pk}"), day=today)
                    .values_list("entry_id", flat=True))
    login = f"{reverse('login')}?next={request.path}" if not (user and user.is_authenticated) else ""
    # The answer of the like just sent (the view tags its message "like-<entry id>"): shown in the card too,
    # so the refusal is read next to the button the redirect scrolls to. Reading does not consume them.
    notes: dict[int, tuple[str, str]] = {}
    for message in messages.get_messages(request):
        for tag in message.extra_tags.split():
            if tag.startswith("like-") and tag[5:].isdigit():
                notes[int(tag[5:])] = (str(message), "error" if message.level >= messages.ERROR else "success")
    return {"template": TEMPLATE, "items": {
        pk: {"url": reverse("judging:like", args=[pk]), "count": counts.get(pk, 0), "liked": pk in liked,
             "next": f"{request.path}#entry-{pk}", "login_url": login,
             "note": notes.get(pk, ("", ""))[0], "note_level": notes.get(pk, ("", ""))[1]}
        for pk in ids
    }}
