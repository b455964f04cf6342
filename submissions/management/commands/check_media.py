"""check_media FILE [FILE ...] [--kind audio|image|essay|video] [--event SLUG]

Runs each file through exactly the validation and processing an upload gets
(submissions.media.analyse) and prints one JSON object per line:
{"file", "accepted", "kind", "duration_s", "reason_code", "message_zh", "message_en"}.
Exit status 0 when every file could be judged (accepted or refused), 1 otherwise."""

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from submissions.media import KINDS, MediaRefused, analyse
from submissions.media.limits import kind_for_event, limits_for

BY_SUFFIX = {
    **dict.fromkeys((".mp3", ".wav", ".m4a", ".aac", ".webm", ".ogg", ".oga", ".opus", ".amr", ".spx", ".flac",
                     ".wma", ".3gp", ".silk"), "audio"),
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg", ".heic", ".bmp", ".tif", ".tiff"), "image"),
    **dict.fromkeys((".txt", ".docx", ".doc", ".md", ".rtf", ".pdf"), "essay"),
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".avi", ".mkv", ".wmv", ".flv"), "video"),
}


def guess_kind(path: Path) -> str:
    """The kind of contest the file is meant for (its content is still checked against that kind)."""
    if path.suffix.lower() in BY_SUFFIX:
        return BY_SUFFIX[path.suffix.lower()]
    from submissions.media.probe import looks_like_text, sniff

    if not path.is_file():
        return "audio"
    magic = sniff(path)
    if magic in ("jpeg", "png", "gif"):
        return "image"
    if magic in ("zip", "ole", "pdf") or looks_like_text(path):
        return "essay"
    if magic == "mp4":
        return "video"
    return "audio"


class Command(BaseCommand):
    help = "Check media files exactly as uploads are checked; one JSON line per file."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--kind", choices=KINDS, help="audio | image | essay | video (default: by event or file)")
        parser.add_argument("--event", metavar="SLUG", help="use this event's limits and media kind")

    def handle(self, *args, **options):
        event = None
        if options["event"]:
            from events.models import Event

            slug = options["event"]
            campaign_slug, _, event_slug = slug.rpartition("/")
            qs = Event.objects.filter(slug=event_slug)
            if campaign_slug:
                qs = qs.filter(campaign__slug=campaign_slug)
            event = qs.select_related("campaign").order_by("-campaign__created_at").first()
            if event is None:
                raise CommandError(f"找不到活动项目 {slug} (no event with slug {slug!r}; use SLUG or CAMPAIGN/SLUG)")
        all_judged = True
        for name in options["files"]:
            path = Path(name)
            kind = options["kind"] or (kind_for_event(event) if event else guess_kind(path))
            line = {"file": name, "accepted": False, "kind": kind, "duration_s": None,
                    "reason_code": None, "message_zh": None, "message_en": None}
            if not path.is_file():
                line.update(reason_code="file_not_found", message_zh="找不到文件或无法读取", message_en="File not found or unreadable")
                all_judged = False
            else:
                with tempfile.TemporaryDirectory(prefix="check-media-") as workdir:
                    try:
                        result = analyse(path, kind=kind, limits=limits_for(kind, event), workdir=Path(workdir),
                                         original_name=path.name)
                        line.update(accepted=True, duration_s=result.duration_s)
                    except MediaRefused as refusal:
                        line.update(reason_code=refusal.code, message_zh=refusal.message_zh,
                                    message_en=refusal.message_en)
                    except Exception as exc:  # noqa: BLE001 - report, keep going with the other files
                        line.update(reason_code="internal_error", message_zh="检查时出错，请联系技术支持",
                                    message_en=f"Internal error while checking: {exc.__class__.__name__}")
                        all_judged = False
            self.stdout.write(json.dumps(line, ensure_ascii=False))
        if not all_judged:
            raise SystemExit(1)
