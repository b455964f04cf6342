"""A plain cover image for articles without one (WeChat requires a cover for every article)."""

import io

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 900, 383  # WeChat's 2.35:1 cover


def cover_image(title: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (158, 42, 43))
    draw = ImageDraw.Draw(image)
    draw.rectangle([24, 24, WIDTH - 24, HEIGHT - 24], outline=(244, 211, 94), width=6)
    # The default bitmap font has no CJK glyphs: draw an ornament, not text.
    for i in range(5):
        x = WIDTH // 2 - 160 + i * 80
        draw.ellipse([x - 18, HEIGHT // 2 - 18, x + 18, HEIGHT // 2 + 18], fill=(244, 211, 94))
    seed = sum(ord(c) for c in title or "") % 255
    draw.rectangle([0, HEIGHT - 12, WIDTH, HEIGHT], fill=(seed, 120, 90))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
