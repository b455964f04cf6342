"""QR codes, drawn one way for the whole product: SVG for pages and printed join posters (a branch, a live
quiz), a raster image for pictures that embed one (a reading badge's poster)."""

import hashlib

import qrcode
import qrcode.image.svg
from django.core.cache import cache
from PIL import Image

BORDER = 2  # modules of quiet zone: enough on the white of our pages and posters


def qr_svg(data: str) -> str:
    """The QR code of `data` as SVG text (paths only: scales to any size by CSS or print).

    Cached in Django's cache for a week: the same text always gives the same code, and drawing one
    costs more than the page around it."""
    key = "qr:svg:" + hashlib.sha256(data.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=BORDER)
        svg = image.to_string(encoding="unicode")
        cache.set(key, svg, 7 * 24 * 3600)
    return svg


def qr_image(data: str, size: int) -> Image.Image:
    """The QR code of `data` as an RGB image `size` pixels square (to paste into a picture)."""
    image = qrcode.make(data, box_size=8, border=BORDER).convert("RGB")
    return image.resize((size, size), Image.NEAREST)  # NEAREST: modules stay sharp squares
