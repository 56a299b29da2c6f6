"""Writes (and engine-backed searches) for navigation: consults, itineraries, bookings.

Double bookings are refused by PostgreSQL's exclusion constraints; these functions turn
a violation into a Conflict that names the clash, and write every booking, change and
cancel's messages through the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, connection, transaction

from navigation import engine, rules, selectors
from navigation.models import Appointment, AppointmentChange, Clinician, Itinerary, VisitType
from notifications import outbox
from notifications.models import Alert
from patients.models import Patient, Referral
from tumorboard.errors import Conflict, DomainError

GRID_MINUTES = 5
LATE_SEARCH_DAYS = 21


def visit_minutes(specialty: str) -> int:
    return visits_minutes([specialty])[specialty]


def visit_types(specialties) -> dict[str, VisitType | None]:
    """The new-patient visit type of each specialty (the latest configured), if any."""
    found = {}
    for visit in VisitType.objects.filter(specialty__in=list(specialties), new_patient=True):
        if visit.specialty not in found or visit.pk > found[visit.specialty].pk:
            found[visit.specialty] = visit
    return {s: found.get(s) for s in specialties}


def visits_minutes(specialties) -> dict[str, int]:
    """The new-patient visit length of each specialty (configured, else the default)."""
    types = visit_types(specialties)
    return {s: types[s].minutes if types[s] else rules.DEFAULT_MINUTES[s] for s in specialties}


def _grid_ceil(moment: datetime) -> datetime:
    moment = moment.replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta(0)
    )
    return moment + timedelta(minutes=-moment.minute % GRID_MINUTES)


# --- the 72-hour consult -------------------------------------------------------------


@dataclass(frozen=True)
class ConsultOptions:
    slots: tuple[engine.ConsultSlot, ...]
    meets_deadline: bool
    message: str


@transaction.atomic
def consult_options(*, referral: Referral, now: datetime, limit: int = 10) -> ConsultOptions:
    """Slots of the specialties the triage needs, starting before the deadline; when none
    does, the earliest after it, flagged late, and the referral marked at risk."""
    specialties = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    clinicians = selectors.clinicians_of(specialties)
    minutes = visits_minutes(specialties)
    not_before = _grid_ceil(now)
    zone = selectors.clinic_zone()
    first = not_before.astimezone(zone).date()
    due_day = max(referral.consult_due_at.astimezone(zone).date(), first)

    def slots_between(start: date, end: date) -> tuple[engine.ConsultSlot, ...]:
        days = list(
            selectors.free_days(
                clinicians=clinicians,
                first=start,
                last=end,
                patient_id=referral.patient_id,
                not_before=not_before,
            )
        )
        found: list[engine.ConsultSlot] = []
        for specialty in specialties:  # each with its own visit length
            found += engine.find_consult_slots(
                clinicians=(c for d in days for c in d.clinicians if c.specialty == specialty),
                duration=minutes[specialty],
                not_before=not_before,
                due_at=referral.consult_due_at,
                limit=limit,
                grid_minutes=GRID_MINUTES,
            )
        chosen = [slot for slot in found if not slot.late] or found
        return tuple(sorted(chosen, key=lambda slot: (slot.start, slot.clinician_id))[:limit])

    # The days up to the deadline first; only when none fits, the weeks after it.
    slots = slots_between(first, due_day)
    if not slots or slots[0].late:
        slots = slots_between(first, due_day + timedelta(days=LATE_SEARCH_DAYS))
    meets = bool(slots) and not slots[0].late
    if meets:
        message = f"{len(slots)} slot(s) start before the deadline."
    else:
        _flag_no_slot(referral)
        message = (
            "No slot starts before the deadline; the earliest after it are shown, "
            "flagged late. The referral is marked at risk and navigators alerted."
            if slots
            else "No slot in the next three weeks; navigators alerted."
        )
    return ConsultOptions(tuple(slots), meets, message)


def _flag_no_slot(referral: Referral) -> None:
    if not referral.no_slot_before_due:
        Referral.objects.filter(pk=referral.pk).update(no_slot_before_due=True)
        referral.no_slot_before_due = True
    outbox.alert_navigators(
        kind=Alert.Kind.NO_SLOT,
        referral=referral,
        text=f"Referral {referral.pk} ({referral.urgency}): no consult slot before its deadline.",
        dedupe_key=f"no_slot:{referral.pk}",
    )


# --- same-day itineraries ------------------------------------------------------------


@dataclass(frozen=True)
class ItinerarySearch:
    specialties: tuple[str, ...]
    first: date
    last: date
    max_total_wait: int = 90
    order: tuple[tuple[str, str], ...] = ()
    window: tuple[time | None, time | None] | None = None  # earliest arrival, latest departure
    pins: dict | None = None  # specialty -> clinician id
    limit: int = 5


def itinerary_search(
    *, patient: Patient, search: ItinerarySearch, now: datetime
) -> engine.SearchResult:
    """Ranked same-day options (earliest day, least wait, earliest finish) from the engine,
    fed a few days at a time from the database."""
    durations = visits_minutes(search.specialties)
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
    clinicians = selectors.clinicians_of(search.specialties)
    pins = search.pins or {}
    clinicians = [c for c in clinicians if pins.get(c.specialty, c.pk) == c.pk]
    request = engine.ItineraryRequest(
        specialties=search.specialties,
        durations=durations,
        max_total_wait=search.max_total_wait,
        order=tuple(dict.fromkeys(search.order + rules.default_order(search.specialties))),
        buffers=selectors.travel_buffers(),
        grid_minutes=GRID_MINUTES,
        limit=search.limit,
    )
    days = selectors.free_days(
        clinicians=clinicians,
        first=search.first,
        last=search.last,
        patient_id=patient.pk,
        not_before=_grid_ceil(now),
        window=search.window,
    )
    return engine.search_itineraries(request, days)


# --- booking -------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRequest:
    clinician: Clinician
    start: datetime
    minutes: int | None = None
    specialty: str | None = None


def _record(
    appointment: Appointment, kind: str, by, *, old_start=None, old_status="", reason: str = ""
) -> None:
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


def _check_visits(
    visits: list[VisitRequest], now: datetime, *, override: bool
) -> list[tuple[str, datetime, int | None, VisitType | None]]:
    """Each visit's specialty, end, location and visit type, checked in order; the visit
    types and the clinic sessions of all the visits are looked up once."""
    specialties = [v.specialty or v.clinician.specialty for v in visits]
    types = visit_types(set(specialties))
    ends = [
        v.start
        + timedelta(
            minutes=v.minutes or (types[s].minutes if types[s] else rules.DEFAULT_MINUTES[s])
        )
        for v, s in zip(visits, specialties, strict=True)
    ]
    locations = selectors.sessions_covering(
        [(v.clinician, v.start, end) for v, end in zip(visits, ends, strict=True)]
    )
    for visit, specialty, location_id in zip(visits, specialties, locations, strict=True):
        _check_visit(visit, specialty, now, location_id=location_id, override=override)
    return [
        (specialty, end, location_id, types[specialty])
        for specialty, end, location_id in zip(specialties, ends, locations, strict=True)
    ]


def _check_visit(
    visit: VisitRequest, specialty: str, now: datetime, *, location_id, override: bool
) -> None:
    if specialty != visit.clinician.specialty:
        raise DomainError(
            f"{visit.clinician.name} is not in {specialty.replace('_', ' ')}.",
            field="clinician",
            code="wrong_specialty",
        )
    if visit.start < now:
        raise DomainError(
            "A visit cannot be booked in the past.", field="start", code="in_the_past"
        )
    if visit.start > now + timedelta(days=365):
        raise DomainError(
            "A visit cannot be booked more than a year ahead.", field="start", code="too_far"
        )
    if visit.start.minute % GRID_MINUTES or visit.start.second or visit.start.microsecond:
        raise DomainError(
            "Visits start on a 5-minute grid (e.g. 09:05, not 09:07).",
            field="start",
            code="off_grid",
        )
    if location_id is None and not override:
        raise DomainError(
            f"{visit.clinician.name} has no clinic session covering "
            f"{visit.start.astimezone(selectors.clinic_zone()):%a %d %b %H:%M}.",
            field="start",
            code="outside_availability",
        )


def _lock_calendars(*, clinicians: Iterable[int], patients: Iterable[int]) -> None:
    """Serialize bookings that touch the same calendars, always taking the locks in one
    order: racing inserts then queue instead of deadlocking inside the exclusion
    constraints' index (PostgreSQL can deadlock two concurrent conflicting inserts)."""
    keys = sorted({(1, c) for c in clinicians} | {(2, p) for p in patients})
    with connection.cursor() as cursor:
        for namespace, key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [namespace, key])


def _insert(appointment: Appointment, index: int | None = None) -> None:
    """Insert in a savepoint; a constraint violation becomes a Conflict naming the clash."""
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as exc:
        if "double_booking" not in str(exc):
            raise
        found = selectors.clashes(
            clinician_id=appointment.clinician_id,
            patient_id=appointment.patient_id,
            start=appointment.start,
            end=appointment.end,
            exclude_id=appointment.pk,
        )
        raise Conflict(
            _clash_message(appointment, found),
            code="clash",
            extra={"clash": _clash_detail(appointment, index, found)},
        ) from None


def _clash_message(appointment: Appointment, found: list[Appointment]) -> str:
    local = appointment.start.astimezone(selectors.clinic_zone())
    who = (
        "the patient already has a visit then"
        if any(a.patient_id == appointment.patient_id for a in found)
        else f"{appointment.clinician.name} was booked meanwhile"
    )
    return (
        f"The {appointment.specialty.replace('_', ' ')} visit at {local:%a %d %b %H:%M} "
        f"is no longer free: {who}. Nothing was booked."
    )


def _clash_detail(appointment, index, found) -> dict:
    return {
        "visit": index,
        "specialty": appointment.specialty,
        "clinician": appointment.clinician_id,
        "start": appointment.start.isoformat(),
        "clashing_appointments": [a.pk for a in found],
    }


def _refresh_consult(referral: Referral | None) -> None:
    if referral is None:
        return
    first = (
        Appointment.objects.filter(referral=referral, is_consult=True)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start")
        .first()
    )
    referral.consult_at = first.start if first else None
    if first and first.start <= referral.consult_due_at:
        referral.no_slot_before_due = False
    referral.save(update_fields=["consult_at", "no_slot_before_due", "updated_at"])


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    visit: VisitRequest,
    by,
    now: datetime,
    referral: Referral | None = None,
    is_consult: bool = False,
    override_reason: str = "",
) -> Appointment:
    """Book one visit. With `override_reason` a navigator squeezes an emergency in over
    booked time: audited, alerted, and the only overlap the database lets through."""
    override = bool(override_reason)
    if override and (referral is None or referral.urgency != "emergency"):
        raise DomainError(
            "Only an emergency referral can be booked over another visit.",
            field="override_reason",
            code="override_not_allowed",
        )
    ((specialty, end, location_id, visit_type),) = _check_visits([visit], now, override=override)
    _lock_calendars(clinicians=[visit.clinician.pk], patients=[patient.pk])
    appointment = Appointment(
        patient=patient,
        clinician=visit.clinician,
        specialty=specialty,
        visit_type=visit_type,
        start=visit.start,
        end=end,
        location_id=location_id or visit.clinician.home_location_id,
        referral=referral,
        is_consult=is_consult,
        override=override,
        override_reason=override_reason,
        created_by=by,
    )
    _insert(appointment)
    _record(appointment, "override" if override else "booked", by, reason=override_reason)
    if override:
        outbox.alert_navigators(
            kind=Alert.Kind.OVERRIDE,
            referral=referral,
            text=f"Appointment {appointment.pk} was booked over other visits: {override_reason}",
            dedupe_key=f"override:{appointment.pk}",
        )
    if is_consult:
        _refresh_consult(referral)
    outbox.appointment_changed(appointment=appointment, change="booked")
    return appointment


@transaction.atomic
def itinerary_book(
    *,
    patient: Patient,
    visits: list[VisitRequest],
    by,
    now: datetime,
    referral: Referral | None = None,
) -> Itinerary:
    """Book every visit of a same-day itinerary, or none: any clash rolls all back."""
    checked = _check_visits(visits, now, override=False)
    _lock_calendars(clinicians=[v.clinician.pk for v in visits], patients=[patient.pk])
    days = {v.start.astimezone(selectors.clinic_zone()).date() for v in visits}
    if len(days) != 1:
        raise DomainError(
            "An itinerary's visits must all be on the same day.",
            field="visits",
            code="several_days",
        )
    if len({spec for spec, *_ in checked}) != len(checked):
        raise DomainError(
            "Each specialty is seen once in an itinerary.",
            field="visits",
            code="repeated_specialty",
        )
    timeline = sorted(zip(visits, checked, strict=True), key=lambda pair: pair[0].start)
    waits = sum(
        max(0, int((nxt.start - prev_end).total_seconds() // 60))
        for (_, (_, prev_end, *_)), (nxt, _) in zip(timeline, timeline[1:], strict=False)
    )
    itinerary = Itinerary.objects.create(
        patient=patient, referral=referral, day=days.pop(), total_wait_minutes=waits, created_by=by
    )
    consult_booked = False
    for index, (visit, (specialty, end, location_id, visit_type)) in enumerate(
        zip(visits, checked, strict=True)
    ):
        is_consult = (
            referral is not None
            and referral.consult_at is None
            and not consult_booked
            and specialty
            in rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
        )
        consult_booked = consult_booked or is_consult
        appointment = Appointment(
            patient=patient,
            clinician=visit.clinician,
            specialty=specialty,
            visit_type=visit_type,
            start=visit.start,
            end=end,
            location_id=location_id,
            referral=referral,
            itinerary=itinerary,
            is_consult=is_consult,
            created_by=by,
        )
        _insert(appointment, index)
        _record(appointment, "booked", by)
        # The reminders are planned once, when every visit of the day is in.
        last = index == len(visits) - 1
        outbox.appointment_changed(appointment=appointment, change="booked", reminders=last)
    if consult_booked:
        _refresh_consult(referral)
    return itinerary


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update().select_related("clinician").get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by,
    now: datetime,
    clinician: Clinician | None = None,
    reason: str = "",
) -> Appointment:
    """Move a visit (keeping its UID, raising its SEQUENCE); the old time stays in history."""
    appointment = _locked(appointment)
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError(
            f"Only a booked visit can be rescheduled; this one is "
            f"{appointment.get_status_display()}.",
            code="not_booked",
        )
    clinician = clinician or appointment.clinician
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    visit = VisitRequest(
        clinician=clinician, start=start, minutes=minutes, specialty=appointment.specialty
    )
    ((_, end, location_id, _),) = _check_visits([visit], now, override=False)
    _lock_calendars(
        clinicians={appointment.clinician_id, clinician.pk}, patients=[appointment.patient_id]
    )
    old_start = appointment.start
    appointment.clinician, appointment.start, appointment.end = clinician, start, end
    appointment.location_id = location_id
    appointment.sequence += 1
    _insert(appointment)
    _record(appointment, "rescheduled", by, old_start=old_start, old_status="booked", reason=reason)
    if appointment.is_consult:
        _refresh_consult(appointment.referral)
    outbox.appointment_changed(appointment=appointment, change="rescheduled")
    return appointment


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by, now: datetime, reason: str = ""
) -> Appointment:
    """Cancel a visit; referrals at risk that could use the freed time are named to the
    navigators, most urgent first."""
    appointment = _locked(appointment)
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError(
            f"A visit that is {appointment.get_status_display()} cannot be cancelled.",
            code="not_booked",
        )
    appointment.status = Appointment.Status.CANCELLED
    appointment.sequence += 1
    appointment.save(update_fields=["status", "sequence", "updated_at"])
    _record(appointment, "cancelled", by, old_status="booked", reason=reason)
    if appointment.is_consult:
        _refresh_consult(appointment.referral)
    outbox.appointment_changed(appointment=appointment, change="cancelled")
    if appointment.start > now:
        _offer_freed_slot(appointment, now)
    return appointment


def _offer_freed_slot(appointment: Appointment, now: datetime) -> None:
    waiting = [
        r
        for r in Referral.objects.filter(
            status=Referral.Status.OPEN,
            consult_at__isnull=True,
            consult_due_at__gt=appointment.start,
        )
        .exclude(patient_id=appointment.patient_id)
        .with_sla(now)
        .filter(sla_status="at_risk")
        if appointment.specialty in rules.consult_specialties(urgency=r.urgency, sites=r.sites)
    ]
    if not waiting:
        return
    waiting.sort(key=lambda r: (r.urgency != "emergency", r.urgency != "urgent", r.consult_due_at))
    local = appointment.start.astimezone(selectors.clinic_zone())
    names = ", ".join(f"referral {r.pk} ({r.urgency})" for r in waiting[:5])
    outbox.alert_navigators(
        kind=Alert.Kind.FREED_SLOT,
        referral=waiting[0],
        text=f"A {appointment.specialty.replace('_', ' ')} slot at {local:%a %d %b %H:%M} "
        f"with {appointment.clinician.name} was freed. Waiting and at risk: {names}.",
        dedupe_key=f"freed:{appointment.pk}:{appointment.sequence}",
    )


STATUS_MOVES = {
    "checked_in": {"booked"},
    "completed": {"checked_in", "booked"},
    "no_show": {"booked"},
    "booked": {"no_show", "checked_in"},  # undo a no-show or a check-in made by mistake
}


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, by, reason: str = ""
) -> Appointment:
    appointment = _locked(appointment)
    allowed = STATUS_MOVES.get(status, set())
    if appointment.status not in allowed:
        raise DomainError(
            f"A visit that is {appointment.get_status_display()} cannot become "
            f"{status.replace('_', ' ')}.",
            field="status",
            code="bad_status",
        )
    old = appointment.status
    appointment.status = status
    appointment.save(update_fields=["status", "updated_at"])
    _record(appointment, f"status:{status}", by, old_status=old, reason=reason)
    return appointment


def clinician_feed_rotate(*, clinician: Clinician) -> Clinician:
    """A new feed secret: the old URL stops working at once."""
    from navigation.models import new_token

    clinician.calendar_token = new_token()
    clinician.save(update_fields=["calendar_token"])
    return clinician


# --- the 72-hour watch ---------------------------------------------------------------


def deadline_watch(*, now: datetime) -> int:
    """Alert navigators once for each referral that became at risk or breached."""
    written = 0
    open_referrals = (
        Referral.objects.filter(status=Referral.Status.OPEN)
        .with_sla(now)
        .filter(sla_status__in=["at_risk", "breached"])
    )
    for referral in open_referrals:
        state = referral.sla_status
        kind = Alert.Kind.AT_RISK if state == "at_risk" else Alert.Kind.BREACHED
        left = referral.consult_due_at - now
        text = (
            f"Referral {referral.pk} ({referral.urgency}) is at risk: "
            f"{max(0, int(left.total_seconds() // 3600))} h left and no consult before "
            f"its deadline."
            if state == "at_risk"
            else f"Referral {referral.pk} ({referral.urgency}) breached its consult deadline."
        )
        if outbox.alert_navigators(
            kind=kind, referral=referral, text=text, dedupe_key=f"{state}:{referral.pk}"
        ):
            written += 1
    return written
