"""Read and validate a whole campaign file, collecting every problem before anything is written.

pydantic checks every field at once; a rule spanning several fields runs only on a model whose fields all
validated. So when a file has errors, the rules are checked once more on what could be read (each rule
sees the readable fields; see campaigns.typed.partial), and the author gets every problem in one go."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from builder.campaign_file.catalog import Catalog
from builder.campaign_file.issues import CampaignFileError, Issue, path_text
from builder.campaign_file.models import CampaignFile
from builder.campaign_file.yaml_io import LineMap, parse
from campaigns.typed import DEFAULT_TIMEZONE, dump_stored, error_messages, partial, partial_problems


@dataclass
class ValidFile:
    model: CampaignFile
    lines: LineMap
    tz: ZoneInfo

    @property
    def data(self) -> dict:
        """The stored form: defaults filled in, date-times as ISO 8601 with offset."""
        return dump_stored(self.model)


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CampaignFileError([Issue(1, "(file)", "文件应为 UTF-8 编码", "the file must be encoded as UTF-8")]) from exc


def campaign_file_validate(*, text: str | None = None, data: dict | None = None,
                           catalog: Catalog | None = None) -> ValidFile:
    """A campaign file (YAML `text`, or already-parsed `data` such as a form's) as a CampaignFile, or
    CampaignFileError listing every problem with its line (1 for `data`) and field path, in both languages."""
    lines = LineMap()
    issues: list[Issue] = []
    if text is not None:
        data, lines, issues = parse(text)
        if data is None:
            raise CampaignFileError(issues)
    if not isinstance(data, dict):
        raise CampaignFileError([*issues, Issue(1, "(file)", "应为键值映射（key: value）", "must be a mapping (key: value)")])
    tz = _timezone(data)
    context = {"tz": tz, "catalog": catalog or Catalog.from_database()}
    try:
        model = CampaignFile.model_validate(data, context=context)
    except ValidationError as exc:
        issues += _issues(exc, data, context, lines)
        raise CampaignFileError(issues) from None
    if issues:
        raise CampaignFileError(issues)
    return ValidFile(model=model, lines=lines, tz=tz)


def _issues(exc: ValidationError, data: dict, context: dict, lines: LineMap) -> list[Issue]:
    found, seen = [], set()

    def add(loc, zh, en):
        issue = Issue(lines.line(loc), path_text(loc), zh, en)
        if issue not in seen:
            seen.add(issue)
            found.append(issue)

    for error in exc.errors():
        if error["type"] != "rule":  # rules are all checked below, on what could be read
            add(*error_messages(error, CampaignFile))
    for problem in partial_problems(partial(CampaignFile, data, context), (), context):
        add(*problem)
    return found


def _timezone(raw) -> ZoneInfo:
    """The campaign's zone, for reading its dates; a bad name is reported by the field itself."""
    name = raw.get("timezone") if isinstance(raw, dict) else None
    try:
        return ZoneInfo(name) if isinstance(name, str) and "/" in name else ZoneInfo(DEFAULT_TIMEZONE)
    except (ValueError, KeyError, OSError):
        return ZoneInfo(DEFAULT_TIMEZONE)
