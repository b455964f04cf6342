"""The one QR helper: the code drawn is the code of the text."""

import pytest

from config.qr import qr_svg
from tests.qr_matrix import drawn_modules, modules_of

pytestmark = pytest.mark.django_db  # the embedded cache is the database's


def test_the_svg_draws_the_code_of_the_text():
    svg = qr_svg("https://example.cn/c/spring/join/abc/")
    assert svg.lstrip().startswith("<svg") and "<path" in svg
    assert drawn_modules(svg) == modules_of("https://example.cn/c/spring/join/abc/")
    assert drawn_modules(qr_svg("https://example.cn/other/")) == modules_of("https://example.cn/other/")


def test_the_raster_image_draws_the_same_code():
    from config.qr import qr_image

    text = "https://example.cn/c/spring/"
    image = qr_image(text, 300)
    assert image.size == (300, 300) and image.mode == "RGB"
    expected = modules_of(text)
    side = 1 + max(max(x, y) for x, y in expected) + 2  # the matrix with its quiet zone of 2 modules
    step = 300 / side
    dark = {(x, y) for y in range(side) for x in range(side)
            if image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step)))[0] < 128}
    assert dark == expected
