"""Errors of a campaign file: each names its line and its field path, in Chinese and in English."""

import difflib
from dataclasses import dataclass

Path = tuple[str | int, ...]


def path_text(path: Path) -> str:
    """("events", 2, "entries", "limits") → "events[2].entries.limits"."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(file)"


def did_you_mean(word, choices) -> str | None:
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Issue:
    line: int
    path: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.path}: {self.message_zh} ({self.message_en})"


class CampaignFileError(Exception):
    """The file was refused; `issues` lists every problem found, in file order. Nothing was written."""

    def __init__(self, issues: list[Issue]):
        self.issues = sorted(issues, key=lambda i: (i.line, i.path))
        super().__init__("\n".join(str(i) for i in self.issues))
