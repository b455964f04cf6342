"""Once a campaign has entries, only its texts, schedule and communication may change.

Anything else (events, media, limits, age groups, rubrics, the final formula, awards...) would change the
rules under which entries were made; such a load is refused with a suggestion to clone the campaign."""

from builder.campaign_file.catalog import Catalog
from builder.campaign_file.export import campaign_file_dict
from builder.campaign_file.issues import CampaignFileError, Issue, Path, path_text
from builder.campaign_file.validate import ValidFile
from campaigns.entry_counters import campaign_entry_count
from campaigns.models import Campaign
from campaigns.typed import dump_file

# Paths that may change while entries exist ("*" = any list index). Libraries are compared separately:
# more may join, none may leave.
EDITABLE: list[Path] = [
    ("title",), ("title_en",), ("theme",), ("rules",), ("stages",), ("libraries",), ("wechat",), ("pushes",),
    ("age_groups", "*", "label"),
    ("events", "*", "title"), ("events", "*", "description"),
    ("events", "*", "entries", "opens"), ("events", "*", "entries", "closes"),
    ("events", "*", "quiz", "opens"), ("events", "*", "quiz", "closes"),
    ("judging", "rounds", "*", "title"), ("judging", "rounds", "*", "opens"), ("judging", "rounds", "*", "closes"),
    ("judging", "rounds", "*", "panel"),  # who judges, not the rules entries were made under
    ("awards", "*", "title"),
]


def structural_changes(campaign: Campaign, new: ValidFile) -> list[Path]:
    """Paths of the file whose change would alter the rules entries were made under."""
    old_form = _strip(campaign_file_dict(campaign), ())
    new_form = _strip(dump_file(new.model, new.tz), ())
    return list(_differences(old_form, new_form, ()))


def check_edit_allowed(campaign: Campaign, new: ValidFile, catalog: Catalog) -> None:
    entries = campaign_entry_count(campaign)
    if not entries:
        return
    changed = structural_changes(campaign, new)
    current = set(campaign.branches.values_list("library__code", flat=True))
    leaving = sorted(current - catalog.participants(new.model.libraries))
    zh_tail = f"活动已有 {entries} 件作品，此项不能再修改；请先复制活动（manage.py clonecampaign {campaign.slug} 新代码）再修改副本"
    en_tail = (f"the campaign already has {entries} entries, so this can no longer change; "
               f"clone it (manage.py clonecampaign {campaign.slug} NEW_SLUG) and edit the copy")
    issues = [Issue(new.lines.line(path), path_text(path), zh_tail, en_tail) for path in changed]
    if leaving:
        shown = "、".join(leaving[:10]) + ("…" if len(leaving) > 10 else "")
        issues.append(Issue(new.lines.line(("libraries",)), "libraries",
                            f"不能移除已参与的图书馆 {shown}（共 {len(leaving)} 个）；{zh_tail}",
                            f"participating libraries cannot leave ({len(leaving)}: {', '.join(leaving[:10])}); {en_tail}"))
    if issues:
        raise CampaignFileError(issues)


def _editable(path: Path) -> bool:
    return any(len(path) == len(rule) and all(r == "*" or r == p for r, p in zip(rule, path, strict=True))
               for rule in EDITABLE)


def _strip(value, path: Path):
    if isinstance(value, dict):
        return {k: _strip(v, (*path, k)) for k, v in value.items() if not _editable((*path, k))}
    if isinstance(value, list):
        return [_strip(v, (*path, "*")) for v in value]
    return value


def _differences(old, new, path: Path):
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _differences(old.get(key), new.get(key), (*path, key))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from _differences(a, b, (*path, index))
    elif old != new:
        yield path
