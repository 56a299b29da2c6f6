"""When to text a patient: the reminder policy as a pure function (PRODUCT.md, workflow 6).

Offsets before each visit day (default 72 h, 24 h, 2 h; a visit type may have its own,
and a day takes those of all its visits), never in quiet hours (a text
that would fall in them goes out before them, not after), and, without express consent,
at most one reminder text a day and three in any seven days: what would exceed the cap
is merged into an earlier text, never silently dropped while an earlier text can carry it.
A same-day visit plan is one text for the whole day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DEFAULT_OFFSETS = (timedelta(hours=72), timedelta(hours=24), timedelta(hours=2))
QUIET_START = time(20, 0)
QUIET_END = time(8, 0)
# The last moment a text that would fall in quiet hours is sent instead.
BEFORE_QUIET = time(19, 45)
DAY_CAP = 1
WEEK_CAP = 3


@dataclass
class PlannedText:
    send_at: datetime  # UTC
    days: list[date] = field(default_factory=list)  # patient-local visit days it covers
    sent: bool = False


def out_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or the last moment before the quiet hours it falls in."""
    local = moment.astimezone(zone)
    if QUIET_END <= local.time() < QUIET_START:
        return moment
    day = local.date() if local.time() >= QUIET_START else local.date() - timedelta(days=1)
    return datetime.combine(day, BEFORE_QUIET, tzinfo=zone).astimezone(UTC)


def plan_reminders(
    *,
    visit_starts: Iterable[datetime],
    time_zone: str,
    now: datetime,
    offsets: Iterable[timedelta] = DEFAULT_OFFSETS,
    visit_offsets: Mapping[datetime, Iterable[timedelta]] | None = None,
    express_consent: bool = False,
    already_sent: Iterable[datetime] = (),
) -> list[PlannedText]:
    """The reminder texts to send for a patient's future visits, earliest first.
    `visit_offsets` gives a visit (by its start) offsets of its own instead of `offsets`."""
    zone = ZoneInfo(time_zone)
    default = tuple(offsets)
    first_start: dict[date, datetime] = {}
    day_offsets: dict[date, set[timedelta]] = {}
    for start in visit_starts:
        own = (visit_offsets or {}).get(start) or default
        start = start.astimezone(UTC)  # offsets are real hours, not wall-clock hours
        day = start.astimezone(zone).date()
        if start > now:
            if day not in first_start or start < first_start[day]:
                first_start[day] = start
            day_offsets.setdefault(day, set()).update(own)
    candidates = sorted(
        (out_of_quiet_hours(start - offset, zone), day)
        for day, start in first_start.items()
        for offset in day_offsets[day]
    )
    texts = [PlannedText(moment.astimezone(UTC), sent=True) for moment in already_sent]
    for send_at, day in candidates:
        if send_at < now or send_at >= first_start[day]:
            continue
        if express_consent:
            _add(texts, send_at, day)
            continue
        local_day = send_at.astimezone(zone).date()
        same_day = [t for t in texts if t.send_at.astimezone(zone).date() == local_day]
        in_week = [t for t in texts if send_at - timedelta(days=7) < t.send_at <= send_at]
        if len(same_day) >= DAY_CAP or len(in_week) >= WEEK_CAP:
            _merge(texts, same_day or in_week, day)
        else:
            _add(texts, send_at, day)
    return sorted((t for t in texts if not t.sent), key=lambda t: t.send_at)


def _add(texts: list[PlannedText], send_at: datetime, day: date) -> None:
    for text in texts:
        if text.send_at == send_at and not text.sent:
            if day not in text.days:
                text.days.append(day)
            return
    texts.append(PlannedText(send_at, [day]))


def _merge(texts: list[PlannedText], near: list[PlannedText], day: date) -> None:
    """Carry `day` in the latest unsent text among `near`; if all are sent, the visit
    is still covered by its other reminders (the cap forbids another text)."""
    unsent = [t for t in near if not t.sent]
    if unsent:
        target = max(unsent, key=lambda t: t.send_at)
        if day not in target.days:
            target.days.append(day)
