"""Numbers that pages read from query strings, forms and URLs (docs/architecture.md §6): whole numbers in
ASCII digits, bounded, or the caller's default — never an exception (a 500) and never an unbounded number
(a loop, an OFFSET or a range past the database's integers). The API bounds its own through ninja's types
(config/api_contract.py), with the same MAX_ID.

`str.isdigit()` is not a check: it accepts "²" and "٣", which `int()` refuses or reads; floats, "NaN",
"1e309", hex and 10**30 are refused here too."""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # ids never reach this; a larger number names no row and is not sent to the database
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def int_param(value, *, lo: int = 1, hi: int = MAX_ID, default: int | None = None, clamp: bool = False) -> int | None:
    """`value` (a query-string or form value) as an int in lo…hi. Out of range: the nearest bound with
    `clamp=True` (row counts, sizes), else `default` (ids: no such row). Not a whole number: `default`."""
    text = value.strip() if isinstance(value, str) else ""
    if not _WHOLE.fullmatch(text):
        return default
    number = int(text)
    if lo <= number <= hi:
        return number
    return min(max(number, lo), hi) if clamp else default
