"""Photos and drawings: recognised by content, decoded by Pillow only after the pixel count is
checked from the header (a decompression bomb is refused before any pixel is allocated),
orientation applied, and no EXIF/GPS in any stored or served copy.

`strip_metadata` removes metadata segments byte for byte (JPEG APPn/COM, PNG text/eXIf chunks,
WebP EXIF/XMP chunks) so the stored original keeps its exact pixels without the child's location."""

import io
import struct
import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from submissions.media.errors import fmt_bytes, refuse
from submissions.media.limits import MediaLimits
from submissions.media.probe import looks_like_text

ACCEPTED = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}
DISPLAY_MAX = 2560
THUMB_MAX = 480
# Pillow's own guard as a second fence; our check from the header comes first.
Image.MAX_IMAGE_PIXELS = 60_000_000

JPEG_DROP = {0xE1, 0xFE} | set(range(0xE3, 0xEE))  # APP1 (EXIF/XMP), APP3-APP13 (IPTC…), COM
PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return data  # not where a marker should be: leave the bytes alone
        marker = data[pos + 1]
        if marker == 0xDA or marker == 0xD9:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if marker == 0xFF:
            pos += 1
            continue
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        segment = data[pos:pos + 2 + length]
        if marker not in JPEG_DROP:
            out += segment
        elif marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            out += _orientation_only(segment[10:])
        pos += 2 + length
    out += data[pos:]
    return bytes(out)


def _orientation_only(tiff: bytes) -> bytes:
    """An EXIF segment holding nothing but the Orientation tag (so the picture still shows upright)."""
    exif = Image.Exif()
    try:
        exif.load(tiff)
        orientation = int(exif.get(0x0112, 1))
    except Exception:  # noqa: BLE001 - unreadable EXIF: drop it all
        return b""
    if orientation == 1 or orientation not in range(1, 9):
        return b""
    minimal = Image.Exif()
    minimal[0x0112] = orientation
    payload = minimal.tobytes()
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def _strip_png(data: bytes) -> bytes:
    out = bytearray(data[:8])
    pos = 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        end = pos + 12 + length
        if kind not in PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    out += data[pos:]
    return bytes(out)


def _strip_webp(data: bytes) -> bytes:
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        length = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        end = pos + 8 + length + (length & 1)
        chunk = bytearray(data[pos:end])
        if kind == b"VP8X" and len(chunk) > 8:
            chunk[8] &= ~(0x08 | 0x04) & 0xFF  # clear the EXIF and XMP flags
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(bytes(chunk))
        pos = end
    body = b"WEBP" + b"".join(chunks) + data[pos:]
    return b"RIFF" + struct.pack("<I", len(body)) + body


def strip_metadata(data: bytes) -> bytes:
    """The same image without EXIF/XMP/IPTC/text metadata; unknown formats are returned unchanged."""
    try:
        if data.startswith(b"\xff\xd8"):
            return _strip_jpeg(data)
        if data.startswith(b"\x89PNG\r\n\x1a\n"):
            return _strip_png(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            return _strip_webp(data)
    except (struct.error, IndexError):
        return data
    return data


def refuse_damaged():
    return refuse("damaged_file", "图片已损坏或不完整，请重新拍摄或重新导出后再上传",
                  "The picture is damaged or incomplete; take or export it again and upload it")


def open_checked(path: Path, limits: MediaLimits) -> Image.Image:
    size = path.stat().st_size
    if size == 0:
        raise refuse("empty_file", "文件是空的（0 字节），请重新选择图片", "The file is empty (0 bytes); choose the picture again")
    if limits.max_bytes and size > limits.max_bytes:
        raise refuse("file_too_large", f"图片太大（{fmt_bytes(size)}），最大 {fmt_bytes(limits.max_bytes)}",
                     f"The picture is too large ({fmt_bytes(size)}); the limit is {fmt_bytes(limits.max_bytes)}",
                     limit_bytes=limits.max_bytes)
    with open(path, "rb") as fh:
        head = fh.read(1024).lstrip()
    if head.startswith(b"<") and (b"<svg" in head.lower() or b"<?xml" in head.lower()):
        raise refuse("format_not_accepted", "不接受 SVG 等矢量/网页格式，请上传 JPG、PNG 或 WebP 图片",
                     "SVG and other vector/web formats are not accepted; upload a JPG, PNG or WebP picture")
    max_pixels = int((limits.max_megapixels or 40) * 1_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)  # reads the header only
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise refuse_too_many_pixels(None, limits) from None
    except UnidentifiedImageError:
        if looks_like_text(path):
            raise refuse("not_image", "这不是图片文件，请上传照片或扫描的绘画（JPG、PNG、WebP）",
                         "This is not a picture; upload a photo or a scanned drawing (JPG, PNG, WebP)") from None
        raise refuse_damaged() from None
    except OSError:
        raise refuse_damaged() from None
    if image.format not in ACCEPTED:
        raise refuse("format_not_accepted", f"不接受 {image.format} 格式，请上传 JPG、PNG 或 WebP 图片",
                     f"{image.format} pictures are not accepted; upload JPG, PNG or WebP")
    width, height = image.size
    if width * height > max_pixels:
        raise refuse_too_many_pixels((width, height), limits)
    if min(width, height) < limits.min_side_px:
        raise refuse("too_small",
                     f"这张图片只有 {width}×{height} 像素，看不出是照片或绘画。请上传孩子作品的照片或扫描件"
                     f"（每边至少 {limits.min_side_px} 像素）",
                     f"This picture is only {width}×{height} pixels, too small to be a photo or a drawing. Upload a "
                     f"photo or scan of the child's work (at least {limits.min_side_px} pixels on each side)",
                     min_side_px=limits.min_side_px)
    return image


def refuse_too_many_pixels(size, limits: MediaLimits):
    limit = limits.max_megapixels or 40
    got = f"（{size[0]}×{size[1]}）" if size else ""
    got_en = f" ({size[0]}×{size[1]})" if size else ""
    return refuse("too_many_pixels", f"图片像素过多{got}，最大 {limit:g} 百万像素，请缩小后再上传",
                  f"The picture has too many pixels{got_en}; the limit is {limit:g} megapixels", limit_megapixels=limit)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def process(path: Path, limits: MediaLimits, workdir: Path):
    from submissions.media import MediaResult

    image = open_checked(path, limits)
    fmt, size = image.format, image.size
    orientation = image.getexif().get(0x0112, 1)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise refuse_damaged() from None
    upright = ImageOps.exif_transpose(image)
    suffix = ACCEPTED[fmt]
    display_path = workdir / f"display{suffix}"
    if orientation in (None, 1) and max(size) <= DISPLAY_MAX:
        # Already upright and small enough: serve the original's pixels, metadata removed byte for byte.
        display_path.write_bytes(strip_metadata(path.read_bytes()))
        display = upright
    else:
        display = upright.copy()
        display.thumbnail((DISPLAY_MAX, DISPLAY_MAX))
        save_clean(display, display_path, fmt)
    thumb = display.copy()
    thumb.thumbnail((THUMB_MAX, THUMB_MAX))
    thumb_path = workdir / "thumbnail.jpg"
    _flatten(thumb).save(thumb_path, "JPEG", quality=82, optimize=True)
    info = {"container": fmt.lower(), "width": upright.size[0], "height": upright.size[1],
            "original_orientation": orientation, "stored_without_metadata": True}
    return MediaResult(kind="image", playback_path=display_path, thumbnail_path=thumb_path, info=info)


def save_clean(image: Image.Image, path: Path, fmt: str) -> None:
    """Save without any EXIF/XMP (Pillow writes metadata only when asked; we never ask)."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        _flatten(image).save(buffer, "JPEG", quality=88, optimize=True)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=85)
    else:
        image.save(buffer, "PNG", optimize=False)
    path.write_bytes(buffer.getvalue())
