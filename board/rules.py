"""The tumor board's rules as pure functions: meeting dates, quorum, agenda order, time
boxes, rollover, readiness and the follow-up imaging interval. No ORM, no clock.

PRODUCT.md workflows 4 and 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from patients.clinical import ROUTINE, URGENCY_RANK

# The Commission on Cancer's required specialties for a cancer conference: each group
# is satisfied by any one of its specialties.
DEFAULT_QUORUM: tuple[tuple[str, ...], ...] = (
    ("neurosurgery", "spine_surgery"),
    ("radiation_oncology",),
    ("medical_oncology",),
    ("neuroradiology",),
    ("pathology",),
)
DEFAULT_MINUTES_PER_CASE = 8
DEFAULT_CUTOFF_HOURS = 48
WEEKS_AHEAD = 8


# --- meetings --------------------------------------------------------------------------


def meeting_dates(*, weekday: int, first: date, last: date) -> list[date]:
    """Every `weekday` (0 is Monday) from `first` up to, not including, `last`."""
    day = first + timedelta(days=(weekday - first.weekday()) % 7)
    out = []
    while day < last:
        out.append(day)
        day += timedelta(weeks=1)
    return out


# How far ahead a series' wall-clock times are checked against DST changes.
TIMES_CHECKED_WEEKS = 104


def local_time_exists(*, day: date, at: time, time_zone: str) -> bool:
    """Whether the wall-clock time `at` on `day` exists in `time_zone` (False in the gap
    of a spring-forward change, e.g. 02:30 on 8 Mar 2026 in America/New_York)."""
    zone = ZoneInfo(time_zone)
    wall = datetime.combine(day, at, tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


def meeting_times(
    *, day: date, start: time, end: time, time_zone: str, cutoff_hours: int
) -> tuple[datetime, datetime, datetime]:
    """Start, end and cutoff in UTC: wall-clock times in the clinic's zone on that date;
    the cutoff is real hours before the start (across a DST change too)."""
    zone = ZoneInfo(time_zone)
    starts = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    ends = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    return starts, ends, starts - timedelta(hours=cutoff_hours)


# --- quorum ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Quorum:
    quorate: bool
    missing: tuple[str, ...]  # one label per unmet group, e.g. "neurosurgery or spine surgery"
    present: tuple[str, ...]  # specialties present, sorted


def group_label(group: Sequence[str]) -> str:
    return " or ".join(s.replace("_", " ") for s in group)


def quorum(*, present: Iterable[str], required: Iterable[Sequence[str]]) -> Quorum:
    there = set(present)
    missing = tuple(group_label(g) for g in required if not there.intersection(g))
    return Quorum(not missing, missing, tuple(sorted(there)))


# --- the agenda ------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the agenda order needs to know about a case."""

    case_id: int
    urgency: str
    submitted_at: datetime


def agenda_order(entries: Iterable[Entry]) -> list[Entry]:
    """Emergency, then urgent, then routine; then by submission (then id, for ties)."""
    return sorted(entries, key=lambda e: (URGENCY_RANK[e.urgency], e.submitted_at, e.case_id))


def overflow(entries: Iterable[Entry], capacity: int) -> list[Entry]:
    """The cases to roll to the next meeting: the last routine ones in agenda order, as
    many as exceed the capacity. Emergencies and urgent cases are never rolled, so a
    meeting can stay over capacity when they alone exceed it."""
    ordered = agenda_order(entries)
    excess = len(ordered) - capacity
    if excess <= 0:
        return []
    return [e for e in ordered if e.urgency == ROUTINE][-excess:]


def time_boxes(*, start: datetime, count: int, minutes: int) -> list[tuple[datetime, datetime]]:
    box = timedelta(minutes=minutes)
    return [(start + i * box, start + (i + 1) * box) for i in range(count)]


def capacity_of(*, start: time, end: time, minutes_per_case: int) -> int:
    """How many time boxes fit between two wall-clock times."""
    span = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    return max(0, int(span.total_seconds() // 60) // minutes_per_case)


# --- readiness -------------------------------------------------------------------------

PATHOLOGY_PENDING = "pending"
PATHOLOGY_CONFIRMED = "confirmed"
PATHOLOGY_WAIVED = "waived"


def readiness(
    *, imaging_available: bool, imaging_reviewed: bool, pathology: str
) -> tuple[bool, tuple[str, ...]]:
    """Ready when imaging is available and reviewed by radiology and pathology is
    confirmed or explicitly waived; otherwise what is still missing."""
    missing = []
    if not imaging_available:
        missing.append("imaging not available")
    if not imaging_reviewed:
        missing.append("imaging not reviewed by radiology")
    if pathology not in (PATHOLOGY_CONFIRMED, PATHOLOGY_WAIVED):
        missing.append("pathology not confirmed or waived")
    return not missing, tuple(missing)


# --- follow-up imaging -----------------------------------------------------------------

NEW_THERAPY = "new_therapy"
ACTIVE = "active"
PSEUDOPROGRESSION = "pseudoprogression"
RESPONDING = "responding"
POST_SRS = "post_srs"
STABLE = "stable"
NEW_SYMPTOMS = "new_symptoms"

# Disease activity -> the interval window in weeks (PRODUCT.md workflow 5).
INTERVALS: dict[str, tuple[int, int]] = {
    NEW_THERAPY: (6, 8),
    ACTIVE: (6, 8),
    PSEUDOPROGRESSION: (6, 8),
    RESPONDING: (8, 12),
    POST_SRS: (8, 12),
    STABLE: (12, 16),
    NEW_SYMPTOMS: (6, 8),  # scanned at once; then as active disease
}
MIN_WEEKS, MAX_WEEKS = 6, 16
STABLE_SCANS_FOR_LONGER = 2


def interval_weeks(activity: str) -> int:
    """The interval a plan takes from disease activity: the start of its window, the
    cautious end (a clinician may set any 6-16 by hand)."""
    return INTERVALS[activity][0]


def scan_at_once(activity: str) -> bool:
    """New symptoms: the next scan is due now, not after an interval."""
    return activity == NEW_SYMPTOMS


def activity_after_scan(*, result: str, current: str, stable_scans: int) -> tuple[str, int]:
    """The disease activity and consecutive-stable count after a scan result."""
    if result == "stable":
        stable_scans += 1
        if stable_scans >= STABLE_SCANS_FOR_LONGER:
            return STABLE, stable_scans
        keep = current if current in (RESPONDING, POST_SRS, STABLE) else RESPONDING
        return keep, stable_scans
    if result == "responding":
        return RESPONDING, 0
    if result == "pseudoprogression":
        return PSEUDOPROGRESSION, 0
    if result == "new_symptoms":
        return NEW_SYMPTOMS, 0
    return ACTIVE, 0  # progression


def next_due(*, since: date, weeks: int) -> date:
    """Calendar arithmetic on dates: 8 weeks from 20 Jan is 17 Mar, whatever DST does."""
    return since + timedelta(weeks=weeks)
