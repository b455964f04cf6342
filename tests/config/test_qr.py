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
