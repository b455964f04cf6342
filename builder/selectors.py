"""What the builder reads: an organizer's campaigns, the library tree, question banks, the poem catalogue."""

from collections import Counter

from django.db.models import Count

from builder import file_port
from campaigns.entry_counters import campaign_entry_count
from campaigns.models import Campaign, Library, User
from campaigns.selectors import campaigns_visible_to, organizer_roots, subtree_q, user_can_manage_campaign
from events.models import Poem, QuestionBank


def campaign_status(campaign: Campaign, now=None) -> str:
    """draft (not yet published), scheduled (published stage ahead), live, or over."""
    from django.utils import timezone

    now = now or timezone.now()
    stages = {s.kind: s for s in campaign.stages.all()}
    draft = stages.get("draft")
    if draft is not None and draft.is_open(now):
        return "draft"
    published = stages.get("published")
    if published is None or published.starts_at > now:
        return "scheduled" if published else "draft"
    archived = stages.get("archived")
    return "over" if archived and archived.starts_at <= now else "live"


STATUS_LABEL = {"draft": "草稿 Draft", "scheduled": "待发布 Scheduled", "live": "进行中 Live", "over": "已结束 Over"}


def builder_campaigns(user: User) -> list[dict]:
    """Campaigns the organizer may edit (led inside their subtrees), drafts first."""
    rows = []
    for campaign in campaigns_visible_to(user).select_related("lead_library").prefetch_related("stages"):
        if not user_can_manage_campaign(user, campaign):
            continue
        status = campaign_status(campaign)
        rows.append({"campaign": campaign, "status": status, "status_label": STATUS_LABEL[status]})
    rows.sort(key=lambda r: (r["status"] != "draft", -r["campaign"].created_at.timestamp()))
    return rows


def clone_sources(user: User):
    return campaigns_visible_to(user).select_related("lead_library").order_by("-created_at")


def lead_choices(user: User) -> list[Library]:
    """A new campaign is led by one of the organizer's own libraries (any library for a superuser)."""
    if user.is_superuser:
        return list(Library.objects.filter(level__in=["national", "provincial"]).order_by("path"))
    return organizer_roots(user)


def entries_exist(campaign: Campaign) -> int:
    return campaign_entry_count(campaign)


def library_tree(user: User) -> list[dict]:
    """The organizer's subtrees as nested nodes {library, children} (three levels below a root at most)."""
    libraries = Library.objects.all() if user.is_superuser else Library.objects.filter(subtree_q(organizer_roots(user)))
    nodes = {lib.pk: {"library": lib, "children": []} for lib in libraries.order_by("path")}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["library"].parent_id)
        (parent["children"] if parent else roots).append(node)
    return roots


def banks_for(campaign: Campaign) -> list[dict]:
    """Banks the campaign may draw from (owned by its lead library or a library above it), with the number
    of questions by difficulty and by tag, for the quiz step's picker."""
    lead = campaign.lead_library
    owners = [code for code in lead.path.strip("/").split("/") if code]
    banks = QuestionBank.objects.filter(owner__code__in=owners).annotate(total=Count("questions")).order_by("slug")
    rows = []
    for bank in banks:
        by_difficulty = Counter()
        by_tag = Counter()
        for difficulty, tags in bank.questions.values_list("difficulty", "tags"):
            by_difficulty[difficulty] += 1
            by_tag.update(tags or [])
        rows.append({"bank": bank, "total": bank.total, "by_difficulty": sorted(by_difficulty.items()),
                     "by_tag": by_tag.most_common(20)})
    return rows


def poem_choices() -> list[dict]:
    """The catalogue (database rows, else the shipped list), with whether a model reading exists."""
    stored = {p.key: p for p in Poem.objects.all()}
    rows = []
    for item in file_port.poem_catalogue():
        poem = stored.pop(item["id"], None)
        rows.append({"key": item["id"], "title": item["title"], "author": item["author"],
                     "dynasty": item.get("dynasty", ""), "poem": poem,
                     "has_reading": bool(poem and poem.model_reading)})
    for key, poem in stored.items():
        rows.append({"key": key, "title": poem.title, "author": poem.author, "dynasty": poem.dynasty,
                     "poem": poem, "has_reading": bool(poem.model_reading)})
    return rows


def judge_panels(campaign: Campaign) -> list[dict]:
    """The campaign's judge panels (评审组) and their active judges, with every judge account of the campaign
    (judging.services.campaign_judges) to pick from."""
    from judging.models import Panel
    from judging.services import campaign_judges

    panels = Panel.objects.filter(campaign=campaign).prefetch_related("judges").order_by("name")
    judges = campaign_judges(campaign)
    rows = []
    for panel in panels:
        members = {j.id for j in panel.judges.all() if j.active}
        rows.append({"panel": panel, "judges": [j for j in judges if j.id in members],
                     "choices": [(j, j.id in members) for j in judges]})
    return rows


def campaign_judges(campaign: Campaign) -> list:
    from judging.services import campaign_judges as judges

    return judges(campaign)
