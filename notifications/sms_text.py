"""SMS text: rendering from template files, GSM-7 transliteration and segment counting.

Every text must fit one segment (PRODUCT.md, "Rules settled": messages): 160 GSM-7
characters (escaped characters such as € count twice), or 70 UCS-2 code units when any
character is outside GSM-7. One character outside GSM-7 (a name such as "Zoë" is fine,
"Łucja" or "Nguyễn" is not) would halve the room, so every text is written in GSM-7 only:
a character GSM-7 lacks is transliterated by `anyascii` (ISC licence), and what has no
letters in it (an emoji, a control character) is dropped.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
from anyascii import anyascii
from django.template.loader import render_to_string
from django.utils import translation

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67
# Categories transliterated: letters, marks, numbers, punctuation, spaces. Symbols (emoji,
# pictographs) and control or unassigned characters carry nothing a text needs.
_KEPT_CATEGORIES = ("L", "M", "N", "P", "Z")
CENTER_LIMIT = 40  # characters of the center's name a text carries


@dataclass(frozen=True)
class Encoded:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets, or UTF-16 code units
    segments: int


def encoded(text: str) -> Encoded:
    try:
        units = len(text.encode("gsm03.38"))
        single, multi, encoding = GSM7_SINGLE, GSM7_MULTI, "GSM-7"
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return Encoded(encoding, units, segments)


def _in_gsm7(char: str) -> bool:
    try:
        char.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _gsm7_char(char: str) -> str:
    """One character as GSM-7 text (cached: every text is mostly the same few letters)."""
    if char in "\r\n\t":
        return " "
    if _in_gsm7(char) and unicodedata.category(char) != "Cc":
        return char
    if unicodedata.category(char).startswith(_KEPT_CATEGORIES):
        return "".join(c for c in anyascii(char) if _in_gsm7(c) and c.isprintable())
    return ""


def gsm7(value: str) -> str:
    """`value` in GSM-7 characters only, on one line: "Łucja" -> "Lucja", "Nguyễn" ->
    "Nguyen", "Ana 🙂" -> "Ana"; GSM-7's own accented letters ("Zoë" has none: "Zoe";
    "Muñoz" keeps its ñ) are kept."""
    text = "".join(map(_gsm7_char, unicodedata.normalize("NFC", value)))
    return " ".join(text.split())


def clip(value: str, limit: int) -> str:
    """`value` in GSM-7 on one line, at most `limit` characters (cut ones end in ".")."""
    value = gsm7(value)
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "."


def render(template: str, context: dict, *, language: str | None = None) -> str:
    """Render `templates/sms/<template>.txt` in `language` (the active one when None) into
    one line of GSM-7 text."""
    with translation.override(language or translation.get_language()):
        text = render_to_string(f"sms/{template}.txt", context)
    return gsm7(text)


def render_fitting(attempts: Iterable[tuple[str, dict]], *, language: str | None = None) -> str:
    """The first of `attempts` (template, context), longest first, whose text fits one
    segment; the last one when none does (its caller keeps it short enough by design: the
    time and the link are never dropped, names are)."""
    text = ""
    for template, context in attempts:
        text = render(template, context, language=language)
        if encoded(text).segments == 1:
            return text
    return text
