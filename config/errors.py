"""Errors a user sees: a stable code, a Chinese message first and its English counterpart."""


class UserFacingError(Exception):
    """Raised by services when input is refused; views and the API turn it into a clear message."""

    status = 400

    def __init__(self, code: str, message_zh: str, message_en: str, *, status: int | None = None, **extra):
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.extra = extra
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        return {"code": self.code, "message_zh": self.message_zh, "message_en": self.message_en, **self.extra}

    def __str__(self) -> str:  # what a page shows: Chinese first, English after
        return f"{self.message_zh} ({self.message_en})"


ApiError = UserFacingError
