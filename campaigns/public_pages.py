"""The visitor-independent middles of the home, campaign and branch pages, rendered once into the
cache (campaigns/page_cache.py says how they stay fresh). Views add the header, the counters,
the panels and anything that depends on who is looking."""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from campaigns import page_cache, selectors
from campaigns.event_links import event_rows
from campaigns.models import Campaign, CampaignLibrary, Registration


def _events(campaign: Campaign) -> list[dict]:
    # events is a later layer: read through the reverse relation, never by importing it.
    manager = getattr(campaign, "events", None)
    events = list(manager.prefetch_related("age_groups").order_by("position", "id")) if manager is not None else []
    return event_rows(events)


def _stage_rows(campaign: Campaign, now) -> list[dict]:
    return [{"stage": s, "open": s.is_open(now), "past": bool(s.ends_at and s.ends_at <= now)}
            for s in campaign.stages.all()]


def _moments(stage_rows: list[dict], event_rows_: list[dict]) -> list:
    """When what these fragments show next changes by itself (a stage or an event opens or closes)."""
    return ([m for row in stage_rows for m in (row["stage"].starts_at, row["stage"].ends_at)]
            + [m for row in event_rows_ for m in (row["opens"], row["closes"])])


def home_page() -> dict:
    def build():
        now = timezone.now()
        campaigns = [{"campaign": c, "open_stages": [s for s in c.stages.all() if s.is_open(now)]}
                     for c in selectors.campaigns_public(now)]
        moments = [m for row in campaigns for s in row["campaign"].stages.all() for m in (s.starts_at, s.ends_at)]
        html = render_to_string("campaigns/_home_campaigns.html", {"campaigns": campaigns})
        return {"campaigns": mark_safe(html)}, page_cache.next_moment(moments, now)  # noqa: S308 (our template)

    return page_cache.fragment(page_cache.version(), ("home", get_language()), build)


def _campaign(slug: str) -> Campaign | None:
    return Campaign.objects.select_related("lead_library").filter(slug=slug).first()


def campaign_row(slug: str) -> tuple[str, Campaign | None]:
    """(the pages' version, the campaign with its lead library, or None), cached under the version."""
    return page_cache.current(f"campaign:{slug}", lambda: _campaign(slug))


def branch_row(slug: str, code: str) -> tuple[str, tuple[Campaign, CampaignLibrary] | None]:
    """(the pages' version, (campaign, branch) or None), cached under the version."""

    def load():
        campaign = _campaign(slug)
        branch = selectors.branch_of(campaign, code) if campaign else None
        return (campaign, branch) if branch else None

    return page_cache.current(f"branch:{slug}:{code}", load)


def campaign_page(version: str, campaign: Campaign, province: str = "") -> tuple[dict, int]:
    """(fragment, participants). The fragment's intro is the title, lead library and libraries taking
    part; its body the schedule, events, rules and the library finder. A chosen province's list is
    rendered for that request only (the parameter is the visitor's: not a cache key)."""

    def build():
        now = timezone.now()
        stages = _stage_rows(campaign, now)
        events = _events(campaign)
        branches = selectors.campaign_branches(campaign)
        taking_part = set(branches.values_list("library__province", flat=True))
        context = {
            "campaign": campaign,
            "stages": stages,
            "open_stages": [s["stage"] for s in stages if s["open"]],
            "events": events,
            "branch_count": branches.count(),
            "branch_provinces": [p for p in selectors.provinces() if p in taking_part],
            "province": province,
            "province_branches": list(branches.filter(library__province=province)) if province else [],
        }
        page = {"intro": mark_safe(render_to_string("campaigns/_campaign_intro.html", context)),  # noqa: S308
                "body": mark_safe(render_to_string("campaigns/_campaign_body.html", context))}  # noqa: S308
        return page, page_cache.next_moment(_moments(stages, events), now)

    key = page_cache.participants_key(campaign.pk)
    computes = {key: lambda: selectors.campaign_participant_count(campaign.pk)}
    parts = None if province else ("campaign", campaign.pk, get_language())  # a province: the visitor's own list
    page, counts = page_cache.page(version, parts, build, computes)
    return page, counts[key]


def branch_page(version: str, campaign: Campaign, branch: CampaignLibrary, join_url: str) -> tuple[dict, int, int]:
    """(fragment, participants, the branch subtree's registrations)."""

    def build():
        now = timezone.now()
        events = _events(campaign)
        context = {
            "campaign": campaign, "branch": branch, "library": branch.library, "events": events,
            "join_url": join_url,
            "sub_branches": selectors.campaign_branches(campaign).filter(library__parent=branch.library),
        }
        page = {name: mark_safe(render_to_string(f"campaigns/_branch_{name}.html", context))  # noqa: S308
                for name in ("intro", "qr", "body")}
        return page, page_cache.next_moment(_moments(_stage_rows(campaign, now), events), now)

    everyone = page_cache.participants_key(campaign.pk)
    here = page_cache.branch_participants_key(campaign.pk, branch.library_id)
    page, counts = page_cache.page(version, ("branch", campaign.pk, branch.library_id, get_language(), join_url), build, {
        everyone: lambda: selectors.campaign_participant_count(campaign.pk),
        here: lambda: Registration.objects.filter(campaign=campaign, library__path__startswith=branch.library.path).count(),
    })
    return page, counts[everyone], counts[here]
