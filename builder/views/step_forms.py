"""Each step's fields: `context` gives its template what it shows, `apply` turns a POST back into the
campaign's file form. Values are passed on as typed; the campaign file's validation judges them."""

from django.contrib import messages
from django.utils.text import slugify
from pydantic import ValidationError

from builder import selectors
from builder.file_port import CHANNELS, CONSENT_PURPOSES, EVENT_KINDS, LIBRARY_LEVELS, MEDIA_BY_KIND, STAGE_KINDS
from builder.forms.awards import AwardsPage
from builder.forms.judging import JudgingPage
from builder.forms.wechat import WechatPage
from builder.views.common import datetime_field, datetime_input, number
from campaigns.models import Library, Stage
from config.errors import UserFacingError
from config.params import int_param
from events.bank_import import questions_import
from events.models import QuestionBank
from events.scoring import points_for
from events.sections import Quiz

MAX_FORM_ROWS = 200  # age groups, draw rules: rows a form can carry (a larger count is clamped, not looped)

AGE_ROWS_EXTRA = 2
OPTIONAL_TEXTS = {"title_en", "theme", "rules", "timezone"}
KIND_LABELS = {"quiz": "答题 Quiz", "recitation": "诵读 Recitation", "essay": "征文 Essay", "photo": "摄影 Photo",
               "drawing": "绘画 Drawing", "video": "微视频 Micro-video", "reading": "阅读打卡 Reading check-in"}
LEVEL_LABELS = dict(Library.Level.choices)
STAGE_LABELS = dict(Stage.Kind.choices)


def _keep_order(previous, chosen: list) -> list:
    """The ticked values in the order the campaign already had them, newly ticked ones after."""
    previous = previous if isinstance(previous, list) else []
    return [v for v in previous if v in chosen] + [v for v in chosen if v not in previous]


def _clean(section: dict) -> dict:
    """Drop keys left empty, so the file's defaults apply."""
    return {k: v for k, v in section.items() if v not in (None, "", [], {})}


class BasicsForm:
    @staticmethod
    def context(request, campaign, data, issues=()):
        groups = list(data.get("age_groups") or [])
        leads = {lib.code: lib for lib in selectors.lead_choices(request.user)}
        leads.setdefault(campaign.lead_library.code, campaign.lead_library)
        return {"age_rows": groups + [{}] * AGE_ROWS_EXTRA, "leads": list(leads.values())}

    @staticmethod
    def apply(request, data, campaign):
        post = request.POST
        for key in ("title", "title_en", "theme", "rules", "lead_library", "timezone"):
            data[key] = post.get(key, "").strip()
            if not data[key] and key in OPTIONAL_TEXTS:
                data.pop(key)  # the file's default applies
        data["retention_days"] = number(post.get("retention_days")) or 365
        groups = []
        for i in range(int_param(post.get("age_rows"), lo=0, hi=MAX_FORM_ROWS, default=0, clamp=True)):
            row = {k: post.get(f"age_{k}_{i}", "").strip() for k in ("key", "label", "min_age", "max_age")}
            if not any(row.values()):
                continue
            row["min_age"], row["max_age"] = number(row["min_age"]), number(row["max_age"])
            groups.append(row)
        data["age_groups"] = groups
        return data


class ScheduleForm:
    @staticmethod
    def context(request, campaign, data, issues=()):
        stages = {s["kind"]: s for s in data.get("stages") or []}
        rows = [{"kind": kind, "label": STAGE_LABELS[kind], "starts": datetime_input(stages.get(kind, {}).get("starts")),
                 "ends": datetime_input(stages.get(kind, {}).get("ends"))} for kind in STAGE_KINDS]
        return {"stage_rows": rows, "timeline": timeline(data)}

    @staticmethod
    def apply(request, data, campaign):
        stages = []
        for kind in STAGE_KINDS:
            starts = datetime_field(request.POST.get(f"starts_{kind}"))
            ends = datetime_field(request.POST.get(f"ends_{kind}"))
            if starts or ends:
                stages.append(_clean({"kind": kind, "starts": starts, "ends": ends}) | {"starts": starts})
        data["stages"] = stages
        return data


def timeline(data: dict) -> dict | None:
    """Bars for the stages and the events' windows, as percentages of the whole span."""
    bars = []
    for s in data.get("stages") or []:
        if s.get("starts"):
            bars.append({"label": STAGE_LABELS.get(s["kind"], s["kind"]), "start": s["starts"],
                         "end": s.get("ends"), "kind": "stage"})
    for e in data.get("events") or []:
        window = e.get("quiz") or e.get("entries") or {}
        if window.get("opens") or window.get("closes"):
            bars.append({"label": e.get("title", ""), "start": window.get("opens"), "end": window.get("closes"),
                         "kind": "event"})
    moments = sorted(m for b in bars for m in (b["start"], b["end"]) if m)
    if len(moments) < 2 or moments[0] == moments[-1]:
        return None
    first, last = _minutes(moments[0]), _minutes(moments[-1])
    span = last - first
    for b in bars:
        start = _minutes(b["start"]) if b["start"] else first
        end = _minutes(b["end"]) if b["end"] else last
        b["left"] = round(100 * (start - first) / span, 2)
        b["width"] = max(0.8, round(100 * (end - start) / span, 2))
    return {"bars": bars, "first": moments[0], "last": moments[-1]}


def _minutes(text: str) -> int:
    from datetime import datetime
    return int(datetime.fromisoformat(text).timestamp() // 60)


class ParticipationForm:
    @staticmethod
    def context(request, campaign, data, issues=()):
        section = data.get("libraries") or {}
        branches = campaign.branches.select_related("library").order_by("library__path")
        return {
            "section": section, "tree": selectors.library_tree(request.user), "levels": LIBRARY_LEVELS,
            "level_labels": LEVEL_LABELS, "chosen_subtrees": set(section.get("subtrees") or []),
            "chosen_codes": set(section.get("codes") or []), "chosen_levels": set(section.get("levels") or []),
            "branches": branches[:60], "branch_count": branches.count(),
        }

    @staticmethod
    def apply(request, data, campaign):
        post = request.POST
        if post.get("mode") == "all":
            data["libraries"] = {"all": True}
        else:
            old = data.get("libraries") or {}
            data["libraries"] = _clean({key: _keep_order(old.get(key), post.getlist(name)) for key, name in
                                        (("subtrees", "subtree"), ("codes", "code"), ("levels", "level"))})
        return data


class EventsForm:
    """The list of events: add, remove, reorder. Each event's settings have their own page (EventForm)."""

    @staticmethod
    def context(request, campaign, data, issues=()):
        return {"kinds": [(k, KIND_LABELS[k]) for k in EVENT_KINDS], "kind_labels": KIND_LABELS}

    @staticmethod
    def apply(request, data, campaign):
        post, events = request.POST, data.setdefault("events", [])
        action = post.get("action", "")
        if action == "add":
            kind = post.get("kind", "")
            title = post.get("title", "").strip()
            slug = post.get("slug", "").strip() or slugify(title) or f"{kind}-{len(events) + 1}"
            event = {"slug": slug, "kind": kind, "title": title,
                     "age_groups": [g["key"] for g in data.get("age_groups") or []]}
            if kind == "quiz":
                # A bank is required by the file; start from the first usable one (readiness flags a missing one).
                banks = selectors.banks_for(campaign)
                event["quiz"] = {"bank": banks[0]["bank"].slug if banks else "choose-a-bank", "questions": 10}
            elif kind == "reading":
                event["reading"] = {}  # the rules' defaults (reading/config.py) until the organizer sets them
            else:
                event["entries"] = {"media": MEDIA_BY_KIND.get(kind, ["essay"])[:1]}
            events.append(event)
        elif action.startswith("remove:"):
            index = int_param(action.split(":")[1], lo=0, default=-1)
            if 0 <= index < len(events):
                events.pop(index)
        elif action.startswith("up:"):
            index = int_param(action.split(":")[1], lo=0, default=-1)
            if 0 < index < len(events):
                events[index - 1], events[index] = events[index], events[index - 1]
        return data


class EventForm:
    @staticmethod
    def context(request, campaign, data, index):
        event = data["events"][index]
        quiz = event.get("quiz") or {}
        entries = event.get("entries") or {}
        context = {"event": event, "index": index, "kind_label": KIND_LABELS.get(event.get("kind"), ""),
                   "age_groups": data.get("age_groups") or [],
                   "opens": datetime_input((quiz or entries).get("opens")),
                   "closes": datetime_input((quiz or entries).get("closes"))}
        if event.get("kind") == "reading":
            rules = event.get("reading") or {}
            context.update({"reading": rules, "reading_list_text": "\n".join(
                f"{b.get('title', '')} / {b.get('author', '')}".rstrip(" /") for b in rules.get("reading_list") or [])})
        elif event.get("kind") == "quiz":
            draws = list(quiz.get("draw") or [])
            context.update({
                "quiz": quiz, "banks": selectors.banks_for(campaign), "draw_rows": draws + [{}] * 3,
                "worked": worked_example(quiz),
            })
        else:
            chosen = entries.get("poems")
            context.update({
                "entry_settings": entries, "limits": entries.get("limits") or {},
                "media_choices": MEDIA_BY_KIND.get(event.get("kind"), []), "channels": CHANNELS,
                "consent_purposes": CONSENT_PURPOSES,
                "poems": selectors.poem_choices() if event.get("kind") == "recitation" else [],
                "all_poems": chosen in (None, "all"), "chosen_poems": set(chosen if isinstance(chosen, list) else []),
            })
        return context

    @staticmethod
    def apply(request, data, campaign, index):
        post, event = request.POST, data["events"][index]
        event["title"] = post.get("title", "").strip()
        event["description"] = post.get("description", "").strip()
        if not event["description"]:
            event.pop("description")
        event["age_groups"] = _keep_order(event.get("age_groups"), post.getlist("age_group"))
        window = {"opens": datetime_field(post.get("opens")), "closes": datetime_field(post.get("closes"))}
        if event.get("kind") == "reading":
            books = []
            for line in post.get("reading_list", "").splitlines():
                title, _, author = line.partition("/")
                if title.strip():
                    books.append(_clean({"title": title.strip(), "author": author.strip()}))
            event["reading"] = _clean({key: number(post.get(key)) for key in (
                "max_minutes_per_log", "max_logs_per_day", "backdate_days", "photo_required_over_minutes",
                "night_flag_minutes")}) | ({"reading_list": books} if books else {})
        elif event.get("kind") == "quiz":
            quiz = event.get("quiz") or {}
            draws = []
            for i in range(int_param(post.get("draw_rows"), lo=0, hi=MAX_FORM_ROWS, default=0, clamp=True)):
                by = post.get(f"draw_by_{i}", "difficulty")
                value, count = post.get(f"draw_value_{i}", "").strip(), number(post.get(f"draw_count_{i}"))
                if not value and count is None:
                    continue
                draws.append({by: number(value) if by == "difficulty" else value, "count": count})
            scoring = _clean({"formula": post.get("formula"), "points": number(post.get("points")),
                              "bonus_per_second": number(post.get("bonus_per_second")) if post.get("formula") == "time_bonus" else None,
                              "multiple_partial": post.get("multiple_partial")})
            quiz.update({
                "bank": post.get("bank", "").strip(), "questions": number(post.get("questions")), "draw": draws,
                "time_limit": _clean({"per_question_seconds": number(post.get("per_question_seconds")),
                                      "paper_seconds": number(post.get("paper_seconds"))}),
                "attempts": _clean({"per_day": number(post.get("per_day")),
                                    "per_campaign": number(post.get("per_campaign"))}),
                "scoring": scoring, "explanations": post.get("explanations") or "at_end",
                "shuffle_options": bool(post.get("shuffle_options")), "practice": bool(post.get("practice")),
                "members_only": bool(post.get("members_only")), **window,
            })
            event["quiz"] = _clean(quiz) | {"shuffle_options": quiz["shuffle_options"], "practice": quiz["practice"],
                                            "members_only": quiz["members_only"]}
        else:
            entries = event.get("entries") or {}
            limits = _clean({key: number(post.get(f"limit_{key}")) for key in
                             ("min_seconds", "max_seconds", "max_bytes", "max_chars", "max_megapixels")})
            entries.update({"media": _keep_order(entries.get("media"), post.getlist("media")),
                            "channels": _keep_order(entries.get("channels"), post.getlist("channel")) or ["web"],
                            "limits": limits,
                            "consent_required": _keep_order(entries.get("consent_required"), post.getlist("consent")),
                            **window})
            if event.get("kind") == "recitation":
                entries["poems"] = "all" if post.get("poems_mode") == "all" else \
                    _keep_order(entries.get("poems"), post.getlist("poem"))
            event["entries"] = _clean(entries) | {"consent_required": entries["consent_required"]}
        return data


def worked_example(quiz: dict) -> list[dict]:
    """Points for a right answer after 5 s and after 15 s, by this quiz's formula (events/scoring.py)."""
    shown = {key: quiz[key] for key in ("questions", "scoring", "time_limit") if quiz.get(key)}
    try:
        settings = Quiz.model_validate({"bank": "example", "questions": 10, **shown}, context={"stored": True})
    except ValidationError:
        return []
    return [{"seconds": t, "points": points_for(settings=settings, share=1.0, seconds=t),
             "limit": settings.question_seconds, "formula": settings.formula, "base": settings.base_points,
             "bonus": settings.bonus_per_second} for t in (5, 15)]


def bank_import(request, campaign) -> None:
    """Import (or update) a question bank owned by the campaign's lead library from an XLSX/CSV upload."""
    upload = request.FILES.get("bank_file")
    title = request.POST.get("bank_title", "").strip()
    slug = slugify(request.POST.get("bank_slug", "").strip())
    if upload is None or not slug:
        messages.error(request, "请填写题库代码并选择文件 Give the bank a slug and choose a file")
        return
    bank = QuestionBank.objects.filter(slug=slug).first()
    if bank is not None and bank.owner_id != campaign.lead_library_id:
        messages.error(request, f"题库代码 {slug} 已被其他图书馆使用 The slug {slug} belongs to another library's bank")
        return
    try:
        if bank is None:
            bank = QuestionBank(slug=slug, title=title or slug, owner=campaign.lead_library)
            result = None
            from django.db import transaction
            with transaction.atomic():
                bank.save()
                result = questions_import(bank=bank, data=upload.read(), filename=upload.name)
        else:
            result = questions_import(bank=bank, data=upload.read(), filename=upload.name)
    except UserFacingError as error:
        messages.error(request, str(error))
        return
    from campaigns.audit import audit_record
    audit_record(action="bank.imported", obj=bank, campaign=campaign, actor=request.user, total=result.total)
    messages.success(request, f"题库“{bank.title}”已导入 {result.total} 题 Imported {result.total} questions")


class Unsaved(Exception):
    """The page changed (a row was added, a preview asked for) but nothing is to be saved yet."""


class PageStep:
    """A step whose forms are generated from the typed sections (builder/forms/): judging, awards, WeChat.
    A POST binds the page; "添加一行 Add a row" (`more`) or a preview (`refresh`) shows it again unsaved."""

    def __init__(self, page_class):
        self.page_class = page_class

    def context(self, request, campaign, data, issues=()):
        page = getattr(request, "_builder_page", None) or self.page_class(data, campaign=campaign)
        page.errors.attach(issues)
        return {"page": page}

    def apply(self, request, data, campaign):
        post = request.POST.copy()
        target = post.get("more", "")
        added = bool(target) and self.page_class.add_row(post, target)
        page = request._builder_page = self.page_class(data, post, campaign=campaign)
        if added or post.get("refresh"):
            raise Unsaved
        return page.compose(data)


FORMS = {
    "basics": BasicsForm, "schedule": ScheduleForm, "participation": ParticipationForm, "events": EventsForm,
    "judging": PageStep(JudgingPage), "awards": PageStep(AwardsPage), "wechat": PageStep(WechatPage),
}
