"""The badge poster a family can post to WeChat Moments: a 750 × 1334 PNG (a phone screen) with the
badge, the child's nickname and library, and the campaign's QR code. Drawn with Pillow in Noto Sans CJK
(from the cvttf-notosanscjk-regular wheel: Chinese text needs a CJK font, and PyPI is where we get it)."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from config.qr import qr_image

WIDTH, HEIGHT = 750, 1334
RED, GOLD, INK, PAPER = (139, 26, 26), (201, 151, 43), (34, 34, 34), (251, 246, 236)


@lru_cache(maxsize=8)  # a font file read once per size per process: a pure cache of a package file
def _font(size: int) -> ImageFont.FreeTypeFont:
    import cvttf_NotoSansCJK_Regular

    return ImageFont.truetype(cvttf_NotoSansCJK_Regular.get_TTF_path(), size)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill) -> int:
    font = _font(size)
    text = text if draw.textlength(text, font=font) <= WIDTH - 80 else text[: max(1, len(text) - 3)] + "…"
    while draw.textlength(text, font=font) > WIDTH - 80 and len(text) > 2:
        text = text[:-2] + "…"
    draw.text(((WIDTH - draw.textlength(text, font=font)) / 2, y), text, font=font, fill=fill)
    return y + int(size * 1.4)


def badge_poster(*, campaign_title: str, badge_title: str, badge_description: str, nickname: str, library: str,
                 url: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 150], fill=RED)
    _centred(draw, 45, campaign_title, 40, PAPER)
    # The badge: a gold medal with the badge's title.
    cx, cy, r = WIDTH // 2, 420, 190
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=GOLD, outline=RED, width=10)
    draw.ellipse([cx - r + 30, cy - r + 30, cx + r - 30, cy + r - 30], outline=PAPER, width=4)
    font = _font(56 if len(badge_title) <= 5 else 40)
    width = draw.textlength(badge_title, font=font)
    draw.text((cx - width / 2, cy - 40), badge_title, font=font, fill=PAPER)
    y = _centred(draw, 650, f"{nickname} 获得徽章", 48, INK)
    if badge_description:
        y = _centred(draw, y, badge_description, 30, INK)
    y = _centred(draw, y + 10, library, 32, RED)
    qr = qr_image(url, 300)
    image.paste(qr, ((WIDTH - 300) // 2, 940))
    _centred(draw, 1255, "扫码一起读书 Scan to read with us", 28, INK)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
