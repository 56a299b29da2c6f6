"""FHIR search parameters and operation Parameters, read strictly: a parameter we do not
support, or a value we cannot read, is an error naming it, never silently ignored."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_COUNT = 50
MAX_COUNT = 200
IGNORED = {"_format", "_pretty"}  # about the response's form, not which resources match
_DATE = re.compile(r"^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}-\d{2}-\d{2}(T.*)?)$")
_MICRO = timedelta(microseconds=1)


class Invalid(Exception):
    """A request the server cannot read: 400 with an OperationOutcome naming `expression`."""

    def __init__(self, message: str, expression: str | None = None):
        super().__init__(message)
        self.message = message
        self.expression = expression


# Result-shaping parameters a client may send: with `Prefer: handling=lenient` they are
# ignored (the full resources come back, in our order); strictly, they are refused.
LENIENT = {"_summary", "_elements", "_sort", "_lastUpdated", "_include", "_revinclude"}


def check_known(query, allowed: tuple[str, ...], *, lenient: bool = False) -> None:
    """Refuse (400) a search parameter we do not support; with `lenient`
    (`Prefer: handling=lenient`), ignore any unknown one instead, as FHIR asks."""
    if lenient:
        return
    for name in query:
        if name not in allowed and name not in IGNORED:
            supported = ", ".join(allowed)
            raise Invalid(
                f"Unknown search parameter “{name}”; this search supports {supported}.", name
            )


def count_offset(query) -> tuple[int, int]:
    """Page size (`_count`, at most 200: a larger ask gets pages of 200) and start."""
    count = _integer(query.get("_count"), "_count", DEFAULT_COUNT, minimum=0)
    offset = _integer(query.get("_offset"), "_offset", 0, minimum=0)
    return min(count, MAX_COUNT), offset


def _integer(value: str | None, name: str, default: int, *, minimum: int) -> int:
    if value is None:
        return default
    if not value.isdigit() or int(value) < minimum:
        raise Invalid(f"{name} must be a whole number of at least {minimum}, not “{value}”.", name)
    return int(value)


def date_bounds(
    values: list[str], name: str, zone: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """`ge`/`gt`/`lt`/`le`/`eq` date or dateTime values as [after, before): a plain date
    is that whole day in clinic time, a dateTime needs its offset."""
    after = before = None
    for value in values:
        match = _DATE.match(value)
        if not match:
            raise Invalid(
                f"{name} “{value}” is not a date search value such as ge2026-03-09 or "
                f"lt2026-03-09T17:00:00Z.",
                name,
            )
        prefix, moment = match.group(1) or "eq", match.group(2)
        low, high = _interval(moment, name, zone)
        if prefix not in ("eq", "ge", "gt", "lt", "le"):
            raise Invalid(
                f"{name} supports the prefixes eq, ge, gt, lt and le, not “{prefix}”.", name
            )
        if prefix in ("eq", "ge"):
            after = max(after or low, low)
        if prefix == "gt":
            after = max(after or high, high)
        if prefix in ("eq", "le"):
            before = min(before or high, high)
        if prefix == "lt":
            before = min(before or low, low)
    return after, before


def _interval(value: str, name: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants a date or dateTime value covers, [low, high)."""
    if "T" not in value:
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise Invalid(f"{name} “{value}” is not a calendar date.", name) from None
        return (
            datetime.combine(day, time(0), zone).astimezone(UTC),
            datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC),
        )
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"{name} “{value}” is not a date and time.", name) from None
    if moment.tzinfo is None:
        raise Invalid(f"{name} “{value}” needs a time zone offset, e.g. Z or -05:00.", name)
    return moment.astimezone(UTC), moment.astimezone(UTC) + _MICRO


def reference_id(value: str, kind: str, name: str) -> int:
    """The id of `kind` in “12”, “Kind/12” or “https://…/Kind/12”."""
    tail = value.rstrip("/").split("/")
    if len(tail) >= 2 and tail[-2] != kind:
        raise Invalid(f"{name} must refer to a {kind}, not “{value}”.", name)
    if not tail[-1].isdigit():
        raise Invalid(f"{name} “{value}” is not a {kind} reference such as {kind}/12.", name)
    return int(tail[-1])


def tokens(value: str) -> list[str]:
    """A token parameter's comma-separated alternatives, system|code reduced to the code."""
    return [part.rpartition("|")[2] for part in value.split(",") if part]
