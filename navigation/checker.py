"""The rules a same-day plan must keep, checked on plain data: one checker for search and
booking (PRODUCT.md, "Same-day plans": an option returned by the search can be booked
exactly as returned; booking checks every rule that search applies, with the same code).

The search's engine builds options that keep these rules; `itinerary_search` passes each
option through `check_itinerary` before returning it, and every booking (a same-day plan, a
single visit, a hold) passes its visits through it before inserting them. No ORM, settings
or clock: times are aware datetimes, the free time comes in an `engine.DayCalendar`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from navigation.engine import (
    DayCalendar,
    FreeInterval,
    ItineraryRequest,
    Visit,
    buffer_minutes,
    resources_free,
)

_MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class RuleViolation(Exception):
    """A rule the visits break. `visit` is the index of the visit it concerns (None for the
    plan as a whole), `field` the request field to name in the error (e.g. `start`)."""

    code: str
    message: str
    visit: int | None = None
    field: str = "start"
    resource: int | None = None  # the resource id a `resource_not_free` violation names

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Figures:
    """Minutes of idle waiting between visits, and of walking between locations, apart."""

    total_wait: int
    total_travel: int


def figures(request: ItineraryRequest, visits: Sequence[Visit]) -> Figures:
    """Waiting and walking of visits in time order (PRODUCT.md: walking is not waiting).

    Waiting is the idle time left between one visit's end and the next one's start once the
    walk between their locations is taken out. Shapes: visits as returned by the engine.
    """
    ordered = sorted(visits, key=lambda v: v.start)
    wait = travel = 0
    for prev, nxt in zip(ordered, ordered[1:], strict=False):
        walk = buffer_minutes(request, prev.location_id, nxt.location_id)
        gap = int((nxt.start - prev.end) / _MINUTE)
        travel += walk
        wait += max(0, gap - walk)
    return Figures(wait, travel)


def check_itinerary(
    request: ItineraryRequest, day: DayCalendar, visits: Sequence[Visit]
) -> Figures:
    """Raise RuleViolation unless `visits` are a plan the search could have returned.

    Rules, in the order checked: each requested specialty once and nothing else; each visit
    on the grid (`request.grid_minutes`, counted in UTC minutes: every zone's offset today
    is a multiple of 15 minutes, so the grid is the same on every wall clock) and as long
    as its visit type; inside one free interval of its clinician at its location on `day`
    (clinic sessions minus time off, booked time, the patient's other visits with their
    travel buffers, the past, and the patient's window); one resource of each group its
    specialty needs (`request.needs`), each free over the whole visit at its location; no
    clinician twice at once; the
    walk between consecutive locations fits between the visits; order pairs (a, b) have a
    ending before b starts; total waiting within `request.max_total_wait`.
    Returns the plan's figures.
    """
    specialties = [visit.specialty for visit in visits]
    for index, specialty in enumerate(specialties):
        if specialty not in request.durations:
            raise RuleViolation(
                "unexpected_specialty",
                f"{_name(specialty)} was not asked for in this plan.",
                index,
                "specialty",
            )
        if specialties.index(specialty) != index:
            raise RuleViolation(
                "repeated_specialty",
                f"Each specialty is seen once in a plan; {_name(specialty)} is listed twice.",
                index,
                "specialty",
            )
    if set(specialties) != set(request.specialties):
        missing = ", ".join(_name(s) for s in request.specialties if s not in specialties)
        raise RuleViolation("missing_specialty", f"The plan has no {missing} visit.", None, "")
    for index, visit in enumerate(visits):
        _check_visit(request, day, index, visit)
        _check_resources(request, day, index, visit)
    ordered = sorted(range(len(visits)), key=lambda i: visits[i].start)
    for a, b in zip(ordered, ordered[1:], strict=False):
        prev, nxt = visits[a], visits[b]
        if nxt.start < prev.end:
            raise RuleViolation(
                "overlap",
                f"The {_name(nxt.specialty)} visit starts before the {_name(prev.specialty)} "
                "visit ends.",
                b,
            )
        walk = buffer_minutes(request, prev.location_id, nxt.location_id)
        if nxt.start < prev.end + walk * _MINUTE:
            raise RuleViolation(
                "no_time_to_walk",
                f"The patient needs {walk} minutes to walk from the {_name(prev.specialty)} "
                f"visit to the {_name(nxt.specialty)} visit; it starts "
                f"{int((nxt.start - prev.end) / _MINUTE)} minutes after.",
                b,
            )
    at = {visit.specialty: i for i, visit in enumerate(visits)}
    for before, after in request.order:
        if before in at and after in at and visits[at[after]].start < visits[at[before]].end:
            raise RuleViolation(
                "order",
                f"The {_name(before)} visit must end before the {_name(after)} visit starts.",
                at[after],
            )
    result = figures(request, visits)
    if result.total_wait > request.max_total_wait:
        raise RuleViolation(
            "wait_limit",
            f"The plan waits {result.total_wait} minutes between visits, more than the "
            f"{request.max_total_wait}-minute limit.",
            None,
            "max_total_wait",
        )
    return result


def _check_visit(request: ItineraryRequest, day: DayCalendar, index: int, visit: Visit) -> None:
    epoch_minutes = int(visit.start.timestamp()) // 60
    if visit.start.second or visit.start.microsecond or epoch_minutes % request.grid_minutes:
        raise RuleViolation(
            "off_grid",
            f"Visits start on a {request.grid_minutes}-minute grid (e.g. 09:05, not 09:07).",
            index,
        )
    minutes = request.durations[visit.specialty]
    if visit.end - visit.start != minutes * _MINUTE:
        raise RuleViolation(
            "wrong_length",
            f"A {_name(visit.specialty)} visit lasts {minutes} minutes.",
            index,
            "end",
        )
    clinician = next((c for c in day.clinicians if c.clinician_id == visit.clinician_id), None)
    free: tuple[FreeInterval, ...] = ()
    if clinician is not None and clinician.specialty == visit.specialty:
        free = tuple(
            interval
            for interval in clinician.free
            if interval.start <= visit.start
            and visit.end <= interval.end
            and day.window_start <= visit.start
            and visit.end <= day.window_end
        )
    if not free:
        raise RuleViolation(
            "not_free", "The clinician is not free for the whole visit then.", index
        )
    if all(interval.location_id != visit.location_id for interval in free):
        raise RuleViolation(
            "wrong_location",
            "The clinician's session then is at another location.",
            index,
            "location",
        )


def _check_resources(request: ItineraryRequest, day: DayCalendar, index: int, visit: Visit) -> None:
    groups = request.needs.get(visit.specialty, ())
    if len(visit.resources) != len(groups):
        raise RuleViolation(
            "resources_missing",
            f"A {_name(visit.specialty)} visit takes {len(groups)} resource(s) besides its "
            f"clinician; {len(visit.resources)} given.",
            index,
            "resources",
        )
    for group, resource in zip(groups, visit.resources, strict=True):
        if resource not in group:
            raise RuleViolation(
                "wrong_resource",
                f"Resource {resource} is not one this {_name(visit.specialty)} visit can use.",
                index,
                "resources",
                resource,
            )
        if resource not in resources_free(day, (resource,), visit):
            raise RuleViolation(
                "resource_not_free",
                f"Resource {resource} is not free for the whole {_name(visit.specialty)} "
                "visit there.",
                index,
                "resources",
                resource,
            )


def _name(specialty: str) -> str:
    return specialty.replace("_", " ")


def visit_at(
    *,
    specialty: str,
    clinician_id: int,
    location_id: int,
    start: datetime,
    minutes: int,
    resources: tuple[int, ...] = (),
) -> Visit:
    """A Visit of `minutes` from `start` (aware), for checking a booking request."""
    end = start + minutes * _MINUTE
    return Visit(specialty, clinician_id, location_id, start, end, resources)
