"""What every booking path shares: the check of the visits against the rule checker, the
calendar locks, the insert that turns a constraint violation into a clash naming what is
really there, the history, and the referral's one live consult.

Search and booking use one checker (`navigation.checker`); this module builds its inputs
from the database: the free time of the visits' local date with the same loader the
search uses (`selectors.free_days`), so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from navigation import checker, engine, rules, selectors
from navigation.models import (
    CONSULT_LIVE,
    Appointment,
    AppointmentChange,
    AppointmentResource,
    Clinician,
    Resource,
    VisitType,
)
from navigation.services.resources import Needs, visit_needs
from notifications.alerts import CONSULT_BOOKED, CONSULT_KINDS, alerts_resolve
from notifications.models import Alert
from patients import clinical
from patients.models import Patient, Referral
from tumorboard.errors import Conflict, DomainError

# Who made a change: a user for the history, or None for the system's own jobs.
Actor = Any

GRID_MINUTES = 5
BOOKING_HORIZON = timedelta(days=365)
DEFAULT_MAX_WAIT = 90


@dataclass(frozen=True)
class VisitRequest:
    """One visit asked for: a clinician and an aware start; `visit_type`, when given, is
    the kind of visit (of the visit's specialty: its minutes and needs apply, and the
    appointment carries it), else the specialty's new-patient type; the length defaults to
    the type's; `location`, when given, must be the session's; `resources`, when given,
    are the rooms, machines and interpreter it takes (else the free ones are picked, the
    same interpreter for the day when one is free for all); with `pick_others`, they are
    some of the kinds it takes, and free ones are picked for the rest (FHIR's `$book`
    with a required Device but no interpreter named). `minutes`, when given, must be the
    type's (only an override may differ); `length_field` is the input field it came from
    (`minutes`, or `end` when the client gave an end), named by the error."""

    clinician: Clinician
    start: datetime
    minutes: int | None = None
    specialty: str | None = None
    location_id: int | None = None
    resources: tuple[Resource, ...] | None = None
    visit_type: VisitType | None = None
    pick_others: bool = False
    length_field: str = "minutes"

    @property
    def all_resources_given(self) -> bool:
        """Whether `resources` names every resource the visit takes (none picked)."""
        return self.resources is not None and not self.pick_others


@dataclass(frozen=True)
class PlanRules:
    """The constraints a plan was searched with, checked again at booking: the wait limit
    (minutes), extra order pairs, and the patient's local arrival/departure window."""

    max_total_wait: int = DEFAULT_MAX_WAIT
    order: tuple[tuple[str, str], ...] = ()
    window: tuple[time | None, time | None] | None = None


@dataclass(frozen=True)
class CheckedVisit:
    request: VisitRequest
    specialty: str
    end: datetime
    location_id: int
    visit_type: VisitType | None
    day: date
    time_zone: str
    resources: tuple[int, ...] = ()


def visit_types(
    specialties: Iterable[str], chosen: Mapping[str, VisitType | None] | None = None
) -> dict[str, VisitType | None]:
    """The visit type of each specialty: the one `chosen` for it (a type of that specialty;
    None there: the specialty has none, its default minutes apply), else its new-patient
    type (the latest configured), if any. Keys of `chosen` not in `specialties` are
    ignored; specialties it covers are not read again (all covered: no query)."""
    specialties = list(specialties)
    chosen = chosen or {}
    found: dict[str, VisitType] = {}
    missing = [s for s in specialties if s not in chosen]
    if missing:
        for visit in VisitType.objects.filter(specialty__in=missing, new_patient=True):
            if visit.specialty not in found or visit.pk > found[visit.specialty].pk:
                found[visit.specialty] = visit
    return {s: chosen[s] if s in chosen else found.get(s) for s in specialties}


def chosen_types(
    visits: Sequence[VisitRequest], specialties: Sequence[str]
) -> dict[str, VisitType | None]:
    """The visit types the visits name (`VisitRequest.visit_type`), by specialty."""
    return {
        s: v.visit_type
        for v, s in zip(visits, specialties, strict=True)
        if v.visit_type is not None
    }


def _type_minutes(visit_type: VisitType | None, specialty: str) -> int:
    return visit_type.minutes if visit_type else rules.DEFAULT_MINUTES[specialty]


def visits_minutes(
    specialties: Iterable[str], chosen: Mapping[str, VisitType | None] | None = None
) -> dict[str, int]:
    """The visit length of each specialty (minutes): its `chosen` type's (see
    `visit_types`), else its new-patient type's, else the default."""
    return {s: _type_minutes(t, s) for s, t in visit_types(specialties, chosen).items()}


def visit_minutes(specialty: str) -> int:
    return visits_minutes([specialty])[specialty]


def grid_ceil(moment: datetime) -> datetime:
    """The first grid start at or after `moment` (aware)."""
    moment = moment.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta(0)
    )
    return moment + timedelta(minutes=-moment.minute % GRID_MINUTES)


def plan_request(
    specialties: Sequence[str],
    minutes: dict[str, int],
    plan: PlanRules,
    limit: int = 5,
    needs: Needs | None = None,
) -> engine.ItineraryRequest:
    """The engine's request for a plan: the same for search and booking."""
    order = tuple(dict.fromkeys(plan.order + rules.default_order(tuple(specialties))))
    rules.check_order(tuple(specialties), order)
    return engine.ItineraryRequest(
        specialties=tuple(specialties),
        durations=minutes,
        max_total_wait=plan.max_total_wait,
        order=order,
        buffers=selectors.travel_buffers(),
        grid_minutes=GRID_MINUTES,
        limit=limit,
        needs=needs.groups if needs else {},
    )


@dataclass(frozen=True)
class PlanNeeds:
    """What a plan's visits need, read once before the calendar locks and handed to
    `check_visits`: the visit types by specialty, the resources they need (None when that
    read failed; the check says why), and the resource ids to lock."""

    types: dict[str, VisitType | None]
    needs: Needs | None
    lock: list[int]


def plan_resources(visits: list[VisitRequest], patient: Patient) -> PlanNeeds:
    """Every resource a plan's visits may take (the ones asked for, else every one that
    could serve their needs): the calendars to lock before checking and booking it; with
    the visit types and needs read for it, for `check_visits` to use."""
    given = [r.pk for v in visits for r in (v.resources or ())]
    specialties = [v.specialty or v.clinician.specialty for v in visits]
    types = visit_types(specialties, chosen_types(visits, specialties))
    try:
        needs = visit_needs(specialties=specialties, types=types, patient=patient)
    except DomainError:
        return PlanNeeds(types, None, given)  # the check that follows says what is missing
    if all(v.all_resources_given for v in visits):
        return PlanNeeds(types, needs, given)
    return PlanNeeds(types, needs, sorted({*given, *(r.pk for r in needs.loaded)}))


def lock_calendars(
    *, clinicians: Iterable[int], patients: Iterable[int], resources: Iterable[int] = ()
) -> None:
    """Serialize bookings that touch the same calendars (clinicians', patients' and
    resources'), always taking the locks in one order: racing inserts then queue instead
    of deadlocking inside the exclusion constraints' index (PostgreSQL can deadlock two
    concurrent conflicting inserts)."""
    keys = sorted(
        {(1, c) for c in clinicians} | {(2, p) for p in patients} | {(3, r) for r in resources}
    )
    if not keys:
        return
    # One round trip: PostgreSQL evaluates a select list left to right, so in key order.
    calls = ", ".join(["pg_advisory_xact_lock(%s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {calls}", [part for key in keys for part in key])


def _field(index: int | None, name: str, single: bool) -> str:
    if single or index is None:
        return name or "visits"
    return f"visits.{index}.{name}" if name else "visits"


def _local(moment: datetime, time_zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(time_zone)):%a %d %b %H:%M}"


def check_visits(
    visits: Sequence[VisitRequest],
    *,
    patient: Patient,
    now: datetime,
    plan: PlanRules | None = None,
    override: bool = False,
    exclude_id: int | None = None,
    read: PlanNeeds | None = None,
    prefer: Sequence[int] = (),
) -> tuple[list[CheckedVisit], checker.Figures]:
    """Check visits for `patient` against every rule of a plan; call under the calendar
    locks. One visit is a plan of one. Returns the visits, checked, and the plan's waiting
    and walking minutes. Errors name the field (`start`, or `visits.{i}.start` for a plan
    of several) and raise DomainError (400) for a rule, or Conflict (409) naming what is
    booked or held there. An override (an emergency booked over other visits) checks only
    the clock: the past, the year ahead and the grid. `read`: what `plan_resources` read
    for these visits before the locks (the visit types and needs; not read again).
    `prefer`: resource ids, best first, to pick for a visit that names none when free then
    (a reschedule keeps its own, else the patient's interpreter of the day)."""
    single = len(visits) == 1
    plan = plan or PlanRules()
    specialties = [v.specialty or v.clinician.specialty for v in visits]
    types = (
        read.types
        if read is not None
        else visit_types(set(specialties), chosen_types(visits, specialties))
    )
    minutes = {
        s: (v.minutes if override and v.minutes else _type_minutes(types[s], s))
        for v, s in zip(visits, specialties, strict=True)
    }
    ends = [
        v.start + timedelta(minutes=minutes[s]) for v, s in zip(visits, specialties, strict=True)
    ]
    for index, (visit, specialty) in enumerate(zip(visits, specialties, strict=True)):
        _check_clock(visit, specialty, now, _field(index, "start", single), single)
        if visit.visit_type is not None and visit.visit_type.specialty != specialty:
            raise DomainError(
                f"“{visit.visit_type.name}” is a {_name(visit.visit_type.specialty)} visit, "
                f"not a {_name(specialty)} one.",
                field=_field(index, "visit_type", single),
                code="wrong_visit_type",
            )
        if not override:
            field = _field(index, visit.length_field, single)
            _check_length(visit, specialty, types[specialty], field)
    clinicians = list({v.clinician.pk: v.clinician for v in visits}.values())
    sessions = selectors.visit_sessions(clinicians, [v.start for v in visits])
    # Time off of every date the visits can fall on, read once for the sessions and the day.
    time_off = selectors.clinicians_time_off(
        [c.pk for c in clinicians],
        *selectors.visit_span([v.start for v in visits]),
    )
    covering = selectors.sessions_covering(
        [(v.clinician, v.start, end) for v, end in zip(visits, ends, strict=True)],
        sessions,
        time_off,
    )
    checked = []
    for index, (visit, specialty, end, found) in enumerate(
        zip(visits, specialties, ends, covering, strict=True)
    ):
        if found is None:
            home = visit.clinician.home_location
            if not override:
                raise DomainError(
                    f"{visit.clinician.name} has no clinic session covering "
                    f"{_local(visit.start, home.time_zone)} ({home.time_zone}).",
                    field=_field(index, "start", single),
                    code="outside_availability",
                )
            found = (
                home.pk,
                visit.start.astimezone(ZoneInfo(home.time_zone)).date(),
                home.time_zone,
            )
        location_id, day, zone = found
        if visit.location_id is not None and visit.location_id != location_id and not override:
            raise DomainError(
                f"{visit.clinician.name}'s session then is at another location "
                f"(location {location_id}).",
                field=_field(index, "location", single),
                code="wrong_location",
            )
        checked.append(
            CheckedVisit(visit, specialty, end, location_id, types[specialty], day, zone)
        )
    if len({c.day for c in checked}) > 1:
        raise DomainError(
            "A plan's visits must all be on the same day (each on its clinic's calendar).",
            field="visits",
            code="several_days",
        )
    if override:
        return checked, checker.Figures(0, 0)
    if len(set(specialties)) != len(specialties):
        raise DomainError(
            "Each specialty is seen once in a plan.", field="visits", code="repeated_specialty"
        )
    needs = (
        read.needs
        if read is not None and read.needs is not None
        else visit_needs(
            specialties=specialties,
            types=types,
            patient=patient,
            field="specialty" if single else "visits",
            fields={
                s: _field(i, "visit_type", single)
                for i, (v, s) in enumerate(zip(visits, specialties, strict=True))
                if v.visit_type is not None
            },
        )
    )
    request = plan_request(specialties, minutes, plan, needs=needs)
    (calendar,) = selectors.free_days(
        clinicians=clinicians,
        sessions=sessions,
        first=checked[0].day,
        last=checked[0].day,
        patient_id=patient.pk,
        not_before=now,
        window=plan.window,
        buffers=dict(request.buffers),
        exclude_id=exclude_id,
        now=now,
        resources=_calendars_needed(visits, needs),
        time_off=time_off,
    )
    engine_visits = _with_resources(
        request,
        calendar,
        [
            engine.Visit(c.specialty, c.request.clinician.pk, c.location_id, c.request.start, c.end)
            for c in checked
        ],
        [v.resources for v in visits],
        single,
        prefer,
        [v.pick_others for v in visits],
    )
    checked = [
        replace(c, resources=v.resources) for c, v in zip(checked, engine_visits, strict=True)
    ]
    try:
        figures = checker.check_itinerary(request, calendar, engine_visits)
    except checker.RuleViolation as violation:
        if violation.code == "resource_not_free" and violation.visit is not None:
            _raise_resource_taken(
                checked[violation.visit],
                violation.resource,
                needs,
                exclude_id,
                now,
                violation.visit,
                single,
                patient_id=patient.pk,
            )
        if violation.code == "not_free" and violation.visit is not None:
            _raise_not_free(
                checked[violation.visit], patient, exclude_id, now, violation.visit, single
            )
        if violation.code == "not_free" and plan.window:
            raise DomainError(
                "The visit falls outside the patient's window (earliest arrival, latest "
                "departure).",
                field="earliest_arrival",
                code="outside_window",
            ) from None
        raise DomainError(
            violation.message,
            field=_field(violation.visit, violation.field, single),
            code=violation.code,
        ) from None
    return checked, figures


def _calendars_needed(visits: Sequence[VisitRequest], needs: Needs) -> list[Resource]:
    """The resources whose day a check reads: the ones the visits name when every visit
    names its own (the checker looks at no other), else all the visits could take."""
    given = {r.pk for v in visits for r in (v.resources or ())}
    if all(v.all_resources_given for v in visits) and given <= needs.resources.keys():
        return [needs.resources[pk] for pk in sorted(given)]
    return needs.loaded


def _with_resources(
    request: engine.ItineraryRequest,
    calendar: engine.DayCalendar,
    visits: list[engine.Visit],
    given: list[tuple[Resource, ...] | None],
    single: bool,
    prefer: Sequence[int] = (),
    pick_others: list[bool] | None = None,
) -> list[engine.Visit]:
    """The visits with the resources each takes, in the order of its specialty's groups:
    the ones asked for, or else free ones picked as the search would (the first of a group
    when none is free, for the checker to name), a free one of `prefer` first; with
    `pick_others[i]`, those asked for and picked ones for the kinds they leave out."""
    others = pick_others or [False] * len(visits)
    asked = [
        visit
        for visit, chosen, pick in zip(visits, given, others, strict=True)
        if chosen is None or pick
    ]
    try:
        picked = list(engine.assign_resources(request, calendar, tuple(asked)))
    except ValueError:
        picked = [
            replace(
                visit,
                resources=tuple(
                    (engine.resources_free(calendar, group, visit) or list(group))[0]
                    for group in request.needs.get(visit.specialty, ())
                ),
            )
            for visit in asked
        ]
    if prefer:
        picked = [_preferred(request, calendar, visit, prefer) for visit in picked]
    out = []
    for index, (visit, chosen, pick) in enumerate(zip(visits, given, others, strict=True)):
        if chosen is None:
            out.append(picked.pop(0))
            continue
        fallback = picked.pop(0).resources if pick else None
        groups = request.needs.get(visit.specialty, ())
        ids = [r.pk for r in chosen]
        field = _field(index, "resources", single)
        for resource in chosen:
            if not any(resource.pk in group for group in groups):
                raise DomainError(
                    f"{resource.name} is not a resource the {_name(visit.specialty)} visit uses.",
                    field=field,
                    code="wrong_resource",
                )
        order = []
        for position, group in enumerate(groups):
            hits = [rid for rid in ids if rid in group]
            if not hits and fallback is not None:
                hits = [fallback[position]]
            if len(hits) != 1:
                raise DomainError(
                    f"The {_name(visit.specialty)} visit takes one resource of each kind it "
                    f"needs ({len(groups)} in all); {len(hits)} given of one kind.",
                    field=field,
                    code="resources_missing",
                )
            order.append(hits[0])
        out.append(replace(visit, resources=tuple(order)))
    return out


def _preferred(
    request: engine.ItineraryRequest,
    calendar: engine.DayCalendar,
    visit: engine.Visit,
    prefer: Sequence[int],
) -> engine.Visit:
    """`visit` taking, in each group, the first of `prefer` free over it; when none of the
    group is free, the first of `prefer` in it (the one the checker then names)."""
    picks = list(visit.resources)
    for index, group in enumerate(request.needs.get(visit.specialty, ())):
        free = engine.resources_free(calendar, group, visit)
        mine = [rid for rid in prefer if rid in group]
        pick = next((rid for rid in mine if rid in free), None)
        if pick is None and not free and mine:
            pick = mine[0]
        if pick is not None:
            picks[index] = pick
    return replace(visit, resources=tuple(picks))


def _name(specialty: str) -> str:
    return specialty.replace("_", " ")


def _raise_resource_taken(
    checked: CheckedVisit,
    resource_id: int | None,
    needs: Needs,
    exclude_id: int | None,
    now: datetime,
    index: int,
    single: bool,
    *,
    patient_id: int | None = None,
) -> None:
    """A resource not free for a visit: 409 naming it and what holds it (a booked visit or
    a hold) when it is taken, or, for an interpreter, when another visit of theirs
    elsewhere leaves no time to walk here (another navigator's booking may have just
    done so); else 400 (not in session then, or time off)."""
    resource = needs.resources.get(resource_id) if resource_id else None
    if resource is None:
        return
    found = resource_clashes(
        resource_ids=[resource.pk],
        start=checked.request.start,
        end=checked.end,
        exclude_ids=[exclude_id] if exclude_id else [],
        now=now,
    )
    walk = not found and resource.kind == Resource.Kind.INTERPRETER
    if walk:
        found = _walk_clashes(resource, checked, exclude_id, now)
    if found:
        raise resource_conflict(
            checked.specialty,
            checked.request.start,
            checked.time_zone,
            found,
            index,
            walk=walk,
            patient_id=patient_id,
        )
    raise DomainError(
        f"{resource.kind_label[:1].upper()}{resource.kind_label[1:]} “{resource.name}” is "
        "not free at "
        f"{_local(checked.request.start, checked.time_zone)} ({checked.time_zone}): out of "
        "its hours, time off, or too far to walk from its other visit.",
        field=_field(index, "resources", single),
        code="resource_not_free",
    )


def _too_close_to_walk(
    checked: CheckedVisit,
    fetch: Callable[[datetime, datetime], Iterable[Any]],
    place: Callable[[Any], int],
) -> list[Any]:
    """Of the rows `fetch(start, end)` finds around the visit (anything with `start` and
    `end`; `place(row)` its location id), those too close to walk between them and this
    visit (the travel buffer of the two places, either way), nearest first."""
    buffers = selectors.travel_buffers()
    widest = timedelta(minutes=max([*buffers.values(), engine.ItineraryRequest.default_buffer]))
    start, end, here = checked.request.start, checked.end, checked.location_id
    close = []
    for row in fetch(start - widest, end + widest):
        walk = timedelta(minutes=selectors.walk_minutes(buffers, place(row), here))
        if row.start < end + walk and row.end > start - walk:
            close.append(row)
    return sorted(close, key=lambda row: min(abs(row.end - start), abs(end - row.start)))


def _walk_clashes(
    resource: Resource, checked: CheckedVisit, exclude_id: int | None, now: datetime
) -> list[AppointmentResource]:
    """The interpreter's live visits at other locations too close to walk to this one."""
    return _too_close_to_walk(
        checked,
        lambda start, end: resource_clashes(
            resource_ids=[resource.pk],
            start=start,
            end=end,
            exclude_ids=[exclude_id] if exclude_id else [],
            now=now,
        ),
        lambda row: row.appointment.location_id,
    )


def _patient_walk_clashes(
    patient_id: int, checked: CheckedVisit, exclude_id: int | None, now: datetime
) -> list[Appointment]:
    """The patient's live or held visits at other locations too close to walk to this one."""

    def fetch(start: datetime, end: datetime) -> list[Appointment]:
        near = (
            Appointment.objects.filter(patient_id=patient_id, start__lt=end, end__gt=start)
            .exclude(status=Appointment.Status.CANCELLED)
            .exclude(pk__in=[exclude_id] if exclude_id else [])
            .select_related("location", "hold")
        )
        return [
            a
            for a in near
            if a.status != Appointment.Status.HELD or (a.hold and a.hold.expires_at > now)
        ]

    return _too_close_to_walk(checked, fetch, lambda visit: visit.location_id)


def resource_clashes(
    *,
    resource_ids: Iterable[int],
    start: datetime,
    end: datetime,
    exclude_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> list[AppointmentResource]:
    """Live rows of these resources over [start, end) of other appointments (holds expired
    at `now` left out)."""
    rows = (
        AppointmentResource.objects.filter(
            resource_id__in=list(resource_ids), live=True, start__lt=end, end__gt=start
        )
        .exclude(appointment_id__in=list(exclude_ids))
        .select_related("resource", "appointment__hold", "appointment__location")
    )
    return [
        row
        for row in rows
        if now is None
        or row.appointment.status != Appointment.Status.HELD
        or row.appointment.hold is None
        or row.appointment.hold.expires_at > now
    ]


def resource_conflict(
    specialty: str,
    start: datetime,
    time_zone: str,
    found: list[AppointmentResource],
    index: int | None,
    *,
    walk: bool = False,
    patient_id: int | None = None,
) -> Conflict:
    """409 naming the room, machine or interpreter taken, and whether a hold has it;
    `walk`: taken at another place too close in time to walk between."""
    return Conflict(
        f"The {_name(specialty)} visit at {_local(start, time_zone)} needs "
        f"{_resource_taken(found, time_zone, walk=walk, patient_id=patient_id)}. Nothing was "
        "booked.",
        code="resource_taken",
        extra={
            "clash": {
                "visit": index,
                "specialty": specialty,
                "start": start.isoformat(),
                **_resource_detail(found),
                "clashing_appointments": [
                    r.appointment_id
                    for r in found
                    if r.appointment.status != Appointment.Status.HELD
                ],
                "holds": [
                    r.appointment.hold_id
                    for r in found
                    if r.appointment.status == Appointment.Status.HELD
                ],
            }
        },
    )


def _resource_taken(
    found: Sequence[AppointmentResource],
    time_zone: str,
    *,
    walk: bool = False,
    patient_id: int | None = None,
) -> str:
    """“MRI scanner 3 T “MRI 3T-1”, which is held for another patient (hold 7, until …)”:
    the first taken resource of `found` and what has it (local times in `time_zone`);
    `walk`: that visit is elsewhere, too close in time to walk between; `patient_id`: the
    patient asking, so their own hold is called theirs ("already held for this patient")."""
    row = found[0]
    resource = row.resource
    hold = row.appointment.hold
    if row.appointment.status == Appointment.Status.HELD and hold is not None:
        whom = (
            "already held for this patient"
            if patient_id is not None and row.appointment.patient_id == patient_id
            else "held for another patient"
        )
        why = f"{whom} (hold {hold.pk}, until {_local(hold.expires_at, time_zone)})"
    else:
        why = "booked for another visit then"
    if walk:
        why = why.removesuffix(" then")
        why += (
            f" at {row.appointment.location.name} from {_local(row.start, time_zone)} to "
            f"{_local(row.end, time_zone)}, too close to walk between"
        )
    return f"{resource.kind_label} “{resource.name}”, which is {why}"


def _resource_detail(found: Sequence[AppointmentResource]) -> dict[str, Any]:
    resource = found[0].resource
    return {
        "resource": resource.pk,
        "resource_name": resource.name,
        "resource_kind": resource.kind_label,
    }


def _check_length(
    visit: VisitRequest, specialty: str, visit_type: VisitType | None, field: str
) -> None:
    """A visit lasts its type's minutes (else its specialty's default): another length
    would take the clinician and its rooms, machines and interpreter for the wrong time
    (a 5-minute MRI frees the scanner 40 minutes early). Only an override (an emergency
    booked over other visits, which takes no resources) may set its own. 400 naming the
    length's field (`end` or `minutes`; `visits.N.` before it in a plan of several)."""
    minutes = _type_minutes(visit_type, specialty)
    if visit.minutes is None or visit.minutes == minutes:
        return
    kind = (
        f"“{visit_type.name}” ({_name(specialty)})" if visit_type else f"A {_name(specialty)} visit"
    )
    asked = (
        f"this one was asked to end at {visit.start + timedelta(minutes=visit.minutes):%H:%M}"
        f" ({visit.minutes} minutes)"
        if visit.length_field == "end"
        else f"this one was asked for {visit.minutes} minutes"
    )
    raise DomainError(
        f"{kind} lasts {minutes} minutes; {asked}. Leave out {visit.length_field} (it "
        f"follows from the visit type) or make the visit {minutes} minutes long.",
        field=field,
        code="wrong_length",
    )


@contextmanager
def refused_as(sentence: str) -> Iterator[None]:
    """Say what a refusal left undone in the caller's words: a DomainError raised inside
    has its "Nothing was booked" replaced by `sentence` (e.g. "Nothing was held")."""
    try:
        yield
    except DomainError as error:
        error.message = error.message.replace("Nothing was booked", sentence)
        error.args = (error.message,)
        raise


def _check_clock(
    visit: VisitRequest, specialty: str, now: datetime, field: str, single: bool
) -> None:
    if specialty != visit.clinician.specialty:
        raise DomainError(
            f"{visit.clinician.name} is not in {specialty.replace('_', ' ')}.",
            field=field.replace("start", "clinician"),
            code="wrong_specialty",
        )
    if visit.start < now:
        raise DomainError("A visit cannot be booked in the past.", field=field, code="in_the_past")
    if visit.start > now + BOOKING_HORIZON:
        raise DomainError(
            "A visit cannot be booked more than a year ahead.", field=field, code="too_far"
        )
    if visit.start.minute % GRID_MINUTES or visit.start.second or visit.start.microsecond:
        raise DomainError(
            "Visits start on a 5-minute grid (e.g. 09:05, not 09:07).", field=field, code="off_grid"
        )


def _raise_not_free(
    checked: CheckedVisit,
    patient: Patient,
    exclude_id: int | None,
    now: datetime,
    index: int,
    single: bool,
) -> None:
    visit = checked.request
    found = [
        a
        for a in selectors.clashes(
            clinician_id=visit.clinician.pk,
            patient_id=patient.pk,
            start=visit.start,
            end=checked.end,
            exclude_ids=[exclude_id] if exclude_id else [],
        )
        if a.status != Appointment.Status.HELD or a.hold is None or a.hold.expires_at > now
    ]
    if found:
        taken = resource_clashes(
            resource_ids=checked.resources,
            start=visit.start,
            end=checked.end,
            exclude_ids=[exclude_id] if exclude_id else [],
            now=now,
        )
        raise Conflict(
            clash_message(
                checked.specialty,
                visit.start,
                checked.time_zone,
                visit.clinician,
                patient.pk,
                found,
                taken,
            ),
            code="clash",
            extra={
                "clash": clash_detail(
                    checked.specialty, visit.clinician.pk, visit.start, index, found, taken
                )
            },
        )
    near = _patient_walk_clashes(patient.pk, checked, exclude_id, now)
    if near:  # booked meanwhile (another navigator, a confirmed hold): a race lost
        other = near[0]
        raise Conflict(
            f"The {_name(checked.specialty)} visit at {_local(visit.start, checked.time_zone)} "
            f"is too close to the patient's {_name(other.specialty)} visit at "
            f"{other.location.name} from {_local(other.start, checked.time_zone)} to "
            f"{_local(other.end, checked.time_zone)} to walk between. Nothing was booked.",
            code="clash",
            extra={
                "clash": clash_detail(
                    checked.specialty, visit.clinician.pk, visit.start, index, [other], []
                )
            },
        )
    raise DomainError(
        f"{visit.clinician.name} is not free at {_local(visit.start, checked.time_zone)}: time "
        "off, or the patient needs the time to walk to or from another visit.",
        field=_field(index, "start", single),
        code="not_free",
    )


def clash_message(
    specialty: str,
    start: datetime,
    time_zone: str,
    clinician: Clinician,
    patient_id: int,
    found: list[Appointment],
    taken: Sequence[AppointmentResource] = (),
) -> str:
    """Say what is really there: the patient's own visit, a hold (naming its navigator
    when it holds the patient's time), or a booked visit; then the room, machine or
    interpreter the visit needs that is taken then too (`taken`, as `resource_clashes`).
    Local times in `time_zone`."""
    when = _local(start, time_zone)
    held = Appointment.Status.HELD
    own = [a for a in found if a.patient_id == patient_id]
    own_hold = own[0].hold if own else None
    if any(a.status != held for a in own) or (own and own_hold is None):
        why = "the patient already has a visit then"
    elif own_hold is not None:
        holder = own_hold.created_by
        name = (holder.get_full_name() or holder.username) if holder else "another navigator"
        why = (
            f"the patient's time is held by {name} (hold {own_hold.pk}) until "
            f"{_local(own_hold.expires_at, time_zone)}"
        )
    elif any(a.status == held for a in found):
        hold = next(a.hold for a in found if a.status == Appointment.Status.HELD)
        until = f" (hold {hold.pk}, until {_local(hold.expires_at, time_zone)})" if hold else ""
        why = f"{clinician.name}'s time is held for a patient{until}"
    else:
        why = f"{clinician.name} already has a visit then"
    also = (
        f"; it also needs {_resource_taken(taken, time_zone, patient_id=patient_id)}"
        if taken
        else ""
    )
    return (
        f"The {specialty.replace('_', ' ')} visit at {when} is not free: {why}{also}. "
        "Nothing was booked."
    )


def clash_detail(
    specialty: str,
    clinician_id: int,
    start: datetime,
    index: int | None,
    found: list[Appointment],
    taken: Sequence[AppointmentResource] = (),
) -> dict[str, Any]:
    """The `clash` of a 409: the clinician, the clashing visits and holds, and the first
    taken resource (`resource`, `resource_name`, `resource_kind`) when `taken` has one."""
    held = [a.hold_id for a in found if a.status == Appointment.Status.HELD and a.hold_id]
    return {
        "visit": index,
        "specialty": specialty,
        "clinician": clinician_id,
        "start": start.isoformat(),
        **(_resource_detail(taken) if taken else {}),
        "clashing_appointments": [a.pk for a in found if a.status != Appointment.Status.HELD],
        "holds": held,
    }


def insert(
    appointment: Appointment,
    index: int | None,
    mine: Sequence[int] = (),
    resources: Sequence[int] | None = None,
) -> None:
    """Insert (or save) in a savepoint with the resources the visit takes (`resources`:
    ids, replacing its rows at its new time; None leaves them); a constraint violation
    becomes a Conflict naming the clash with rows committed by others (never the
    request's own rows, `mine`, rolled back)."""
    new = appointment._state.adding
    try:
        with transaction.atomic():
            appointment.save()
            if resources is not None:
                resources_follow(appointment, resources, new=new)
    except IntegrityError as exc:
        if "one_live_consult_per_referral" in str(exc):
            raise consult_exists(appointment.referral) from None
        if "no_resource_double_booking" in str(exc):
            taken = resource_clashes(
                resource_ids=resources or [],
                start=appointment.start,
                end=appointment.end,
                exclude_ids=[*mine, *([appointment.pk] if appointment.pk else [])],
            )
            if taken:
                raise resource_conflict(
                    appointment.specialty,
                    appointment.start,
                    appointment.location.time_zone,
                    taken,
                    index,
                ) from None
            raise Conflict(
                "A room, machine or interpreter of the visit was just taken. Nothing was "
                "booked; search again.",
                code="resource_taken",
            ) from None
        if "double_booking" not in str(exc):
            raise
        found = selectors.clashes(
            clinician_id=appointment.clinician_id,
            patient_id=appointment.patient_id,
            start=appointment.start,
            end=appointment.end,
            exclude_ids=[*mine, *([appointment.pk] if appointment.pk else [])],
        )
        zone = appointment.location.time_zone
        taken = resource_clashes(
            resource_ids=resources or [],
            start=appointment.start,
            end=appointment.end,
            exclude_ids=[*mine, *([appointment.pk] if appointment.pk else [])],
        )
        raise Conflict(
            clash_message(
                appointment.specialty,
                appointment.start,
                zone,
                appointment.clinician,
                appointment.patient_id,
                found,
                taken,
            ),
            code="clash",
            extra={
                "clash": clash_detail(
                    appointment.specialty,
                    appointment.clinician_id,
                    appointment.start,
                    index,
                    found,
                    taken,
                )
            },
        ) from None


def resources_follow(
    appointment: Appointment, resources: Sequence[int] | None = None, *, new: bool = False
) -> None:
    """Keep a visit's resource rows in step with it: its minutes, and live while it is
    (a cancel frees them). `resources` replaces the set it takes; `new`: the visit was
    just inserted, so it has no rows to replace."""
    rows = AppointmentResource.objects.filter(appointment=appointment)
    live = appointment.status != Appointment.Status.CANCELLED and not appointment.override
    if resources is None:
        rows.update(start=appointment.start, end=appointment.end, live=live)
        return
    if not new:
        rows.delete()
    AppointmentResource.objects.bulk_create(
        AppointmentResource(
            appointment=appointment,
            resource_id=rid,
            start=appointment.start,
            end=appointment.end,
            live=live,
        )
        for rid in resources
    )


def record(
    appointment: Appointment,
    kind: str,
    by: Actor,
    *,
    old_start: datetime | None = None,
    old_status: str = "",
    reason: str = "",
) -> None:
    """History: every booking, move, status change and cancel, never rewritten (its
    post_save is heard: interop sends a status move's SIU from it)."""
    AppointmentChange.objects.create(
        appointment=appointment,
        kind=kind,
        old_start=old_start,
        new_start=appointment.start,
        old_status=old_status,
        new_status=appointment.status,
        reason=reason,
        by=by,
    )


def record_booked(appointments: Sequence[Appointment], by: Actor) -> None:
    """`record` of a plan's newly booked visits, in one INSERT. Like every bulk_create it
    sends no post_save: only "booked" rows are written so, which no receiver handles
    (interop's hears status moves, whose messages go with `record`)."""
    AppointmentChange.objects.bulk_create(
        AppointmentChange(
            appointment=appointment,
            kind="booked",
            new_start=appointment.start,
            new_status=appointment.status,
            by=by,
        )
        for appointment in appointments
    )


def live_consult(referral: Referral) -> Appointment | None:
    """The referral's one live consult (held, booked, checked in or done), if any."""
    return (
        Appointment.objects.filter(referral=referral, is_consult=True, status__in=CONSULT_LIVE)
        .select_related("clinician", "location")
        .first()
    )


def consult_exists(referral: Referral | None) -> Conflict:
    existing = live_consult(referral) if referral else None
    where = (
        f" (appointment {existing.pk}, {_local(existing.start, existing.location.time_zone)})"
        if existing
        else ""
    )
    return Conflict(
        f"This referral already has a consult{where}; reschedule or cancel it instead of "
        "booking a second one. Nothing was booked.",
        code="consult_exists",
        extra={"existing_consult": existing.pk if existing else None},
    )


def refresh_consult(referral: Referral | None) -> None:
    """Copy the live consult's start onto the referral (its SLA reads it)."""
    if referral is None:
        return
    first = (
        Appointment.objects.filter(referral=referral, is_consult=True)
        .filter(status__in=[s for s in CONSULT_LIVE if s != "held"])
        .order_by("start")
        .first()
    )
    referral.consult_at = first.start if first else None
    if first and clinical.meets_deadline(first.start, referral.consult_due_at):
        referral.no_slot_before_due = False
    referral.save(update_fields=["consult_at", "no_slot_before_due", "updated_at"])
    if first:  # the alerts whose cause is gone end now, saying why
        met = clinical.meets_deadline(first.start, referral.consult_due_at)
        alerts_resolve(
            kinds=CONSULT_KINDS if met else [Alert.Kind.EMERGENCY],
            referral=referral,
            reason=CONSULT_BOOKED,
            now=timezone.now(),
        )


def release_expired_holds(
    *, clinicians: Iterable[int], patient_id: int, now: datetime, resources: Iterable[int] = ()
) -> None:
    """Delete the rows of holds that expired on these calendars (call under their locks),
    so an expired hold never stands in the way of a booking before the beat job runs."""
    from navigation.models import Hold

    stale = Appointment.objects.filter(
        Q(clinician_id__in=list(clinicians))
        | Q(patient_id=patient_id)
        | Q(resource_bookings__resource_id__in=list(resources)),
        status=Appointment.Status.HELD,
        hold__expires_at__lte=now,
    )
    holds = set(stale.values_list("hold_id", flat=True))
    if holds:
        Hold.objects.filter(pk__in=holds, status=Hold.Status.ACTIVE).update(
            status=Hold.Status.EXPIRED, ended_at=now
        )
        Appointment.objects.filter(hold_id__in=holds, status=Appointment.Status.HELD).delete()
