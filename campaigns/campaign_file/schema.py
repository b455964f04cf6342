"""The campaign file's key layout, declared once: the validator, the exporter and the docs test read it.

docs/campaign-file.md describes every field declared here (a test checks that none is missing)."""

from campaigns.campaign_file.fields import (
    AllOr,
    Boolean,
    Choice,
    Date,
    DateTime,
    Integer,
    ListOf,
    MapOf,
    Number,
    Slug,
    Struct,
    Text,
    TimeOfDay,
    TimeZoneName,
)

STAGE_KINDS = ["draft", "published", "entries_open", "likes_open", "judging", "publicity", "results", "archived"]
LIBRARY_LEVELS = ["national", "provincial", "city", "county"]
EVENT_KINDS = ["quiz", "recitation", "essay", "photo", "drawing", "video"]
MEDIA = ["audio", "image", "essay", "video"]
CHANNELS = ["web", "wechat_voice"]
CONSENT_PURPOSES = ["judging", "gallery", "publish_name"]
SCOPES = ["library", "city", "province", "national"]
WECHAT_ACTIONS = ["quiz", "register", "my_entries", "campaign", "login", "reading"]
TIE_BREAKS = ["priority_criterion", "head_to_head", "chief", "calibrated", "trimmed_mean", "raw_mean", "likes"]

# Which media each kind of event may accept, and which limits apply to which media.
MEDIA_BY_KIND = {"recitation": ["audio", "video"], "essay": ["essay"], "photo": ["image"],
                 "drawing": ["image"], "video": ["video"]}
LIMIT_MEDIA = {"min_seconds": ["audio", "video"], "max_seconds": ["audio", "video"], "max_chars": ["essay"],
               "max_megapixels": ["image"], "max_bytes": MEDIA}

STAGE = Struct({
    "kind": Choice(STAGE_KINDS, required=True),
    "starts": DateTime(required=True),
    "ends": DateTime(),
})

LIBRARIES = Struct({
    "all": Boolean(),
    "codes": ListOf(Text(max_length=32), unique=True),
    "levels": ListOf(Choice(LIBRARY_LEVELS), unique=True),
    "subtrees": ListOf(Text(max_length=32), unique=True),
}, required=True)

AGE_GROUP = Struct({
    "key": Slug(max_length=40, required=True),
    "label": Text(max_length=60, required=True),
    "min_age": Integer(min=0, max=99, required=True),
    "max_age": Integer(min=0, max=99, required=True),
})

LIMITS = Struct({
    "min_seconds": Number(gt=0),
    "max_seconds": Number(gt=0),
    "max_bytes": Integer(min=1),
    "max_chars": Integer(min=1),
    "max_megapixels": Number(gt=0),
})

ENTRIES = Struct({
    "media": ListOf(Choice(MEDIA), min_items=1, unique=True, required=True),
    "channels": ListOf(Choice(CHANNELS), min_items=1, unique=True, default=["web"]),
    # One live entry per child per event is a database constraint of submissions: only 1 is accepted for now.
    "per_child": Integer(min=1, max=1, default=1),
    "limits": LIMITS,
    "poems": AllOr(ListOf(Slug(), min_items=1, unique=True)),
    "consent_required": ListOf(Choice(CONSENT_PURPOSES), unique=True, default=["judging"]),
    "opens": DateTime(),
    "closes": DateTime(),
})

QUIZ = Struct({
    "bank": Slug(required=True),
    "questions": Integer(min=1, max=500, required=True),
    "draw": ListOf(Struct({
        "difficulty": Integer(min=1, max=5),
        "tag": Text(max_length=40),
        "count": Integer(min=1, required=True),
    }), min_items=1),
    "shuffle_options": Boolean(default=True),
    "time_limit": Struct({
        "per_question_seconds": Integer(min=1, max=3600),
        "paper_seconds": Integer(min=1, max=86400),
    }),
    "attempts": Struct({
        "per_day": Integer(min=1),
        "per_campaign": Integer(min=1),
    }),
    "scoring": Struct({
        "formula": Choice(["fixed", "time_bonus", "kahoot"], default="fixed"),
        "points": Number(gt=0, default=100),
        "bonus_per_second": Number(ge=0),
        "multiple_partial": Choice(["none", "proportional"], default="none"),
    }, fill=True),
    "tie_break": ListOf(Choice(["score", "total_time", "finished_at"]), min_items=1, unique=True,
                        default=["score", "total_time", "finished_at"]),
    "explanations": Choice(["after_each", "at_end", "never"], default="at_end"),
    "practice": Boolean(default=False),
    "members_only": Boolean(default=False),
    "opens": DateTime(),
    "closes": DateTime(),
})

EVENT = Struct({
    "slug": Slug(required=True),
    "kind": Choice(EVENT_KINDS, required=True),
    "title": Text(max_length=120, required=True),
    "description": Text(default=""),
    "age_groups": ListOf(Slug(max_length=40), unique=True, default=[]),
    "entries": ENTRIES,
    "quiz": QUIZ,
})

CRITERION = Struct({
    "key": Slug(max_length=40, required=True),
    "label": Text(max_length=60, required=True),
    "weight": Number(gt=0, required=True),
    "min": Number(ge=0, default=0),
    "max": Number(gt=0, default=10),
    "priority": Integer(min=1),
})

ROUND = Struct({
    "key": Slug(max_length=40, required=True),
    "event": Slug(required=True),
    "title": Text(max_length=120, required=True),
    "scope": Choice(SCOPES, required=True),
    "method": Choice(["rubric", "comparative"], default="rubric"),
    "judges_per_entry": Integer(min=1, max=20, default=3),
    "comparisons_per_entry": Integer(min=2, max=60, default=10),
    "rubric": ListOf(CRITERION, min_items=1),
    "advance": Struct({"top": Integer(min=1), "top_percent": Number(gt=0, le=100)}),
    "opens": DateTime(),
    "closes": DateTime(),
    "tolerance": Number(ge=0, default=15),
    "same_city_conflict": Boolean(default=False),
    "anchors": Integer(min=0, max=50, default=2),
})

JUDGING = Struct({
    "official_score": Choice(["calibrated", "trimmed_mean", "raw_mean"], default="calibrated"),
    "tie_break": ListOf(Choice(TIE_BREAKS), min_items=1, unique=True,
                        default=["priority_criterion", "head_to_head", "chief"]),
    "rounds": ListOf(ROUND, min_items=1, required=True),
})

LIKES = Struct({
    "event": Slug(required=True),
    "per_voter_per_entry_per_day": Integer(min=1, default=1),
    "per_voter_per_day": Integer(min=1, default=20),
    "per_minute": Integer(min=1, default=10),
    "burst_per_network_10min": Integer(min=1, default=15),
})

SCORING = Struct({
    "formula": Text(max_length=200, required=True),
    "likes_normalisation": Choice(["max_in_scope"], default="max_in_scope"),
})

AWARD = Struct({
    "key": Slug(max_length=40, required=True),
    "title": Text(max_length=60, required=True),
    "count": Integer(min=1, required=True),
    "event": Slug(required=True),
    "scope": Choice(SCOPES, default="national"),
})

WECHAT = Struct({
    "keywords": MapOf(Text(max_length=20), Choice(WECHAT_ACTIONS), default={}),
    "menu": MapOf(Text(max_length=64, pattern=r"[A-Z0-9_]+", pattern_zh="菜单键只能用大写字母、数字和下划线",
                       pattern_en="menu keys use capital letters, digits and underscores"), Choice(WECHAT_ACTIONS), default={}),
})

_LINK = r"(?:https?://|/)\S+"
ARTICLE = Struct({
    "title": Text(max_length=64, required=True),
    "author": Text(max_length=16),
    "digest": Text(max_length=120),
    "cover": Text(max_length=255),
    "content": Text(required=True),
    "link": Text(max_length=255, pattern=_LINK, pattern_zh="应为 http(s):// 网址或以 / 开头的站内路径",
                 pattern_en="must be an http(s):// address or a site path starting with /"),
})

PUSH = Struct({
    "key": Slug(max_length=40, required=True),
    "title": Text(max_length=64, required=True),
    "audience": AllOr(Struct({"tag": Text(max_length=30, required=True)}), default="all"),
    "schedule": Struct({"at": DateTime(), "daily_at": TimeOfDay(), "from": Date(), "to": Date()}, required=True),
    "articles": ListOf(ARTICLE, min_items=1, required=True),
})

CAMPAIGN = Struct({
    "slug": Slug(max_length=80, required=True),
    "title": Text(max_length=120, required=True),
    "title_en": Text(max_length=160, default=""),
    "theme": Text(default=""),
    "rules": Text(default=""),
    "lead_library": Text(max_length=32, required=True),
    "timezone": TimeZoneName(default="Asia/Shanghai"),
    "retention_days": Integer(min=30, max=3650, default=365),
    "stages": ListOf(STAGE, min_items=1, required=True),
    "libraries": LIBRARIES,
    "age_groups": ListOf(AGE_GROUP, default=[]),
    "events": ListOf(EVENT, default=[]),
    "judging": JUDGING,
    "likes": LIKES,
    "scoring": SCORING,
    "awards": ListOf(AWARD, default=[]),
    "wechat": WECHAT,
    "pushes": ListOf(PUSH, default=[]),
}, required=True)

# Sections kept in Campaign.config for the apps that own them.
CONFIG_SECTIONS = ["retention_days", "judging", "likes", "scoring", "awards", "wechat", "pushes"]


def register_sections(*, campaign: dict | None = None, event: dict | None = None, event_kinds=()) -> None:
    """Later apps add their own sections to the file from AppConfig.ready(), each typed by the app's
    own model (fields.Typed), without campaigns importing them: e.g. reading adds the event kind
    `reading` with its `reading:` section and the campaign's `points:`, `badges:` and `goal:`.
    Campaign sections are kept in Campaign.config; event sections in Event.settings."""
    for name, field in (campaign or {}).items():
        CAMPAIGN.fields[name] = field
        if name not in CONFIG_SECTIONS:
            CONFIG_SECTIONS.append(name)
    for name, field in (event or {}).items():
        EVENT.fields[name] = field
    for kind in event_kinds:
        if kind not in EVENT_KINDS:
            EVENT_KINDS.append(kind)
            EVENT.fields["kind"].choices.append(kind)
            EXTRA_EVENT_KINDS.add(kind)


EXTRA_EVENT_KINDS: set[str] = set()  # kinds whose section is their own (no entries:/quiz:)
# Keys of an event that are model columns; everything else of the event's section is Event.settings.
EVENT_COLUMNS = ["slug", "kind", "title", "description", "age_groups"]
