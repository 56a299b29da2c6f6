"""A synthetic center, and OR-Tools CP-SAT as an independent check of the itinerary engine.

`make_center` and `make_request` build seeded plain engine data that the speed benchmark
and the solver comparison share; `solve_day_cpsat` models one day as a constraint program.
"""

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ortools.sat.python import cp_model

from navigation.engine import (
    ClinicianDay,
    DayCalendar,
    FreeInterval,
    ItineraryRequest,
    ResourceDay,
)

SPECIALTIES = (
    "neurosurgery",
    "spine_surgery",
    "radiation_oncology",
    "medical_oncology",
    "neuroradiology",
    "pathology",
    "pain_medicine",
    "palliative_care",
    "rehabilitation",
    "psychosocial",
)
SURGEONS = ("neurosurgery", "spine_surgery")
CLINIC_ZONE = ZoneInfo("America/New_York")
ZONES = (CLINIC_ZONE, ZoneInfo("America/Chicago"))  # a health system's, west last
FIRST_MONDAY = date(2026, 3, 2)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Center:
    days: list[DayCalendar]
    buffers: dict[tuple[int, int], int]
    zones: dict[int, ZoneInfo] = field(default_factory=dict)  # location id -> its zone

    def zone(self, location: int) -> ZoneInfo:
        return self.zones.get(location, CLINIC_ZONE)


def location_zones(locations: int, zones: int) -> dict[int, ZoneInfo]:
    """Locations 1..`locations` in `zones` contiguous groups, east (the clinic's zone) first."""
    return {i: ZONES[(i - 1) * zones // locations] for i in range(1, locations + 1)}


def _utc(day: date, hour: int, minute: int = 0, zone: ZoneInfo = CLINIC_ZONE) -> datetime:
    return datetime.combine(day, time(hour, minute), zone).astimezone(UTC)


def _clinic_day(
    rng: random.Random, day: date, zones: dict[int, ZoneInfo], booked: float
) -> list[FreeInterval]:
    """08:00-17:00 local in appointment blocks, each booked with probability `booked`; the
    afternoon may be at another location of the same zone."""
    home = rng.randint(1, len(zones))
    group = [place for place, zone in zones.items() if zone == zones[home]]
    away = rng.randint(group[0], group[-1]) if rng.random() < 0.3 else home
    free: list[FreeInterval] = []
    minute = 8 * 60
    while minute < 17 * 60:
        length = min(rng.choice((30, 45, 60, 90)), 17 * 60 - minute)
        place = home if minute < 13 * 60 else away
        if rng.random() >= booked:
            start = _utc(day, minute // 60, minute % 60, zones[home])
            end = start + timedelta(minutes=length)
            if free and free[-1].end == start and free[-1].location_id == place:
                free[-1] = FreeInterval(free[-1].start, end, place)
            else:
                free.append(FreeInterval(start, end, place))
        minute += length
    return free


def make_center(
    seed: int,
    clinicians: int = 40,
    locations: int = 3,
    weeks: int = 8,
    booked: float = 0.7,
    zones: int = 1,
) -> Center:
    """Weekdays from 2026-03-02 (across the DST change), clinicians spread over specialties;
    with `zones` 2 the later half of the locations keep Central time. The patient's window
    is 07:30 in the east to 18:00 in the west."""
    rng = random.Random(seed)
    places = location_zones(locations, zones)
    buffers = {
        (a, b): rng.choice((10, 15, 20, 25, 30))
        for a in range(1, locations + 1)
        for b in range(a + 1, locations + 1)
    }
    days = []
    for offset in range(weeks * 7):
        day = FIRST_MONDAY + timedelta(days=offset)
        if day.weekday() >= 5:
            continue
        people = tuple(
            ClinicianDay(
                100 + i,
                SPECIALTIES[i % len(SPECIALTIES)],
                tuple(_clinic_day(rng, day, places, booked)),
            )
            for i in range(clinicians)
        )
        opens, closes = _utc(day, 7, 30, places[1]), _utc(day, 18, 0, places[locations])
        days.append(DayCalendar(day, people, opens, closes))
    return Center(days, buffers, places)


def make_request(
    rng: random.Random,
    *,
    buffers: dict[tuple[int, int], int] | None = None,
    count: int = 4,
    max_total_wait: int = 90,
    limit: int = 5,
) -> ItineraryRequest:
    """`count` specialties with one order constraint, imaging before a surgeon when both."""
    specialties = tuple(rng.sample(SPECIALTIES, count))
    surgeons = [spec for spec in specialties if spec in SURGEONS]
    if "neuroradiology" in specialties and surgeons:
        order = (("neuroradiology", surgeons[0]),)
    else:
        order = (tuple(rng.sample(specialties, 2)),)
    return ItineraryRequest(
        specialties=specialties,
        durations={spec: rng.choice((20, 30, 45, 60)) for spec in specialties},
        max_total_wait=max_total_wait,
        order=order,
        buffers=dict(buffers or {}),
        limit=limit,
    )


MRI_SCANNERS = (901, 902)  # at locations 1 and 2
INTERPRETERS = (911, 912, 913)  # Spanish, going wherever the patient is


def _blocks(rng: random.Random, day: date, booked: float) -> list[tuple[datetime, datetime]]:
    """08:00-17:00 local in blocks of 30-90 minutes, each booked with probability `booked`."""
    free: list[tuple[datetime, datetime]] = []
    minute = 8 * 60
    while minute < 17 * 60:
        length = min(rng.choice((30, 45, 60, 90)), 17 * 60 - minute)
        if rng.random() >= booked:
            start = _utc(day, minute // 60, minute % 60)
            end = start + timedelta(minutes=length)
            if free and free[-1][1] == start:
                free[-1] = (free[-1][0], end)
            else:
                free.append((start, end))
        minute += length
    return free


def add_resources(center: Center, seed: int, booked: float = 0.5) -> Center:
    """The center with two MRI scanners (one at location 1, one at 2) and three Spanish
    interpreters free at every location, each `booked` like the clinicians."""
    rng = random.Random(seed + 7)
    places = sorted({f.location_id for c in center.days[0].clinicians for f in c.free} | {1, 2})
    days = []
    for day in center.days:
        resources = [
            ResourceDay(
                rid, tuple(FreeInterval(s, e, place) for s, e in _blocks(rng, day.day, booked))
            )
            for rid, place in zip(MRI_SCANNERS, (1, 2), strict=True)
        ]
        for rid in INTERPRETERS:
            blocks = _blocks(rng, day.day, booked)
            resources.append(
                ResourceDay(rid, tuple(FreeInterval(s, e, p) for p in places for s, e in blocks))
            )
        days.append(replace(day, resources=tuple(resources)))
    return Center(days, center.buffers)


def make_resource_request(
    rng: random.Random,
    *,
    buffers: dict[tuple[int, int], int] | None = None,
    max_total_wait: int = 90,
    limit: int = 5,
) -> ItineraryRequest:
    """4 specialties, the MRI (neuroradiology, on a scanner) first, an interpreter at
    every visit."""
    others = rng.sample([s for s in SPECIALTIES if s != "neuroradiology"], 3)
    specialties = ("neuroradiology", *others)
    needs = {spec: (INTERPRETERS,) for spec in specialties}
    needs["neuroradiology"] = (MRI_SCANNERS, INTERPRETERS)
    return ItineraryRequest(
        specialties=specialties,
        durations={"neuroradiology": 45} | {s: rng.choice((20, 30, 45, 60)) for s in others},
        max_total_wait=max_total_wait,
        order=tuple(("neuroradiology", s) for s in others),
        buffers=dict(buffers or {}),
        limit=limit,
        needs=needs,
    )


def _minute(moment: datetime, *, up: bool) -> int:
    seconds = (moment - _EPOCH).total_seconds()
    return -int(-seconds // 60) if up else int(seconds // 60)


def _travel(request: ItineraryRequest, a: int, b: int) -> int:
    if a == b:
        return 0
    if (a, b) in request.buffers:
        return request.buffers[(a, b)]
    return request.buffers.get((b, a), request.default_buffer)


def solve_day_cpsat(request: ItineraryRequest, day: DayCalendar) -> tuple[int, datetime] | None:
    """The optimum (total wait, finish) of one day by CP-SAT, or None when nothing fits.

    Visits are interval variables placed on the grid; each takes exactly one optional
    clinician-interval choice, and for each resource group of its specialty exactly one
    resource-interval choice at the same location; a circuit through a depot orders them
    and carries the buffer and the wait of each consecutive pair.
    """
    grid = request.grid_minutes
    base = _minute(day.window_start, up=True) // grid * grid
    horizon = _minute(day.window_end, up=False) - base
    if horizon <= 0:
        return None
    model = cp_model.CpModel()
    specs = request.specialties
    starts, ends, places, intervals = [], [], [], []
    by_clinician: dict[int, list] = {}
    for s, spec in enumerate(specs):
        duration = request.durations[spec]
        step = model.new_int_var(0, horizon // grid, f"step{s}")
        start = model.new_int_var(0, horizon, f"start{s}")
        model.add(start == grid * step)
        model.add(start >= _minute(day.window_start, up=True) - base)
        end = model.new_int_var(0, horizon, f"end{s}")
        intervals.append(model.new_interval_var(start, duration, end, f"visit{s}"))
        choices: dict[int, list] = {}
        for clinician in day.clinicians:
            if clinician.specialty != spec:
                continue
            for j, free in enumerate(clinician.free):
                pick = model.new_bool_var(f"pick{s}_{clinician.clinician_id}_{j}")
                model.add(start >= _minute(free.start, up=True) - base).only_enforce_if(pick)
                model.add(end <= _minute(free.end, up=False) - base).only_enforce_if(pick)
                choices.setdefault(free.location_id, []).append(pick)
                by_clinician.setdefault(clinician.clinician_id, []).append(pick)
        if not choices:
            return None
        model.add_exactly_one([pick for picks in choices.values() for pick in picks])
        at = {}
        for location, picks in choices.items():
            at[location] = model.new_bool_var(f"at{s}_{location}")
            model.add(sum(picks) == at[location])
        for g, group in enumerate(request.needs.get(spec, ())):
            takes = []
            for resource in day.resources:
                if resource.resource_id not in group:
                    continue
                for j, free in enumerate(resource.free):
                    if free.location_id not in at:
                        continue
                    take = model.new_bool_var(f"take{s}_{g}_{resource.resource_id}_{j}")
                    model.add(start >= _minute(free.start, up=True) - base).only_enforce_if(take)
                    model.add(end <= _minute(free.end, up=False) - base).only_enforce_if(take)
                    model.add_implication(take, at[free.location_id])
                    takes.append(take)
            if not takes:
                return None
            model.add_exactly_one(takes)
        starts.append(start)
        ends.append(end)
        places.append(at)
    for picks in by_clinician.values():
        model.add_at_most_one(picks)
    model.add_no_overlap(intervals)
    for before, after in request.order:
        model.add(ends[specs.index(before)] <= starts[specs.index(after)])
    arcs = []
    gaps = []
    for i in range(len(specs)):
        arcs.append((0, i + 1, model.new_bool_var(f"first{i}")))
        arcs.append((i + 1, 0, model.new_bool_var(f"last{i}")))
        for j in range(len(specs)):
            if i == j:
                continue
            nxt = model.new_bool_var(f"next{i}_{j}")
            arcs.append((i + 1, j + 1, nxt))
            gap = model.new_int_var(0, horizon, f"gap{i}_{j}")
            model.add(gap == 0).only_enforce_if(~nxt)
            for a, at_a in places[i].items():
                for b, at_b in places[j].items():
                    travel = _travel(request, a, b)
                    model.add(starts[j] == ends[i] + travel + gap).only_enforce_if(
                        [nxt, at_a, at_b]
                    )
            gaps.append(gap)
    model.add_circuit(arcs)
    wait = model.new_int_var(0, request.max_total_wait, "wait")
    model.add(wait == sum(gaps))
    finish = model.new_int_var(0, horizon, "finish")
    model.add_max_equality(finish, ends)
    model.minimize(wait * (horizon + 1) + finish)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return None
    if status != cp_model.OPTIMAL:
        raise RuntimeError(f"CP-SAT stopped without proving optimality: {solver.status_name()}")
    moment = _EPOCH + timedelta(minutes=base + solver.value(finish))
    return solver.value(wait), moment
