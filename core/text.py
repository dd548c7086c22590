"""Text helpers shared by every app (diacritic-insensitive search)."""

import re
import unicodedata

# đ has no decomposition; curly apostrophes and the modifier letter fold to the straight one, so
# "Ksor H’Bia" is found by typing "h'bia" on any keyboard.
_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def fold(text: str) -> str:
    """Lower-case ASCII form of Vietnamese text: "Nguyễn Văn Đức" -> "nguyen van duc"."""
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_SPECIAL))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.lower().split())


def clean_name(text: str) -> str:
    """A person's name as stored: composed Unicode (NFC), single spaces, nothing else changed.

    Apostrophes (straight or curly), brackets, hyphens and one-word names are all real
    Vietnamese names and are kept as typed; only decomposed accents (macOS, Windows-1258
    files) are composed, so the same name is stored the same way whatever keyboard typed it.
    """
    return " ".join(unicodedata.normalize("NFC", text or "").split())


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


# Pictographs and their joiners (emoji, flags, keycaps, skin tones, variation selectors), which have no
# place in an official document; letters, digits and ordinary punctuation (– … « ») are outside these ranges.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U0001fc00-\U0001ffff\u2600-\u27bf\u2b00-\u2bff\u231a\u231b\u23e9-\u23fa"
    "\ufe0e\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)


def strip_emoji(text: str) -> str:
    """``text`` without emoji, each line's spaces tidied where one was taken out; line breaks kept."""
    if not text or not _EMOJI.search(text):
        return text
    # An emoji before punctuation takes the space in front of it along ("ổn định 😊, cần" → "ổn định, cần").
    text = re.sub(f"[ \t]*(?:{_EMOJI.pattern})+(?=[,.;:!?…)\\]])", "", text)
    lines = _EMOJI.sub("", text).split("\n")
    return "\n".join(" ".join(line.split()) if line.strip() else "" for line in lines)
