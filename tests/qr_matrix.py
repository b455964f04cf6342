"""Reading a QR code back from our SVG: its dark modules, and those the text's code should have."""

import re

import qrcode


def drawn_modules(svg: str) -> set[tuple[int, int]]:
    return {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)H", svg)}


def modules_of(text: str) -> set[tuple[int, int]]:
    code = qrcode.QRCode(border=2)
    code.add_data(text)
    code.make(fit=True)
    return {(x, y) for y, row in enumerate(code.get_matrix()) for x, dark in enumerate(row) if dark}
