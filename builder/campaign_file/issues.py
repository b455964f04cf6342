"""Errors of a campaign file: each names its line and its field path, in Chinese and in English."""

from dataclasses import dataclass

from campaigns.typed import Loc as Path


def path_text(path: Path) -> str:
    """("events", 2, "entries", "limits") → "events[2].entries.limits"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


@dataclass(frozen=True)
class Issue:
    line: int
    path: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.path}: {self.message_zh} ({self.message_en})"

    def as_dict(self) -> dict:
        return {"line": self.line, "path": self.path, "message_zh": self.message_zh, "message_en": self.message_en}


class CampaignFileError(Exception):
    """The file was refused; `issues` lists every problem found, in file order. Nothing was written."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(issues, key=lambda i: (i.line, i.path))
        super().__init__("\n".join(str(i) for i in self.issues))
