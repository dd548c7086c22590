"""Reading row ids from query strings and forms.

``str.isdigit()`` is true for "²" or "١٢" (superscripts, other scripts' digits), which ``int()`` then
refuses or reads as a number nobody typed, and a number past the database's integer range makes the
query itself fail. Every id a view takes from ``request.GET`` or ``request.POST`` outside a Django form
goes through these two functions: ASCII digits only, within the range of a database id, else nothing.
"""

import re
from collections.abc import Iterable

# The widest id the database holds (``BigAutoField``, the project's DEFAULT_AUTO_FIELD).
MAX_ID = 2**63 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value) -> int | None:
    """The id written in ``value`` (ASCII digits, surrounding spaces allowed), or None.

    None for anything else: an empty value, a sign, a decimal point, digits of another script, zero, or a
    number larger than any id the database can hold.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(text := value.strip()):
        number = int(text)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def parse_ids(values: Iterable, *, limit: int = 500) -> list[int]:
    """The distinct ids among ``values`` (e.g. ``request.POST.getlist("reports")``), in their first order.

    Values that are not ids are skipped. At most ``limit`` values are read, so a request listing a
    million ids costs no more than one listing ``limit``.
    """
    ids: dict[int, None] = {}
    for index, value in enumerate(values):
        if index >= limit:
            break
        number = parse_id(value)
        if number is not None:
            ids[number] = None
    return list(ids)
