"""Drawing helpers: an itinerary option as a timeline of its day (visits, walks, waits)
and a clinic day as columns of blocks. Layout only; the engine decided the times."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from navigation import engine

# The walk the engine assumes between two places with no configured buffer.
DEFAULT_WALK = next(
    f.default for f in fields(engine.ItineraryRequest) if f.name == "default_buffer"
)


@dataclass(frozen=True)
class Segment:
    kind: str  # visit | walk | wait
    start: datetime
    end: datetime
    left: float  # percent of the drawn span
    width: float
    specialty: str = ""
    clinician: str = ""
    place: str = ""
    resources: str = ""  # the rooms, machines and interpreter a visit takes, by name
    visit_type: str = ""  # the kind of visit when one was chosen (e.g. "SRS planning")

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Timeline:
    option: engine.ItineraryOption
    segments: list[Segment]
    ticks: list[tuple[float, str]]
    walk_minutes: int
    values: list[str] = field(default_factory=list)

    @property
    def visits(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "visit"]


def _hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _hour_ceil(moment: datetime) -> datetime:
    floor = _hour_floor(moment)
    return floor if floor == moment else floor + timedelta(hours=1)


def _walk(buffers: dict[tuple[int, int], int], a: int, b: int) -> int:
    if a == b:
        return 0
    return buffers.get((a, b), buffers.get((b, a), DEFAULT_WALK))


def option_timeline(
    option: engine.ItineraryOption,
    *,
    clinicians: dict,
    places: dict,
    buffers: dict[tuple[int, int], int],
    zone: ZoneInfo,
    resources: dict | None = None,
    kinds: dict[str, str] | None = None,
) -> Timeline:
    """Visits as blocks on a bar from the hour before the first to the hour after the
    last; between two visits, the walk to the next place first, then the wait.
    `resources` (by id) names what each visit takes besides its clinician; `kinds`
    (specialty -> visit type name) the kind of visit chosen, if any."""
    resources = resources or {}
    kinds = kinds or {}
    first = _hour_floor(option.visits[0].start.astimezone(zone))
    last = _hour_ceil(option.visits[-1].end.astimezone(zone))
    total = (last - first).total_seconds()

    def place(start: datetime, end: datetime) -> tuple[float, float]:
        return (
            round((start - first).total_seconds() / total * 100, 3),
            round((end - start).total_seconds() / total * 100, 3),
        )

    segments: list[Segment] = []
    walked = 0
    previous = None
    for visit in option.visits:
        start, end = visit.start.astimezone(zone), visit.end.astimezone(zone)
        if previous is not None:
            gap_start = previous.end.astimezone(zone)
            walk = min(
                _walk(buffers, previous.location_id, visit.location_id),
                (start - gap_start).total_seconds() // 60,
            )
            walk_end = gap_start + timedelta(minutes=walk)
            if walk:
                walked += int(walk)
                segments.append(
                    Segment(
                        "walk",
                        gap_start,
                        walk_end,
                        *place(gap_start, walk_end),
                        place=str(places.get(visit.location_id, "")),
                    )
                )
            if walk_end < start:
                segments.append(Segment("wait", walk_end, start, *place(walk_end, start)))
        segments.append(
            Segment(
                "visit",
                start,
                end,
                *place(start, end),
                specialty=visit.specialty,
                clinician=getattr(clinicians.get(visit.clinician_id), "name", "?"),
                place=str(places.get(visit.location_id, "")),
                resources=", ".join(
                    str(resources[rid]) for rid in visit.resources if rid in resources
                ),
                visit_type=kinds.get(visit.specialty, ""),
            )
        )
        previous = visit
    ticks = []
    hour = first
    while hour <= last:
        ticks.append((place(hour, hour)[0], f"{hour:%H:%M}"))
        hour += timedelta(hours=1)
    return Timeline(option, segments, ticks, walked)


# --- the day view --------------------------------------------------------------------

SLOT_MINUTES = 5


@dataclass(frozen=True)
class Block:
    kind: str  # visit | free | off
    start: datetime
    end: datetime
    row: int  # CSS grid row where it starts (1 is the header)
    rows: int
    appointment: object = None
    note: str = ""


@dataclass
class Column:
    clinician: object
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class DayGrid:
    day: date
    first_hour: int
    last_hour: int
    columns: list[Column]

    @property
    def hours(self) -> list[tuple[int, str]]:
        per_hour = 60 // SLOT_MINUTES
        return [
            (2 + (h - self.first_hour) * per_hour, f"{h:02d}:00")
            for h in range(self.first_hour, self.last_hour)
        ]

    @property
    def rows(self) -> int:
        return (self.last_hour - self.first_hour) * 60 // SLOT_MINUTES


def day_grid(
    *,
    day: date,
    zone: ZoneInfo,
    clinicians: list,
    free: dict[int, list[tuple[datetime, datetime]]],
    booked: list,
    off: list[tuple[int, datetime, datetime, str]],
    hours: tuple[int, int] = (7, 18),
    owners: Callable[[Any], Iterable[int]] | None = None,
) -> DayGrid:
    """Columns of the clinicians who work, are booked or are off that day; rows of five
    minutes from the first to the last hour anything happens (at least 07:00-18:00).
    The same for rooms, machines or interpreters: `clinicians` are then resources and
    `owners(appointment)` the ids of the columns a booked visit shows in."""
    day_start = datetime.combine(day, time(0), zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), zone)

    def wall(moment: datetime) -> int:
        """Minutes past local midnight, clipped to the day (24:00 at its end)."""
        moment = moment.astimezone(zone)
        if moment <= day_start:
            return 0
        return 24 * 60 if moment >= day_end else moment.hour * 60 + moment.minute

    spans: dict[int, list[tuple[str, datetime, datetime, object, str]]] = {}
    for clinician_id, intervals in free.items():
        for start, end in intervals:
            spans.setdefault(clinician_id, []).append(("free", start, end, None, ""))
    for appointment in booked:
        for owner in owners(appointment) if owners else [appointment.clinician_id]:
            spans.setdefault(owner, []).append(
                ("visit", appointment.start, appointment.end, appointment, "")
            )
    for clinician_id, start, end, reason in off:
        spans.setdefault(clinician_id, []).append(("off", start, end, None, reason))
    edges = [(wall(s), wall(e)) for items in spans.values() for _, s, e, _, _ in items]
    first_hour = min([hours[0]] + [s // 60 for s, _ in edges])
    last_hour = max([hours[1]] + [-(-e // 60) for _, e in edges])

    def row(moment: datetime) -> int:
        return 2 + (wall(moment) - first_hour * 60) // SLOT_MINUTES

    columns = []
    for clinician in clinicians:
        items = sorted(spans.get(clinician.pk, []), key=lambda item: (item[1], item[0]))
        if not items:
            continue
        column = Column(clinician)
        for kind, start, end, appointment, note in items:
            top = row(start)
            column.blocks.append(
                Block(
                    kind,
                    start.astimezone(zone),
                    end.astimezone(zone),
                    top,
                    max(1, row(end) - top),
                    appointment,
                    note,
                )
            )
        columns.append(column)
    return DayGrid(day, first_hour, last_hour, columns)
