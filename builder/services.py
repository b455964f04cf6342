"""What the builder writes: create, save a step, upload, publish and clone campaigns, for one organizer.

Every write goes through the campaign file (builder/file_port.py), so a campaign made in the browser obeys
exactly the rules `loadcampaign` applies; on top of those the builder checks the organizer's scope and that
events fall inside the schedule. Each write is audited with the organizer as actor."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from builder import file_port
from builder.file_port import CampaignFileError, Issue, format_datetime, path_text
from campaigns.audit import audit_record
from campaigns.models import Campaign, Library, User
from campaigns.selectors import organizer_roots, subtree_q, user_can_manage_campaign
from config.errors import UserFacingError

EXAMPLES_DIR = Path(settings.BASE_DIR) / "builder" / "examples"
# The templates 新建活动 offers besides cloning: a blank campaign and the two shipped examples.
TEMPLATES = {
    "blank": ("空白活动", "Blank campaign", None),
    "wangluo-shuxiang-2027": ("网络书香过大年（全国春节阅读，六类项目）", "Spring Festival reading (six kinds of event)",
                              "wangluo-shuxiang-2027.yaml"),
    "tongyin-2027": ("童音诵古韵（古诗词诵读、点赞、专家评审）", "Classical-poem recitation (likes, expert panel)",
                     "tongyin-2027.yaml"),
}
COPY_SUFFIX = "（副本）"


def now_text(tz_name: str = "Asia/Shanghai") -> str:
    return format_datetime(timezone.now(), ZoneInfo(tz_name))


# --- checks the builder adds to the file's own ---------------------------------------------------


def scope_issues(user: User, data: dict, line_of) -> list[Issue]:
    """An organizer's campaigns are led by a library of their subtree and take part only inside it."""
    if user.is_superuser:
        return []
    roots = organizer_roots(user)
    issues = []
    lead = Library.objects.filter(code=data.get("lead_library")).first()
    if lead is not None and not any(lead.is_within(root) for root in roots):
        issues.append(Issue(line_of(("lead_library",)), "lead_library",
                            f"{lead.name}不在您管理的范围内，牵头馆应是您的图书馆",
                            f"{lead.code} is outside your libraries; the lead library must be yours"))
    codes = file_port.Catalog.from_database().participants(data.get("libraries") or {})
    outside = Library.objects.filter(code__in=codes).exclude(
        pk__in=Library.objects.filter(subtree_q(roots)).values("pk"))
    if outside.exists():
        names = "、".join(outside.order_by("path").values_list("name", flat=True)[:5])
        count = outside.count()
        issues.append(Issue(line_of(("libraries",)), "libraries",
                            f"只能选择您管理范围内的图书馆；{names}等 {count} 个不在范围内",
                            f"only libraries of your subtree may take part; {count} chosen are outside it"))
    return issues


def timeline_issues(data: dict, line_of) -> list[Issue]:
    """Events open and close inside the campaign's schedule (and calls for entries inside entries_open)."""
    stages = {s["kind"]: s for s in data.get("stages") or []}
    published = stages.get("published")
    if published is None:
        return []  # a draft without a schedule yet: nothing to fall inside
    start = _moment(published["starts"])
    end = _moment(stages["archived"]["starts"]) if "archived" in stages else _moment(published.get("ends"))
    entries_stage = stages.get("entries_open")
    issues = []
    for i, event in enumerate(data.get("events") or []):
        section = "quiz" if event.get("kind") == "quiz" else "entries"
        window = event.get(section) or {}
        low, high = start, end
        if section == "entries" and entries_stage:
            low, high = _moment(entries_stage["starts"]), _moment(entries_stage.get("ends")) or end
        for key in ("opens", "closes"):
            moment = _moment(window.get(key))
            if moment is None:
                continue
            path = ("events", i, section, key)
            stage_zh = "征集作品（entries_open）阶段" if low is not start else "活动（published 至 archived）"
            stage_en = "the entries_open stage" if low is not start else "the campaign (published to archived)"
            if moment < low or (high is not None and moment > high):
                issues.append(Issue(line_of(path), path_text(path), f"应在{stage_zh}的时间范围内",
                                    f"must fall inside {stage_en}"))
    return issues


def _moment(value) -> datetime | None:
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


# --- writes ------------------------------------------------------------------------------------


def builder_save(*, user: User, data: dict, campaign: Campaign | None = None, step: str = "") -> Campaign:
    """Validate the whole campaign `data` (file form) as loadcampaign would, plus scope and timeline; then
    write it. Raises CampaignFileError listing every problem (nothing is written then)."""
    text = file_port.dict_text(data)
    return _save_text(user=user, text=text, campaign=campaign, action="builder.saved", step=step)


def builder_upload(*, user: User, content: bytes, campaign: Campaign | None = None) -> Campaign:
    """A YAML campaign file from the organizer: creates a campaign, or updates `campaign` (same slug)."""
    text = file_port.decode(content)
    return _save_text(user=user, text=text, campaign=campaign, action="builder.uploaded", require_new=campaign is None)


def _save_text(*, user, text: str, campaign: Campaign | None, action: str, step: str = "",
               require_new: bool = False) -> Campaign:
    data, line_of = file_port.validated(text)
    slug = data["slug"]
    if campaign is not None and slug != campaign.slug:
        raise CampaignFileError([Issue(line_of(("slug",)), "slug", f"活动代码应为 {campaign.slug}（不能在这里修改）",
                                       f"the slug must stay {campaign.slug}")])
    existing = Campaign.objects.filter(slug=slug).select_related("lead_library").first()
    if campaign is None and existing is not None:
        if require_new and user_can_manage_campaign(user, existing):
            campaign = existing  # an upload of a campaign the organizer manages updates it
        else:
            raise CampaignFileError([Issue(line_of(("slug",)), "slug", f"活动代码 {slug} 已被使用，请换一个",
                                           f"the slug {slug} is already used; choose another")])
    if campaign is not None and not user_can_manage_campaign(user, campaign):
        raise UserFacingError("campaign_outside_scope", "这个活动不在您的管理范围内",
                              "this campaign is outside your libraries", status=403)
    issues = scope_issues(user, data, line_of) + timeline_issues(data, line_of)
    if issues:
        raise CampaignFileError(issues)
    result = file_port.load_text(text)
    audit_record(action=action, obj=result.campaign, campaign=result.campaign, actor=user,
                 created=result.created, changes=result.changes, **({"step": step} if step else {}))
    return result.campaign


def template_dict(key: str) -> dict:
    if key not in TEMPLATES:
        raise UserFacingError("template_unknown", "没有这个模板", f"no template {key!r}")
    filename = TEMPLATES[key][2]
    if filename is None:
        return {"events": []}
    value, _lines, issues = file_port.parse((EXAMPLES_DIR / filename).read_text(encoding="utf-8"))
    if issues:
        raise CampaignFileError(issues)
    return value


def builder_create(*, user: User, slug: str, title: str, lead: Library, template: str = "blank",
                   source: Campaign | None = None) -> Campaign:
    """A new draft campaign from a template or a copy of `source`: led by `lead`, taking part in `lead`'s
    subtree unless the template already chose libraries inside the organizer's scope; its schedule is a
    single open draft stage starting now, so nothing is public until the schedule is set and it is published."""
    if source is not None:
        data = file_port.export_dict(source)
    else:
        data = template_dict(template)
    tz = data.get("timezone") or "Asia/Shanghai"
    data.update({"slug": slug, "title": title, "lead_library": lead.code,
                 "stages": [{"kind": "draft", "starts": now_text(tz)}]})
    if lead.level != Library.Level.NATIONAL or not data.get("libraries"):
        data["libraries"] = {"subtrees": [lead.code]}
    return builder_save(user=user, data=data, step="create")


def builder_publish(*, user: User, campaign: Campaign) -> Campaign:
    """End the draft stage now; the campaign is public from its `published` stage on."""
    data = file_port.export_dict(campaign)
    stages = {s["kind"]: s for s in data["stages"]}
    if "published" not in stages:
        raise UserFacingError("publish_without_schedule", "请先在“日程”中设置发布（published）阶段",
                              "set the published stage in the Schedule step first")
    now = now_text(data.get("timezone") or "Asia/Shanghai")
    draft = stages.get("draft")
    if draft is not None and (not draft.get("ends") or draft["ends"] > now):
        if draft["starts"] >= now:
            data["stages"] = [s for s in data["stages"] if s["kind"] != "draft"]
        else:
            draft["ends"] = now
    return builder_save(user=user, data=data, campaign=campaign, step="publish")


def builder_clone(*, user: User, campaign: Campaign, slug: str = "", title: str = "") -> Campaign:
    """A new draft copy of `campaign` (the way to change one that already has entries)."""
    if not user_can_manage_campaign(user, campaign):
        raise UserFacingError("campaign_outside_scope", "这个活动不在您的管理范围内",
                              "this campaign is outside your libraries", status=403)
    slug = slug or free_slug(f"{campaign.slug}-copy")
    title = title or campaign.title[: 120 - len(COPY_SUFFIX)] + COPY_SUFFIX
    copy = builder_create(user=user, slug=slug, title=title, lead=campaign.lead_library, source=campaign)
    audit_record(action="campaign.cloned", obj=copy, campaign=copy, actor=user, source=campaign.slug)
    return copy


def free_slug(base: str) -> str:
    base = base[:74]
    slug, n = base, 2
    while Campaign.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def review_issues(user: User, campaign: Campaign) -> list[Issue]:
    """Every problem the campaign still has: the file's rules (a saved campaign passes them), the builder's
    checks (scope, timeline) and what publishing needs."""
    data = file_port.export_dict(campaign)
    try:
        stored, line_of = file_port.validated(file_port.dict_text(data))
        problems = scope_issues(user, stored, line_of) + timeline_issues(stored, line_of)
    except CampaignFileError as error:
        problems = list(error.issues)
    return problems + readiness_issues(data)


def readiness_issues(data: dict) -> list[Issue]:
    """What a valid draft still lacks before families can take part (shown on Review and Publish)."""
    issues = []
    kinds = {s["kind"] for s in data.get("stages") or []}
    if "published" not in kinds:
        issues.append(Issue(0, "stages", "还没有发布（published）阶段：家庭何时能看到活动？",
                            "no published stage yet: when do families see the campaign?"))
    if "archived" not in kinds:
        issues.append(Issue(0, "stages", "还没有归档（archived）阶段：活动何时结束？",
                            "no archived stage yet: when does the campaign end?"))
    if not data.get("events"):
        issues.append(Issue(0, "events", "还没有活动项目", "no event yet"))
    from events.models import QuestionBank

    for i, event in enumerate(data.get("events") or []):
        bank = (event.get("quiz") or {}).get("bank")
        if bank and not QuestionBank.objects.filter(slug=bank).exists():
            issues.append(Issue(0, f"events[{i}].quiz.bank", f"题库 “{bank}” 不存在：请导入题库并选用",
                                f"no question bank '{bank}': import one and choose it"))
        if event.get("kind") != "quiz" and "entries_open" not in kinds:
            issues.append(Issue(0, f"events[{i}]", f"“{event.get('title')}”收作品，需要征集作品（entries_open）阶段",
                                f"'{event.get('slug')}' takes entries and needs an entries_open stage"))
    return issues
