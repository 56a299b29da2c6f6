"""The synthetic center of `bench/cpsat.py` as database rows, moved to dates in the future.

Every synthetic day lands on the same weekday `first_day + offset` later, keeping its
wall-clock times, so the loader (`selectors.free_days`) hands the engine the very free
intervals `make_center` made, and an API answer can be checked against the engine's.
The clinician's morning and afternoon locations change from day to day in the synthetic
center, so each clinic day is a Mon-Fri template valid on that one date; booked time is
appointments of at most an hour, held by as few patients as never overlap.

With `resources` (`ResourceSpec`s, and a center whose days carry `ResourceDay`s, as
`bench.cpsat.add_resources` or `system_resources` make them) the rooms, machines and
interpreters are loaded too: a Mon-Fri 08:00-17:00 template at the resource's own
location over the center's dates, and its booked blocks as time off (an interpreter's
booked time then takes no walk to other places, as in the synthetic center, where an
interpreter is free at every location over the same minutes).
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework.authtoken.models import Token

from bench.cpsat import (
    CLINIC_ZONE,
    FIRST_MONDAY,
    INTERPRETERS,
    MRI_SCANNERS,
    Center,
)
from navigation import rules
from navigation.engine import FreeInterval, ResourceDay
from navigation.models import (
    Appointment,
    AvailabilityTemplate,
    Clinician,
    Location,
    Resource,
    TimeOff,
    TravelBuffer,
    VisitType,
)
from patients.models import Patient
from tumorboard.roles import NAVIGATOR

DAY_START = 8 * 60  # make_center's clinic day, 08:00-17:00 local, in minutes
DAY_END = 17 * 60
LONGEST_BOOKING = 60


@dataclass(frozen=True)
class LoadedCenter:
    first_day: date  # where the synthetic FIRST_MONDAY landed
    locations: dict[int, int]  # synthetic id -> database id, both ascending
    clinicians: dict[int, int]
    specialties: dict[int, str]  # synthetic clinician id -> specialty
    minutes: dict[str, int]  # the new-patient visit length of each specialty
    appointments: int
    patients: int
    resources: dict[int, int] = field(default_factory=dict)  # synthetic id -> database id


@dataclass(frozen=True)
class ResourceSpec:
    """A synthetic resource: its id in the center's `ResourceDay`s, what it is, and the
    synthetic location its templates are at (an interpreter's: where it works from)."""

    id: int
    kind: str  # Resource.Kind
    location: int
    equipment: str = ""
    languages: tuple[str, ...] = ()

    @property
    def mri(self) -> bool:
        return self.equipment in (Resource.Equipment.MRI_1_5T, Resource.Equipment.MRI_3T)


# `bench.cpsat.add_resources`'s: two scanners at locations 1 and 2, three Spanish
# interpreters (working from location 1, free wherever the patient is).
SMALL_RESOURCES = (
    ResourceSpec(MRI_SCANNERS[0], Resource.Kind.EQUIPMENT, 1, Resource.Equipment.MRI_3T),
    ResourceSpec(MRI_SCANNERS[1], Resource.Kind.EQUIPMENT, 2, Resource.Equipment.MRI_1_5T),
    *(ResourceSpec(rid, Resource.Kind.INTERPRETER, 1, languages=("es",)) for rid in INTERPRETERS),
)
# A health system's, per location: two scanners (3 T, 1.5 T), a CT simulator, a linac, a
# procedure room and an exam room; and three interpreters, two of them Spanish.
_PER_LOCATION = (
    (Resource.Kind.EQUIPMENT, Resource.Equipment.MRI_3T),
    (Resource.Kind.EQUIPMENT, Resource.Equipment.MRI_1_5T),
    (Resource.Kind.EQUIPMENT, Resource.Equipment.CT_SIMULATOR),
    (Resource.Kind.EQUIPMENT, Resource.Equipment.LINAC),
    (Resource.Kind.EQUIPMENT, Resource.Equipment.PROCEDURE_ROOM),
    (Resource.Kind.ROOM, ""),
)
_LANGUAGES = (("es",), ("es", "pt"), ("zh", "vi"))


def _blocks(
    rng: random.Random, day: date, booked: float, zone: ZoneInfo
) -> list[tuple[datetime, datetime]]:
    """`bench.cpsat._blocks` on `zone`'s wall clock: 08:00-17:00 in blocks of 30-90
    minutes, each booked with probability `booked`; the free ones, merged (UTC)."""
    free: list[tuple[datetime, datetime]] = []
    minute = DAY_START
    while minute < DAY_END:
        length = min(rng.choice((30, 45, 60, 90)), DAY_END - minute)
        if rng.random() >= booked:
            start = local_utc(day, minute, zone)
            end = start + timedelta(minutes=length)
            if free and free[-1][1] == start:
                free[-1] = (free[-1][0], end)
            else:
                free.append((start, end))
        minute += length
    return free


def system_resources(
    center: Center, seed: int, booked: float = 0.5
) -> tuple[Center, tuple[ResourceSpec, ...]]:
    """A health system's resources for `center` (6 rooms and machines and 3 interpreters a
    location: 60 and 30 at 10 locations), each `booked` like `add_resources`' in blocks
    of 30-90 minutes of 08:00-17:00 on its own location's wall clock; an interpreter is
    free at every location over the same minutes."""
    places = sorted(center.zones) or [1, 2, 3]
    specs = [
        ResourceSpec(2000 + n, kind, place, equipment)
        for n, (place, (kind, equipment)) in enumerate(
            (p, item) for p in places for item in _PER_LOCATION
        )
    ] + [
        ResourceSpec(3000 + n, Resource.Kind.INTERPRETER, place, languages=languages)
        for n, (place, languages) in enumerate((p, lang) for p in places for lang in _LANGUAGES)
    ]
    rng = random.Random(seed + 7)
    days = []
    for day in center.days:
        resources = []
        for spec in specs:
            blocks = _blocks(rng, day.day, booked, center.zone(spec.location))
            at = places if spec.kind == Resource.Kind.INTERPRETER else [spec.location]
            resources.append(
                ResourceDay(spec.id, tuple(FreeInterval(s, e, p) for p in at for s, e in blocks))
            )
        days.append(replace(day, resources=tuple(resources)))
    return replace(center, days=days), tuple(specs)


def search_needs(
    specialties: tuple[str, ...], specs: tuple[ResourceSpec, ...], language: str = "es"
) -> dict[str, tuple[tuple[int, ...], ...]]:
    """The engine's `needs` (synthetic ids) that `visit_needs` gives a patient needing a
    `language` interpreter when neuroradiology's visit type needs an MRI scanner."""
    interpreters = tuple(s.id for s in specs if language in s.languages)
    mri = tuple(s.id for s in specs if s.mri)
    return {
        spec: ((mri, interpreters) if spec == "neuroradiology" else (interpreters,))
        for spec in specialties
    }


@dataclass(frozen=True)
class _Span:
    """Clinic-time minutes since midnight at a synthetic location."""

    start: int
    end: int
    location: int


def moved(day: date, first_day: date) -> date:
    return first_day + (day - FIRST_MONDAY)


def local_utc(day: date, minute: int, zone: ZoneInfo = CLINIC_ZONE) -> datetime:
    at = time(minute // 60, minute % 60)
    return datetime.combine(day, at, zone).astimezone(UTC)


def _local_minute(moment: datetime, day: date, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    if local.date() != day:
        raise ValueError(f"{moment} is not on {day} in clinic time")
    return local.hour * 60 + local.minute


def free_minutes(center: Center) -> dict[tuple[date, int], list[_Span]]:
    """(synthetic day, synthetic clinician) -> free time in its location's local minutes."""
    out = {}
    for day in center.days:
        for person in day.clinicians:
            out[(day.day, person.clinician_id)] = [
                _Span(
                    _local_minute(f.start, day.day, center.zone(f.location_id)),
                    _local_minute(f.end, day.day, center.zone(f.location_id)),
                    f.location_id,
                )
                for f in person.free
            ]
    return out


def _sessions(free: list[_Span], home: int) -> list[_Span]:
    """A morning and an afternoon session whose free parts are exactly `free`."""
    places = list(dict.fromkeys(f.location for f in free)) or [home]
    if len(places) == 1:
        return [_Span(DAY_START, DAY_END, places[0])]
    split = next(f.start for f in free if f.location == places[1])
    if len(places) > 2 or any(f.location == places[0] and f.end > split for f in free):
        raise ValueError(f"free time moves between more than two places: {free}")
    return [_Span(DAY_START, split, places[0]), _Span(split, DAY_END, places[1])]


def _booked(session: _Span, free: list[_Span]) -> list[tuple[int, int]]:
    """The session minus its free time, cut into appointments of at most an hour."""
    out = []
    cursor = session.start
    for piece in [*free, _Span(session.end, session.end, session.location)]:
        if piece.start < session.start or piece.end > session.end:
            continue
        while cursor < piece.start:
            end = min(piece.start, cursor + LONGEST_BOOKING)
            out.append((cursor, end))
            cursor = end
        cursor = max(cursor, piece.end)
    return out


def _patients(prefix: str, count: int) -> list[Patient]:
    return Patient.objects.bulk_create(
        Patient(
            mrn=f"BENCH-{prefix}-{n:05d}",
            first_name="Bench",
            last_name=f"{prefix.title()} {n}",
            birth_date=date(1960, 1, 1) + timedelta(days=n),
            email=f"bench-{prefix}-{n}@example.org",
        )
        for n in range(count)
    )


def patients_create(*, prefix: str, count: int) -> list[int]:
    return [p.pk for p in _patients(prefix, count)]


def _assign_patients(appointments: list[Appointment], prefix: str) -> int:
    """Give the bookings as few patients as never hold two overlapping visits (greedy
    interval colouring, earliest start first); returns how many."""
    appointments.sort(key=lambda a: (a.start, a.end))
    ends: list[tuple[datetime, int]] = []
    owner: list[int] = []
    for appointment in appointments:
        if ends and ends[0][0] <= appointment.start:
            _, slot = heapq.heappop(ends)
        else:
            slot = len(ends)
        owner.append(slot)
        heapq.heappush(ends, (appointment.end, slot))
    patients = _patients(prefix, len(ends))
    for appointment, slot in zip(appointments, owner, strict=True):
        appointment.patient_id = patients[slot].pk
    return len(patients)


@transaction.atomic
def center_load(
    *,
    center: Center,
    first_day: date,
    locations: int = 3,
    prefix: str = "booked",
    resources: tuple[ResourceSpec, ...] | None = None,
) -> LoadedCenter:
    """Write the center's rows with bulk_create; `first_day` must be a Monday. A center
    with zones has as many locations as zones name; `prefix` names its booked patients.
    `resources` describe the `ResourceDay`s of the center's days, to load as well."""
    locations = len(center.zones) or locations
    if first_day.weekday() != 0:
        raise ValueError(f"{first_day} is not a Monday")
    places = {
        i: Location.objects.create(
            name=f"Bench {prefix} building {i}", time_zone=str(center.zone(i))
        ).pk
        for i in range(1, locations + 1)
    }
    TravelBuffer.objects.bulk_create(
        TravelBuffer(from_location_id=places[a], to_location_id=places[b], minutes=minutes)
        for (a, b), minutes in sorted(center.buffers.items())
    )
    minutes = dict(rules.DEFAULT_MINUTES)
    VisitType.objects.bulk_create(  # a second center shares the first one's
        (
            VisitType(specialty=spec, name="New patient", minutes=length, new_patient=True)
            for spec, length in minutes.items()
        ),
        ignore_conflicts=True,
    )
    specialties = {p.clinician_id: p.specialty for p in center.days[0].clinicians}
    ids = sorted(specialties)
    homes = {cid: 1 + n % locations for n, cid in enumerate(ids)}
    rows = Clinician.objects.bulk_create(
        Clinician(
            name=f"Dr. Bench {cid}", specialty=specialties[cid], home_location_id=places[homes[cid]]
        )
        for cid in ids
    )
    clinicians = {cid: row.pk for cid, row in zip(ids, rows, strict=True)}
    templates, appointments = [], []
    for (day, cid), free in free_minutes(center).items():
        on = moved(day, first_day)
        for session in _sessions(free, homes[cid]):
            templates.append(
                AvailabilityTemplate(
                    clinician_id=clinicians[cid],
                    weekday=on.weekday(),
                    start_time=time(session.start // 60, session.start % 60),
                    end_time=time(session.end // 60, session.end % 60),
                    location_id=places[session.location],
                    valid_from=on,
                    valid_until=on,
                )
            )
            appointments += [
                Appointment(
                    clinician_id=clinicians[cid],
                    location_id=places[session.location],
                    specialty=specialties[cid],
                    start=local_utc(on, start, center.zone(session.location)),
                    end=local_utc(on, end, center.zone(session.location)),
                )
                for start, end in _booked(
                    session, [f for f in free if f.location == session.location]
                )
            ]
    AvailabilityTemplate.objects.bulk_create(templates, batch_size=2000)
    patients = _assign_patients(appointments, prefix)
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    resources = _resources_load(center, first_day, places, resources or (), prefix)
    return LoadedCenter(
        first_day, places, clinicians, specialties, minutes, len(appointments), patients, resources
    )


def _resources_load(
    center: Center,
    first_day: date,
    places: dict[int, int],
    specs: tuple[ResourceSpec, ...],
    prefix: str,
) -> dict[int, int]:
    """The resources' rows: Mon-Fri 08:00-17:00 templates over the center's dates, and
    each day's booked blocks (the session minus its free time) as time off."""
    if not specs:
        return {}
    rows = Resource.objects.bulk_create(
        Resource(
            name=f"Bench {prefix} {spec.kind} {spec.id:05d}",  # name order is id order
            kind=spec.kind,
            equipment=spec.equipment,
            location_id=places[spec.location],
            languages=list(spec.languages),
        )
        for spec in specs
    )
    ids = {spec.id: row.pk for spec, row in zip(specs, rows, strict=True)}
    home = {spec.id: spec.location for spec in specs}
    first, last = moved(center.days[0].day, first_day), moved(center.days[-1].day, first_day)
    AvailabilityTemplate.objects.bulk_create(
        AvailabilityTemplate(
            resource_id=ids[spec.id],
            weekday=weekday,
            start_time=time(DAY_START // 60),
            end_time=time(DAY_END // 60),
            location_id=places[spec.location],
            valid_from=first,
            valid_until=last,
        )
        for spec in specs
        for weekday in range(5)
    )
    off = []
    for day in center.days:
        on = moved(day.day, first_day)
        for resource in day.resources:
            if resource.resource_id not in ids:
                continue
            place = home[resource.resource_id]
            zone = center.zone(place)
            free = [
                _Span(
                    _local_minute(f.start, day.day, zone),
                    _local_minute(f.end, day.day, zone),
                    place,
                )
                for f in resource.free
                if f.location_id == place
            ]
            off += [
                TimeOff(
                    resource_id=ids[resource.resource_id],
                    start=local_utc(on, start, zone),
                    end=local_utc(on, end, zone),
                    reason="booked",
                )
                for start, end in _booked(_Span(DAY_START, DAY_END, place), free)
            ]
    TimeOff.objects.bulk_create(off, batch_size=2000)
    return ids


def navigators_create(*, count: int) -> list[str]:
    """`count` navigators that can only log in by API token; returns the tokens."""
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench-navigator-{n:02d}", password=make_password(None))
        for n in range(count)
    )
    group = Group.objects.get(name=NAVIGATOR)
    membership = get_user_model().groups.through
    membership.objects.bulk_create(membership(user_id=u.pk, group_id=group.pk) for u in users)
    tokens = Token.objects.bulk_create(Token(key=Token.generate_key(), user=u) for u in users)
    return [t.key for t in tokens]


def visit_starts(
    *, center: Center, loaded: LoadedCenter, clinician: int, minutes: int, count: int
) -> list[datetime]:
    """The first `count` visit starts (UTC) of `minutes` in a synthetic clinician's free
    time, one per day from the first day on, so none of them overlaps another."""
    starts = []
    for (day, cid), free in sorted(free_minutes(center).items()):
        if cid != clinician:
            continue
        fits = next((f for f in free if f.end - f.start >= minutes), None)
        if fits is not None:
            on = moved(day, loaded.first_day)
            starts.append(local_utc(on, fits.start, center.zone(fits.location)))
        if len(starts) == count:
            return starts
    raise ValueError(f"clinician {clinician} has fewer than {count} free {minutes}-minute slots")
