"""Read and validate a whole campaign file, collecting every problem before anything is written."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from campaigns.campaign_file import rules
from campaigns.campaign_file.catalog import Catalog
from campaigns.campaign_file.fields import INVALID, Context
from campaigns.campaign_file.issues import CampaignFileError, Issue
from campaigns.campaign_file.schema import CAMPAIGN
from campaigns.campaign_file.yaml_io import LineMap, parse

DEFAULT_TIMEZONE = "Asia/Shanghai"


@dataclass
class ValidFile:
    data: dict  # the stored form: defaults filled in, date-times as ISO 8601 with offset
    lines: LineMap
    tz: ZoneInfo


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignFileError([Issue(1, "(file)", "文件应为 UTF-8 编码", "the file must be encoded as UTF-8")]) from exc


def campaign_file_validate(*, text: str, catalog: Catalog | None = None) -> ValidFile:
    raw, lines, issues = parse(text)
    if raw is None:
        raise CampaignFileError(issues)
    ctx = Context(lines, _timezone(raw))
    ctx.issues.extend(issues)
    data = CAMPAIGN.clean(raw, (), ctx)
    if data is not INVALID:
        rules.check(data, ctx, catalog or Catalog.from_database())
    if ctx.issues:
        raise CampaignFileError(ctx.issues)
    return ValidFile(data=data, lines=lines, tz=ctx.tz)


def _timezone(raw) -> ZoneInfo:
    """The campaign's zone, for reading its dates; a bad name is reported by the field itself."""
    name = raw.get("timezone") if isinstance(raw, dict) else None
    try:
        return ZoneInfo(name) if isinstance(name, str) and "/" in name else ZoneInfo(DEFAULT_TIMEZONE)
    except (ValueError, KeyError, OSError):
        return ZoneInfo(DEFAULT_TIMEZONE)
