"""Refusals of a file: a stable reason code and a message the family can act on (Chinese first)."""

from config.errors import UserFacingError


class MediaRefused(UserFacingError):
    """The file cannot become an entry; the code is shared by pages, the API and check_media."""

    status = 422


def refuse(code: str, message_zh: str, message_en: str, **extra) -> MediaRefused:
    return MediaRefused(code, message_zh, message_en, **extra)


def fmt_seconds(seconds: float) -> tuple[str, str]:
    """Human durations: ("5 分钟", "5 min") / ("3 秒", "3 s")."""
    seconds = float(seconds)
    if seconds >= 60 and seconds % 60 == 0:
        minutes = int(seconds // 60)
        return f"{minutes} 分钟", f"{minutes} min"
    if seconds >= 60:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} 分 {rest} 秒", f"{minutes} min {rest} s"
    text = f"{seconds:.1f}".rstrip("0").rstrip(".")
    return f"{text} 秒", f"{text} s"


def fmt_bytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.0f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"
