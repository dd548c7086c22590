"""Text helpers shared by every app (diacritic-insensitive search)."""

import unicodedata

_SPECIAL = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str) -> str:
    """Lower-case ASCII form of Vietnamese text: "Nguyễn Văn Đức" -> "nguyen van duc"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def normalise_phone(raw: str) -> str:
    """A Vietnamese phone number as 10 digits starting with 0, or "" if it cannot be one.

    Accepts spaces, dots, dashes and brackets, and the +84 / 84 country prefix.
    """
    digits = "".join(ch for ch in (raw or "") if ch.isdigit() or ch == "+")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    digits = digits.replace("+", "")
    if len(digits) == 10 and digits.startswith("0"):
        return digits
    return ""
