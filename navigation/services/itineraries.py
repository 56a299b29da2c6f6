"""Same-day plans ("itineraries"): the ranked search and the all-or-nothing booking, both
held to one rule checker (`navigation.checker`)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from navigation import checker, engine, rules, selectors
from navigation.models import (
    Appointment,
    AppointmentResource,
    Clinician,
    Hold,
    Itinerary,
    Resource,
    VisitType,
)
from navigation.services.booking import (
    DEFAULT_MAX_WAIT,
    Actor,
    CheckedVisit,
    PlanNeeds,
    PlanRules,
    VisitRequest,
    check_visits,
    grid_ceil,
    insert,
    live_consult,
    lock_calendars,
    plan_request,
    plan_resources,
    record_booked,
    refresh_consult,
    release_expired_holds,
    visit_types,
)
from navigation.services.resources import visit_needs
from notifications import outbox
from patients import clinical
from patients.models import Patient, Referral
from tumorboard.errors import DomainError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItinerarySearch:
    specialties: tuple[str, ...]
    first: date
    last: date
    max_total_wait: int = DEFAULT_MAX_WAIT
    order: tuple[tuple[str, str], ...] = ()
    window: tuple[time | None, time | None] | None = None  # earliest arrival, latest departure
    pins: dict[str, int] | None = None  # specialty -> clinician id
    limit: int = 5
    # specialty -> the visit type to search with (of that specialty; its minutes and needs
    # apply); a specialty left out gets its new-patient type. See `booking.visit_types`.
    visit_types: dict[str, VisitType | None] | None = None

    @property
    def rules(self) -> PlanRules:
        return PlanRules(self.max_total_wait, self.order, self.window)


@dataclass(frozen=True)
class CheckedOption:
    """An engine option that passed the rule checker, with its figures (minutes)."""

    option: engine.ItineraryOption
    total_wait: int
    total_travel: int

    @property
    def day(self) -> date:
        return self.option.day

    @property
    def visits(self) -> tuple[engine.Visit, ...]:
        return self.option.visits

    @property
    def finish(self) -> datetime:
        return self.option.finish


@dataclass(frozen=True)
class PlanSearchResult:
    """`travel_burden`: why travel is hard for the patient (`care.barriers`); with one,
    options on a day the patient already comes in (`visit_days`, local dates) come first."""

    options: tuple[CheckedOption, ...]
    reason: str | None
    missing_specialties: tuple[str, ...] = ()
    travel_burden: tuple[str, ...] = ()
    visit_days: frozenset[date] = frozenset()

    def extra_trip(self, option: CheckedOption) -> bool:
        """Whether booking `option` makes the patient come in on one more day: they have
        live visits already, none on its day (a multi-day plan)."""
        return bool(self.visit_days) and option.day not in self.visit_days


def visit_days(*, patient: Patient, first: date, last: date) -> frozenset[date]:
    """The local dates (each visit's location zone) of the patient's live visits that fall
    between `first` and `last` (inclusive)."""
    days = set()
    live = (
        Appointment.objects.filter(patient=patient)
        .exclude(status__in=["cancelled", "no_show"])
        .filter(start__gte=datetime.combine(first - timedelta(days=1), time(0), tzinfo=UTC))
        .filter(start__lt=datetime.combine(last + timedelta(days=2), time(0), tzinfo=UTC))
        .select_related("location")
    )
    for appointment in live:
        day = appointment.start.astimezone(appointment.location.zone).date()
        if first <= day <= last:
            days.add(day)
    return frozenset(days)


def itinerary_search(
    *, patient: Patient, search: ItinerarySearch, now: datetime
) -> PlanSearchResult:
    """Ranked same-day options (earliest day, least wait, earliest finish); see
    `_search`. A patient with a travel burden (an open transport or lodging barrier, a far
    home: `care.barriers.travel_burden`) is spared trips: the days they already come
    in are searched too, and options on those days come first, in the same ranking among
    themselves; `PlanSearchResult.extra_trip` flags the rest."""
    from care.barriers import travel_burden  # care's models import navigation's

    check_visit_types(search.visit_types)
    result = _search(patient=patient, search=search, now=now)
    burden = tuple(travel_burden(patient=patient))
    if not burden:
        return result
    days = visit_days(patient=patient, first=search.first, last=search.last)
    found = {option.day for option in result.options}
    options = list(result.options)
    for day in sorted(days - found):
        options += _search(
            patient=patient, search=replace(search, first=day, last=day, limit=1), now=now
        ).options
    options.sort(key=lambda option: (option.day not in days, option.day))
    return replace(
        result,
        options=tuple(options[: search.limit]),
        travel_burden=burden,
        visit_days=days,
    )


def check_visit_types(chosen: dict[str, VisitType | None] | None) -> None:
    """Each chosen visit type is of the specialty it is chosen for; else DomainError naming
    `visit_types.<specialty>`."""
    for specialty, visit_type in (chosen or {}).items():
        if visit_type is not None and visit_type.specialty != specialty:
            raise DomainError(
                f"“{visit_type.name}” is a {visit_type.specialty.replace('_', ' ')} visit, "
                f"not a {specialty.replace('_', ' ')} one.",
                field=f"visit_types.{specialty}",
                code="wrong_visit_type",
            )


def _search(*, patient: Patient, search: ItinerarySearch, now: datetime) -> PlanSearchResult:
    """Ranked same-day options (earliest day, least wait, earliest finish) from the engine,
    fed a few local dates at a time from the database; each option passes the same rule
    checker a booking does, so it can be booked exactly as returned.

    Raises DomainError naming `order` for order pairs that cannot be kept, and
    `latest_departure` for a window shorter than the visits."""
    types = visit_types(search.specialties, search.visit_types)  # read once
    durations = {s: t.minutes if t else rules.DEFAULT_MINUTES[s] for s, t in types.items()}
    if search.window:
        start, end = search.window[0] or time(0), search.window[1] or time.max
        room = datetime.combine(date.min, end) - datetime.combine(date.min, start)
        if room < timedelta(minutes=sum(durations.values())):
            raise DomainError(
                f"The patient's window {start:%H:%M}-{end:%H:%M} is shorter than the "
                f"{sum(durations.values())} minutes of visits asked for.",
                field="latest_departure",
                code="window_too_short",
            )
    needs = visit_needs(
        specialties=search.specialties,
        types=types,
        patient=patient,
        # A type only a choice reaches (not the new-patient default) names the choice.
        fields={s: f"visit_types.{s}" for s, t in types.items() if t and not t.new_patient},
    )
    request = plan_request(search.specialties, durations, search.rules, search.limit, needs)
    pins = search.pins or {}
    clinicians = [
        c
        for c in Clinician.objects.filter(active=True, specialty__in=search.specialties).only(
            "pk", "specialty"
        )
        if pins.get(c.specialty, c.pk) == c.pk
    ]
    calendars: dict[date, engine.DayCalendar] = {}

    def remembered() -> Iterator[engine.DayCalendar]:
        for day in selectors.free_days(
            clinicians=clinicians,
            first=search.first,
            last=search.last,
            patient_id=patient.pk,
            not_before=grid_ceil(now),
            window=search.window,
            buffers=dict(request.buffers),
            now=now,
            resources=needs.loaded,
        ):
            calendars[day.day] = day
            yield day

    result = engine.search_itineraries(request, remembered())
    checked = []
    for option in result.options:
        try:
            figures = checker.check_itinerary(request, calendars[option.day], option.visits)
        except checker.RuleViolation as violation:  # a bug: never offer what cannot be booked
            log.error("engine option on %s broke %s", option.day, violation.code)
            continue
        checked.append(CheckedOption(option, figures.total_wait, figures.total_travel))
    reason = result.reason
    if reason and any(needs.groups.get(s) for s in result.missing_specialties):
        reason += " together with the room, machine or interpreter its visit needs"
    return PlanSearchResult(tuple(checked), reason, result.missing_specialties)


def consult_visit(referral: Referral | None, checked: list[CheckedVisit]) -> int | None:
    """Which visit of a plan is the referral's consult: none when it has one already; else
    the earliest of a consult specialty that meets the deadline, else the earliest of one."""
    if referral is None or referral.consult_at is not None or live_consult(referral):
        return None
    able = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    candidates = sorted(
        (i for i, c in enumerate(checked) if c.specialty in able),
        key=lambda i: (
            not clinical.meets_deadline(checked[i].request.start, referral.consult_due_at),
            checked[i].request.start,
        ),
    )
    return candidates[0] if candidates else None


def _lock_and_check(
    patient: Patient,
    visits: list[VisitRequest],
    referral: Referral | None,
    now: datetime,
    plan: PlanRules,
) -> tuple[list[CheckedVisit], checker.Figures, int | None, PlanNeeds]:
    """The visits checked under their calendars' locks, with the plan's figures, which of
    them is the referral's consult, and what `plan_resources` read for them."""
    read = plan_resources(visits, patient)
    resources = read.lock
    lock_calendars(
        clinicians=[v.clinician.pk for v in visits], patients=[patient.pk], resources=resources
    )
    release_expired_holds(
        clinicians=[v.clinician.pk for v in visits],
        patient_id=patient.pk,
        now=now,
        resources=resources,
    )
    if referral is not None:
        referral.refresh_from_db(fields=["consult_at", "no_slot_before_due", "status"])
    checked, figures = check_visits(visits, patient=patient, now=now, plan=plan, read=read)
    return checked, figures, consult_visit(referral, checked), read


def _figures(checked: list[CheckedVisit], plan: PlanRules) -> checker.Figures:
    request = plan_request([c.specialty for c in checked], {c.specialty: 1 for c in checked}, plan)
    visits = [
        engine.Visit(c.specialty, c.request.clinician.pk, c.location_id, c.request.start, c.end)
        for c in checked
    ]
    return checker.figures(request, visits)


def new_appointments(
    *,
    patient: Patient,
    referral: Referral | None,
    checked: list[CheckedVisit],
    consult: int | None,
    by: Actor,
    status: str,
    itinerary: Itinerary | None = None,
    hold: Hold | None = None,
    known: dict[int, Resource] | None = None,
    savepoint: bool = True,
) -> list[Appointment]:
    """Insert the checked visits, all or nothing: a clash names what is really there.

    The visits and their resource rows go in one INSERT each, in one savepoint; when a
    constraint refuses them, that savepoint is rolled back and they are inserted again one
    at a time (`insert`), so the 409 names the visit and what is there. With
    `savepoint=False` there is no savepoint of its own: the constraint's IntegrityError is
    raised for the caller's atomic block to roll back (and to book again, naming the
    clash). The visits come back with their resource rows cached (`resource_bookings`,
    each row's `resource` from the visit's request or `known`), so an answer need not
    read them again."""

    def rows() -> list[Appointment]:
        return [
            Appointment(
                patient=patient,
                clinician=visit.request.clinician,
                specialty=visit.specialty,
                visit_type=visit.visit_type,
                start=visit.request.start,
                end=visit.end,
                location_id=visit.location_id,
                referral=referral,
                itinerary=itinerary,
                hold=hold,
                is_consult=index == consult,
                status=status,
                created_by=by,
            )
            for index, visit in enumerate(checked)
        ]

    def bulk(made: list[Appointment]) -> list[AppointmentResource]:
        Appointment.objects.bulk_create(made)
        return AppointmentResource.objects.bulk_create(
            AppointmentResource(
                appointment=appointment,
                resource_id=rid,
                start=appointment.start,
                end=appointment.end,
                live=True,  # booked or held, never an override
            )
            for appointment, visit in zip(made, checked, strict=True)
            for rid in visit.resources
        )

    made = rows()
    try:
        if not savepoint:
            taken = bulk(made)
        else:
            with transaction.atomic():
                taken = bulk(made)
    except IntegrityError:
        if not savepoint:
            raise
        made = rows()
        for index, (appointment, visit) in enumerate(zip(made, checked, strict=True)):
            insert(
                appointment,
                index if len(checked) > 1 else None,
                [a.pk for a in made[:index]],
                resources=visit.resources,
            )
        taken = list(AppointmentResource.objects.filter(appointment__in=made))
    resources = {**(known or {})}
    resources |= {r.pk: r for visit in checked for r in (visit.request.resources or ())}
    for appointment in made:
        mine = [row for row in taken if row.appointment_id == appointment.pk]
        for row in mine:
            if row.resource_id in resources:
                row.resource = resources[row.resource_id]
        _cache(appointment, "resource_bookings", mine)
    return made


def _cache(instance: Any, name: str, rows: list[Any]) -> None:
    """Set `instance.<name>.all()` to `rows`, as `prefetch_related(name)` would, for rows
    this request has just written (in the related model's own order)."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    instance._prefetched_objects_cache = getattr(instance, "_prefetched_objects_cache", {})
    instance._prefetched_objects_cache[name] = queryset


def itinerary_book(
    *,
    patient: Patient,
    visits: list[VisitRequest],
    by: Actor,
    now: datetime,
    referral: Referral | None = None,
    plan: PlanRules | None = None,
) -> Itinerary:
    """Book every visit of a same-day plan, or none: every rule the search applies is
    checked with the same code (`plan`: the wait limit, order and window it was searched
    with); any clash rolls all back and names the visit and what is there (409).

    The visits go in with no savepoint of their own. Should a constraint refuse them (a
    row written past the calendar locks), all of it rolls back and the plan is booked
    again, checked anew, visit by visit, so the 409 names what took it."""
    book = {
        "patient": patient,
        "visits": visits,
        "by": by,
        "now": now,
        "referral": referral,
        "plan": plan or PlanRules(),
    }
    try:
        return _itinerary_book(**book, savepoint=False)
    except IntegrityError:
        return _itinerary_book(**book, savepoint=True)


@transaction.atomic
def _itinerary_book(
    *,
    patient: Patient,
    visits: list[VisitRequest],
    by: Actor,
    now: datetime,
    referral: Referral | None,
    plan: PlanRules,
    savepoint: bool,
) -> Itinerary:
    checked, figures, consult, read = _lock_and_check(patient, visits, referral, now, plan)
    itinerary = Itinerary.objects.create(
        patient=patient,
        referral=referral,
        day=checked[0].day,
        total_wait_minutes=figures.total_wait,
        total_travel_minutes=figures.total_travel,
        created_by=by,
    )
    made = new_appointments(
        patient=patient,
        referral=referral,
        checked=checked,
        consult=consult,
        by=by,
        status=Appointment.Status.BOOKED,
        itinerary=itinerary,
        known=read.needs.resources if read.needs else None,
        savepoint=savepoint,
    )
    booked_messages(made, by)
    if consult is not None:
        refresh_consult(referral)
    # The answer shows the visits as written: no second read of them.
    _cache(itinerary, "appointments", sorted(made, key=lambda a: (a.start, a.pk)))
    return itinerary


def booked_messages(made: list[Appointment], by: Actor) -> None:
    """History and the patient's messages for newly booked visits (one patient's, one
    plan's): every invite, and the reminders planned once for the whole day."""
    record_booked(made, by)
    outbox.appointments_changed(appointments=made, change="booked")


RESCHEDULE_DAYS = 13
RESCHEDULE_TIMES = 8


def reschedule_times(*, appointment: Appointment, now: datetime) -> list[engine.Visit]:
    """Free times to move a booked visit to: the search's best of each of the first
    `RESCHEDULE_TIMES` days that have one over the next `RESCHEDULE_DAYS` days (clinic
    zone), with any clinician of its specialty. Each is a time that clinician and one
    room, machine or interpreter of each kind the visit needs (its own visit type's, and
    the patient's interpreter) are free; `resources` are the ids the search picked (a
    reschedule left to pick may take others free then). One `itinerary_search`: the same
    loader and engine as a plan's search."""
    today = now.astimezone(selectors.clinic_zone()).date()
    search = ItinerarySearch(
        specialties=(appointment.specialty,),
        first=today,
        last=today + timedelta(days=RESCHEDULE_DAYS),
        max_total_wait=0,
        limit=RESCHEDULE_TIMES,
        # its own kind of visit: the search then needs what the move will need
        visit_types={appointment.specialty: appointment.visit_type}
        if appointment.visit_type_id
        else None,
    )
    result = itinerary_search(patient=appointment.patient, search=search, now=now)
    return [option.visits[0] for option in result.options]
