"""SMS text: rendering from template files and GSM-7 / UCS-2 segment counting.

A reminder must fit one segment: 160 GSM-7 characters (escaped characters such as € count
twice), or 70 UCS-2 code units when any character is outside GSM-7.
"""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec
from django.template.loader import render_to_string

GSM7_SINGLE, GSM7_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67


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


def clip(value: str, limit: int) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "."


def render(template: str, context: dict) -> str:
    """Render `templates/sms/<template>.txt` into one line of text."""
    return " ".join(render_to_string(f"sms/{template}.txt", context).split())
