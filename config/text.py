"""Text of uploaded spreadsheets saved as CSV: UTF-8 (with or without BOM), or GBK/GB18030 as
Excel on Chinese Windows saves it."""

CSV_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_csv(data: bytes) -> str | None:
    """The decoded text, or None when no accepted encoding fits (the caller says what to do)."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
