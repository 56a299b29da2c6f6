"""Holds: a navigator on the phone keeps a plan's time for the patient (PRODUCT.md, "Same-day
plans"; default 10 minutes, `HOLD_MINUTES`). Held visits are Appointment rows with status
`held`, so the exclusion constraints keep everyone else off them; the holder confirms the
hold into a booking, or it expires by itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from navigation.models import Appointment, Hold, Itinerary
from navigation.services.booking import (
    Actor,
    PlanRules,
    VisitRequest,
    refresh_consult,
    refused_as,
)
from navigation.services.itineraries import (
    _figures,
    _lock_and_check,
    booked_messages,
    new_appointments,
)
from patients.models import Patient, Referral
from tumorboard.errors import Conflict, Forbidden


@transaction.atomic
def itinerary_hold(
    *,
    patient: Patient,
    visits: list[VisitRequest],
    by: Actor,
    now: datetime,
    referral: Referral | None = None,
    plan: PlanRules | None = None,
    minutes: int | None = None,
) -> Hold:
    """Hold a plan's visits for `minutes` (default `settings.HOLD_MINUTES`): checked like a
    booking, taken for everyone else at once, no message sent. 409 names what is taken
    (and says "Nothing was held")."""
    plan = plan or PlanRules()
    with refused_as("Nothing was held"):
        checked, _, consult, read = _lock_and_check(patient, visits, referral, now, plan)
    hold = Hold.objects.create(
        patient=patient,
        referral=referral,
        expires_at=now + timedelta(minutes=minutes or settings.HOLD_MINUTES),
        max_total_wait=plan.max_total_wait,
        created_by=by,
    )
    new_appointments(
        patient=patient,
        referral=referral,
        checked=checked,
        consult=consult,
        by=by,
        status=Appointment.Status.HELD,
        hold=hold,
        known=read.needs.resources if read.needs else None,
    )
    return hold


def _locked_hold(hold: Hold, by: Actor, now: datetime, undone: str) -> Hold:
    """The hold, locked, when `by` holds it and it is active. Else 403 `not_your_hold`
    (another navigator's), or 409 `hold_<status>` saying `undone` ("nothing was booked");
    a confirmed one names its plan (`itinerary`), so a retried confirmation learns it
    was booked."""
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if by is not None and hold.created_by_id != getattr(by, "pk", None):
        holder = hold.created_by
        name = (holder.get_full_name() or holder.username) if holder else "another navigator"
        raise Forbidden(
            f"Hold {hold.pk} is {name}'s; only the navigator who holds this time can confirm "
            f"or release it. {undone[:1].upper()}{undone[1:]}.",
            field="hold",
            code="not_your_hold",
            extra={"hold": hold.pk},
        )
    if hold.status == Hold.Status.CONFIRMED and hold.itinerary_id is not None:
        raise Conflict(
            f"This hold was already confirmed as plan {hold.itinerary_id}: its visits are "
            f"booked{'' if undone == 'nothing was booked' else ', so ' + undone}.",
            code="hold_confirmed",
            extra={"hold": hold.pk, "itinerary": hold.itinerary_id},
        )
    if hold.status != Hold.Status.ACTIVE:
        raise Conflict(
            f"This hold is {hold.status}; {undone}.",
            code=f"hold_{hold.status}",
            extra={"hold": hold.pk},
        )
    return hold


@transaction.atomic
def hold_confirm(*, hold: Hold, by: Actor, now: datetime) -> Itinerary:
    """Turn the holder's hold into a booked plan, whole: its visits become booked (their
    messages go out) unless it expired first, then nothing is booked (409)."""
    hold = _locked_hold(hold, by, now, "nothing was booked")
    if hold.expires_at <= now:
        _end(hold, Hold.Status.EXPIRED, now)
        raise Conflict(
            "This hold expired; its time was freed and nothing was booked. Search again.",
            code="hold_expired",
        )
    held = list(
        hold.appointments.select_related("patient", "clinician", "location").order_by("start")
    )
    if not held:
        _end(hold, Hold.Status.RELEASED, now)
        raise Conflict("This hold has no visits left; nothing was booked.", code="hold_empty")
    itinerary = Itinerary.objects.create(
        patient=hold.patient,
        referral=hold.referral,
        day=held[0].start.astimezone(held[0].location.zone).date(),
        created_by=by,
    )
    Appointment.objects.filter(hold=hold).update(
        status=Appointment.Status.BOOKED, itinerary=itinerary
    )
    for appointment in held:
        appointment.status, appointment.itinerary = Appointment.Status.BOOKED, itinerary
    figures = _figures_of(held, hold)
    itinerary.total_wait_minutes, itinerary.total_travel_minutes = figures
    itinerary.save(update_fields=["total_wait_minutes", "total_travel_minutes"])
    hold.status, hold.itinerary, hold.ended_at = Hold.Status.CONFIRMED, itinerary, now
    hold.save(update_fields=["status", "itinerary", "ended_at"])
    booked_messages(held, by)
    if any(a.is_consult for a in held):
        refresh_consult(hold.referral)
    return itinerary


def _figures_of(held: list[Appointment], hold: Hold) -> tuple[int, int]:
    from navigation.services.booking import CheckedVisit

    checked = [
        CheckedVisit(
            VisitRequest(a.clinician, a.start),
            a.specialty,
            a.end,
            a.location_id,
            None,
            a.start.astimezone(a.location.zone).date(),
            a.location.time_zone,
        )
        for a in held
    ]
    result = _figures(checked, PlanRules(hold.max_total_wait))
    return result.total_wait, result.total_travel


@transaction.atomic
def hold_release(*, hold: Hold, by: Actor, now: datetime) -> Hold:
    """The holder lets the time go at once."""
    hold = _locked_hold(hold, by, now, "nothing was released")
    return _end(hold, Hold.Status.RELEASED, now)


def _end(hold: Hold, status: str, now: datetime) -> Hold:
    Appointment.objects.filter(hold=hold, status=Appointment.Status.HELD).delete()
    hold.status, hold.ended_at = status, now
    hold.save(update_fields=["status", "ended_at"])
    return hold


def holds_expire(*, now: datetime, batch: int = 500) -> int:
    """Free the time of every hold past its expiry (the beat job). Each hold ends in its
    own short transaction, skipping holds a confirmation has locked. Returns how many."""
    ended = 0
    while True:
        with transaction.atomic():
            due = list(
                Hold.objects.select_for_update(skip_locked=True)
                .filter(status=Hold.Status.ACTIVE, expires_at__lte=now)
                .order_by("expires_at")[:batch]
            )
            if not due:
                return ended
            ids = [h.pk for h in due]
            Appointment.objects.filter(hold_id__in=ids, status=Appointment.Status.HELD).delete()
            Hold.objects.filter(pk__in=ids).update(status=Hold.Status.EXPIRED, ended_at=now)
            ended += len(ids)
