"""Essays (征文): typed text, .txt in UTF-8 / GBK / GB18030 / UTF-16, or .docx. Stored as text,
counted in characters against the event's limit. Never rendered as HTML (templates escape it)."""

import codecs
import unicodedata
import zipfile
from pathlib import Path

from submissions.media.errors import fmt_bytes, refuse
from submissions.media.limits import MediaLimits

ALLOWED_CONTROLS = {"\n", "\r", "\t", "\f"}


def refuse_not_text():
    return refuse("not_text", "这不是文本文件，请上传 .txt 或 .docx 文档，或直接在网页中输入正文",
                  "This is not a text file; upload a .txt or .docx document, or type the essay on the page")


def _printable(text: str) -> bool:
    if not text:
        return True
    bad = sum(1 for ch in text if (unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") and ch not in ALLOWED_CONTROLS)
              or ch == "\ufffd")
    return bad <= max(1, len(text) // 1000)


def decode_text(data: bytes) -> str:
    """Bytes of a .txt in any common Chinese encoding → str; refuses binary data."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise refuse_not_text() from None
            if not _printable(text):
                raise refuse_not_text()
            return text
    candidates = ["utf-8", "gb18030"]
    if b"\x00" in data:
        even, odd = data[0::2], data[1::2]
        # UTF-16 without a BOM: the zero bytes of ASCII characters sit on one side only.
        if even.count(0) > len(even) // 4 and odd.count(0) == 0:
            candidates = ["utf-16-be"]
        elif odd.count(0) > len(odd) // 4 and even.count(0) == 0:
            candidates = ["utf-16-le"]
        else:
            raise refuse_not_text()
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _printable(text):
            return text
    raise refuse_not_text()


def read_docx(path: Path) -> str:
    import docx  # python-docx

    try:
        document = docx.Document(str(path))
    except Exception:  # noqa: BLE001 - any parse failure of the package is a damaged/unsupported file
        raise refuse("damaged_file", "Word 文档无法打开（可能已损坏），请另存为 .docx 或 .txt 后再上传",
                     "The Word document cannot be opened (it may be damaged); save it again as .docx or .txt") from None
    paragraphs = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            paragraphs.append("\t".join(cell.text for cell in row.cells))
    return "\n".join(paragraphs).strip("\n")


def count_chars(text: str) -> int:
    """Characters as Chinese contests count them (字数): everything but whitespace."""
    return sum(1 for ch in text if not ch.isspace())


def normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def read_essay(path: Path, limits: MediaLimits) -> str:
    size = path.stat().st_size
    if size == 0:
        raise refuse("empty_file", "文件是空的（0 字节），请重新选择文档", "The file is empty (0 bytes); choose the document again")
    if limits.max_bytes and size > limits.max_bytes:
        raise refuse("file_too_large", f"文件太大（{fmt_bytes(size)}），最大 {fmt_bytes(limits.max_bytes)}",
                     f"The file is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                     limit_bytes=limits.max_bytes)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if head.startswith(b"PK\x03\x04"):
        if not zipfile.is_zipfile(path):
            raise refuse("damaged_file", "文档已损坏或不完整，请重新保存后再上传", "The document is damaged; save it again")
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise refuse("format_not_accepted", "只接受 .docx 和 .txt 文档", "Only .docx and .txt documents are accepted")
        return read_docx(path)
    if head.startswith(b"\xd0\xcf\x11\xe0") or head.startswith(b"%PDF") or head.startswith(b"{\\rtf"):
        raise refuse("format_not_accepted", "只接受 .docx 和 .txt 文档，请在 Word/WPS 中“另存为” .docx",
                     "Only .docx and .txt documents are accepted; use “Save as” .docx in Word/WPS")
    return decode_text(path.read_bytes())


def process_text(text: str, limits: MediaLimits):
    from submissions.media import MediaResult

    text = normalise(text)
    chars = count_chars(text)
    if chars == 0:
        raise refuse("empty_text", "没有读到正文，请检查文档内容", "No text was found; check the document")
    if limits.max_chars and chars > limits.max_chars:
        raise refuse("too_long", f"文章共 {chars} 字，超过本活动 {limits.max_chars} 字的上限，请删减后再提交",
                     f"The essay has {chars} characters, over this event's limit of {limits.max_chars}; shorten it",
                     limit_chars=limits.max_chars)
    return MediaResult(kind="essay", text=text, char_count=chars, info={"chars": chars})


def process(path: Path, limits: MediaLimits, workdir: Path):
    return process_text(read_essay(path, limits), limits)
