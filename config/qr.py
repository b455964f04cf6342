"""QR codes, drawn one way for the whole product (a branch's join poster, a live quiz's join code)."""

import hashlib

import qrcode
import qrcode.image.svg
from django.core.cache import cache


def qr_svg(data: str) -> str:
    """The QR code of `data` as SVG text (paths only: scales to any size by CSS or print).

    Cached in Django's cache for a week: the same text always gives the same code, and drawing one
    costs more than the page around it."""
    key = "qr:svg:" + hashlib.sha256(data.encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
        svg = image.to_string(encoding="unicode")
        cache.set(key, svg, 7 * 24 * 3600)
    return svg
