"""Free time, derived: weekly templates (local time) minus holidays, time off and bookings.

Pure functions on plain data. Local clinic times become UTC per date, so a template of
08:00-12:00 stays 08:00-12:00 on the wall clock on both sides of a DST change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Session:
    """A clinic session of one clinician on one date, in the location's local time."""

    clinician_id: int
    location_id: int
    day: date
    start: time
    end: time
    time_zone: str


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime
    location_id: int


def local_to_utc(day: date, at: time, time_zone: str) -> datetime:
    return datetime.combine(day, at, tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


def session_span(session: Session) -> Span:
    return Span(
        local_to_utc(session.day, session.start, session.time_zone),
        local_to_utc(session.day, session.end, session.time_zone),
        session.location_id,
    )


def subtract(spans: Iterable[Span], busy: Iterable[tuple[datetime, datetime]]) -> list[Span]:
    """`spans` with every busy interval cut out, in time order; empty pieces dropped."""
    cuts = sorted(busy)
    out: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        start = span.start
        for busy_start, busy_end in cuts:
            if busy_end <= start or busy_start >= span.end:
                continue
            if busy_start > start:
                out.append(Span(start, busy_start, span.location_id))
            start = max(start, busy_end)
            if start >= span.end:
                break
        if start < span.end:
            out.append(Span(start, span.end, span.location_id))
    return out
