"""One visit at a time: book, move, cancel, and the status a visit goes through."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from navigation import rules
from navigation.models import Appointment, AppointmentResource, Clinician, Resource, new_token
from navigation.services.booking import (
    Actor,
    VisitRequest,
    check_visits,
    consult_exists,
    insert,
    live_consult,
    lock_calendars,
    plan_resources,
    record,
    refresh_consult,
    refused_as,
    release_expired_holds,
    resource_clashes,
    resources_follow,
    visits_minutes,
)
from notifications import outbox
from notifications.models import Alert
from notifications.services import reminders_sync
from patients import clinical
from patients.models import Patient, Referral
from tumorboard.errors import DomainError


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    visit: VisitRequest,
    by: Actor,
    now: datetime,
    referral: Referral | None = None,
    is_consult: bool = False,
    override_reason: str = "",
) -> Appointment:
    """Book one visit, checked by the same rules as a plan. With `override_reason` a
    navigator squeezes an emergency in over booked time: audited, alerted, and the only
    overlap the database lets through. A second live consult for a referral is a 409
    naming the first (also enforced by a partial unique index)."""
    override = bool(override_reason)
    if override and (referral is None or referral.urgency != "emergency"):
        raise DomainError(
            "Only an emergency referral can be booked over another visit.",
            field="override_reason",
            code="override_not_allowed",
        )
    read = None if override else plan_resources([visit], patient)
    resources = read.lock if read else []
    lock_calendars(clinicians=[visit.clinician.pk], patients=[patient.pk], resources=resources)
    release_expired_holds(
        clinicians=[visit.clinician.pk], patient_id=patient.pk, now=now, resources=resources
    )
    if is_consult and referral is not None and live_consult(referral):
        raise consult_exists(referral)
    (checked,), _ = check_visits([visit], patient=patient, now=now, override=override, read=read)
    appointment = Appointment(
        patient=patient,
        clinician=visit.clinician,
        specialty=checked.specialty,
        visit_type=checked.visit_type,
        start=visit.start,
        end=checked.end,
        location_id=checked.location_id,
        referral=referral,
        is_consult=is_consult,
        override=override,
        override_reason=override_reason,
        created_by=by,
    )
    insert(appointment, None, resources=checked.resources)
    record(appointment, "override" if override else "booked", by, reason=override_reason)
    if override:
        outbox.alert_navigators(
            kind=Alert.Kind.OVERRIDE,
            referral=referral,
            text=f"Appointment {appointment.pk} was booked over other visits: {override_reason}",
            dedupe_key=f"override:{appointment.pk}",
        )
    if is_consult:
        refresh_consult(referral)
    outbox.appointment_changed(appointment=appointment, change="booked")
    return appointment


def _locked(appointment: Appointment) -> Appointment:
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("clinician", "location", "referral", "patient")
        .get(pk=appointment.pk)
    )


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    by: Actor,
    now: datetime,
    clinician: Clinician | None = None,
    reason: str = "",
    resources: tuple[Resource, ...] | None = None,
) -> Appointment:
    """Move a visit (keeping its UID, raising its SEQUENCE), checked by the same rules as a
    booking with its own old time left out; the old time stays in history.

    `resources`, when given, are the rooms, machines and interpreter the visit takes at the
    new time (checked like a booking's: one of each kind it needs, free then). Else it
    keeps its own where free then, else takes free ones of the same need: the interpreter
    of the patient's other visits that day when free, else as the search picks. None free
    of a need: 409 naming the resource when a visit or hold has it, else 400."""
    appointment = _locked(appointment)
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError(
            f"Only a booked visit can be rescheduled; this one is "
            f"{appointment.get_status_display()}.",
            code="not_booked",
        )
    clinician = clinician or appointment.clinician
    # A moved visit lasts its type's minutes, as every visit does.
    chosen = {appointment.specialty: appointment.visit_type} if appointment.visit_type_id else None
    minutes = visits_minutes([appointment.specialty], chosen)[appointment.specialty]
    visit = VisitRequest(
        clinician=clinician,
        start=start,
        specialty=appointment.specialty,
        resources=resources,
        # its own kind of visit (an "SRS planning" keeps needing its CT simulator)
        visit_type=appointment.visit_type if appointment.visit_type_id else None,
    )
    read = plan_resources([visit], appointment.patient)
    lock_calendars(
        clinicians={appointment.clinician_id, clinician.pk},
        patients=[appointment.patient_id],
        resources=read.lock,
    )
    release_expired_holds(
        clinicians=[clinician.pk],
        patient_id=appointment.patient_id,
        now=now,
        resources=read.lock,
    )
    with refused_as("The visit was not moved"):
        (checked,), _ = check_visits(
            [visit],
            patient=appointment.patient,
            now=now,
            exclude_id=appointment.pk,
            read=read,
            prefer=_resources_to_keep(appointment, start, minutes, read.lock, now)
            if resources is None
            else (),
        )
        old_start = appointment.start
        appointment.clinician, appointment.start, appointment.end = clinician, start, checked.end
        appointment.location_id = checked.location_id
        appointment.sequence += 1
        insert(appointment, None, resources=checked.resources)
    record(appointment, "rescheduled", by, old_start=old_start, old_status="booked", reason=reason)
    if appointment.is_consult:
        refresh_consult(appointment.referral)
    outbox.appointment_changed(appointment=appointment, change="rescheduled")
    return appointment


def _resources_to_keep(
    appointment: Appointment, start: datetime, minutes: int, lock: list[int], now: datetime
) -> list[int]:
    """The resource ids a moved visit would rather take, best first: its own, then those
    of the patient's other live visits on the new start's local date (the zone of the
    visit's location). Those of `lock` another visit or hold has over the new time come
    before all: never free then, they are only named when none of their kind is (a 409
    naming what has it, rather than a 400 about one on time off). Call under the locks."""
    end = start + timedelta(minutes=minutes)
    busy = [
        row.resource_id
        for row in resource_clashes(
            resource_ids=lock, start=start, end=end, exclude_ids=[appointment.pk], now=now
        )
    ]
    own = list(appointment.resource_bookings.order_by("id").values_list("resource_id", flat=True))
    zone = ZoneInfo(appointment.location.time_zone)
    day = start.astimezone(zone).date()
    first = datetime.combine(day, time(0), zone)
    others = (
        AppointmentResource.objects.filter(
            appointment__patient_id=appointment.patient_id,
            live=True,
            start__gte=first,
            start__lt=datetime.combine(day + timedelta(days=1), time(0), zone),
        )
        .exclude(appointment_id=appointment.pk)
        .order_by("start")
        .values_list("resource_id", flat=True)
    )
    return list(dict.fromkeys([*busy, *own, *others]))


@transaction.atomic
def appointment_cancel(
    *, appointment: Appointment, by: Actor, now: datetime, reason: str = ""
) -> Appointment:
    """Cancel a visit; referrals at risk that could use the freed time are named to the
    navigators, most urgent first. Cancelling a plan's consult makes the plan's earliest
    other visit that could be the consult (and meets the deadline) the consult; the
    returned appointment's `consult_note` says which, or plainly why none."""
    appointment = _locked(appointment)
    appointment.consult_note = ""  # type: ignore[attr-defined]  # for the response only
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if appointment.status != Appointment.Status.BOOKED:
        raise DomainError(
            f"A visit that is {appointment.get_status_display()} cannot be cancelled.",
            code="not_booked",
        )
    appointment.status = Appointment.Status.CANCELLED
    appointment.sequence += 1
    was_consult = appointment.is_consult
    appointment.save(update_fields=["status", "sequence", "updated_at"])
    resources_follow(appointment)
    record(appointment, "cancelled", by, old_status="booked", reason=reason)
    if was_consult:
        appointment.consult_note = _move_consult(appointment, by)  # type: ignore[attr-defined]
        refresh_consult(appointment.referral)
    outbox.appointment_changed(appointment=appointment, change="cancelled")
    if appointment.start > now:
        _offer_freed_slot(appointment, now)
    return appointment


def _move_consult(cancelled: Appointment, by: Actor) -> str:
    """After a plan's consult is cancelled, make another visit of the plan the consult."""
    referral = cancelled.referral
    if referral is None or cancelled.itinerary_id is None:
        return "The referral has no consult now; book one."
    able = rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    others = list(
        Appointment.objects.select_for_update()
        .filter(itinerary_id=cancelled.itinerary_id, status=Appointment.Status.BOOKED)
        .order_by("start")
    )
    fit = [a for a in others if a.specialty in able]
    on_time = [a for a in fit if clinical.meets_deadline(a.start, referral.consult_due_at)]
    if not on_time:
        names = " or ".join(s.replace("_", " ") for s in able)
        why = (
            f"no other visit of the plan is with {names}"
            if not fit
            else f"the plan's {fit[0].specialty.replace('_', ' ')} visit starts after the deadline"
        )
        return f"The referral has no consult now: {why}. Book one."
    chosen = on_time[0]
    Appointment.objects.filter(pk=chosen.pk).update(is_consult=True)
    record(
        chosen, "consult", by, old_status=chosen.status, reason="the plan's consult was cancelled"
    )
    name = chosen.specialty.replace("_", " ")
    return f"The {name} visit (appointment {chosen.pk}) is now the consult."


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
    local = appointment.start.astimezone(appointment.location.zone)
    names = ", ".join(f"referral {r.pk} ({r.urgency})" for r in waiting[:5])
    outbox.alert_navigators(
        kind=Alert.Kind.FREED_SLOT,
        referral=waiting[0],
        text=f"A {appointment.specialty.replace('_', ' ')} slot at {local:%a %d %b %H:%M} "
        f"with {appointment.clinician.name} was freed. Waiting and at risk: {names}.",
        dedupe_key=f"freed:{appointment.pk}:{appointment.sequence}",
    )


STATUS_MOVES = {
    "checked_in": {"booked", "completed"},  # a completion set by mistake goes back too
    "completed": {"checked_in", "booked"},
    "no_show": {"booked"},
    "booked": {"no_show", "checked_in", "completed"},  # undo a status set by mistake
}
# Only once the visit has started can it be over, or missed.
AFTER_START = {"completed", "no_show"}
# Arrived and completed record what happened; set by mistake, a navigator corrects them
# on the visit's own day (in its location's zone), in the history like every change.
CORRECTIONS = {("completed", "checked_in"), ("completed", "booked"), ("checked_in", "booked")}


@transaction.atomic
def appointment_set_status(
    *,
    appointment: Appointment,
    status: str,
    by: Actor,
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Check in, complete, mark a no-show, or undo one. Completed and no-show only once
    the visit has started (at `now`, aware; the current time when None); an arrived or
    completed status is corrected only on the visit's own day, in its location's zone.
    A no-show consult frees the referral for a new consult; undoing it is refused once
    another consult was booked. Raises DomainError (field "status") naming the rule."""
    now = now or timezone.now()
    appointment = _locked(appointment)
    allowed = STATUS_MOVES.get(status, set())
    if appointment.status not in allowed:
        raise DomainError(
            f"A visit that is {appointment.get_status_display()} cannot become "
            f"{status.replace('_', ' ')}.",
            field="status",
            code="bad_status",
        )
    zone = appointment.location.zone
    start = appointment.start.astimezone(zone)
    if status in AFTER_START and now < appointment.start:
        raise DomainError(
            f"The visit starts at {start:%H:%M} on {start:%a %d %b}: it can be marked "
            f"{status.replace('_', ' ')} once it has started.",
            field="status",
            code="not_started",
        )
    correction = (appointment.status, status) in CORRECTIONS
    if correction and now.astimezone(zone).date() != start.date():
        raise DomainError(
            f"A visit marked {appointment.get_status_display()} can be corrected only on its "
            f"own day ({start:%a %d %b}); nothing was changed.",
            field="status",
            code="correction_too_late",
        )
    old = appointment.status
    appointment.status = status
    referral = appointment.referral
    if appointment.is_consult and old == "no_show" and referral and live_consult(referral):
        raise consult_exists(referral)
    appointment.save(update_fields=["status", "updated_at"])
    record(appointment, f"status:{status}", by, old_status=old, reason=reason)
    if appointment.is_consult and "no_show" in (old, status):
        refresh_consult(appointment.referral)
    # Reminders are for booked visits only: a no-show (or its undo) re-plans them.
    reminders_sync(patient=appointment.patient, now=now)
    return appointment


def clinician_feed_rotate(*, clinician: Clinician) -> Clinician:
    """A new feed secret: the old URL stops working at once."""
    clinician.calendar_token = new_token()
    clinician.save(update_fields=["calendar_token"])
    return clinician
