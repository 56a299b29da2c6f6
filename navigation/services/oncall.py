"""On-call coverage for emergencies: who is on call (the rota of each specialty, one-off
cover shifts first), and the emergency consult booked as an on-call assessment in the
emergency department or on a ward, outside clinic templates, with the on-call clinician
paged at once through the outbox (PRODUCT.md: an emergency bypasses ordinary booking and
is seen within 24 hours)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from navigation import oncall, rules
from navigation.models import Appointment, Clinician, Location
from navigation.rota_models import OnCallRota, OnCallShift
from navigation.services.booking import (
    Actor,
    consult_exists,
    grid_ceil,
    insert,
    live_consult,
    lock_calendars,
    record,
    refresh_consult,
    release_expired_holds,
    visit_minutes,
)
from notifications import outbox
from notifications.models import Message
from patients import clinical
from patients.models import Referral
from tumorboard.errors import DomainError

ASSESSMENT_SETTINGS = (Appointment.EncounterClass.EMERGENCY, Appointment.EncounterClass.INPATIENT)
SHIFTS_AHEAD = 3  # shifts looked through for a free start before saying nobody is free


@dataclass(frozen=True)
class OnCall:
    """Who is on call for `specialty` from `start` to `end` (aware, UTC), and where."""

    clinician: Clinician
    specialty: str
    location: Location
    start: datetime
    end: datetime
    cover: bool  # a one-off cover shift rather than the rota


def on_call(*, specialty: str, at: datetime) -> OnCall | None:
    """Who is on call for `specialty` at `at` (aware): a cover shift if one runs then,
    else the first active rota of the specialty with a shift then (its end cut at the next
    cover shift); None when nobody is."""
    cover = (
        OnCallShift.objects.filter(specialty=specialty, start__lte=at, end__gt=at)
        .select_related("clinician", "location")
        .first()
    )
    if cover is not None and cover.clinician.active:
        return OnCall(cover.clinician, specialty, cover.location, cover.start, cover.end, True)
    rotas = (
        OnCallRota.objects.filter(specialty=specialty, active=True)
        .select_related("location")
        .prefetch_related("members")
    )
    for rota in rotas:
        shift = oncall.shift_at(
            at,
            zone=rota.location.zone,
            handover=rota.handover,
            starts_on=rota.starts_on,
            shift_days=rota.shift_days,
            members=rota.member_ids(),
            ends_on=rota.ends_on,
        )
        if shift is None:
            continue
        clinician = Clinician.objects.filter(pk=shift.member, active=True).first()
        if clinician is None:
            continue
        next_cover = (
            OnCallShift.objects.filter(specialty=specialty, start__gt=at, start__lt=shift.end)
            .order_by("start")
            .values_list("start", flat=True)
            .first()
        )
        return OnCall(
            clinician, specialty, rota.location, shift.start, next_cover or shift.end, False
        )
    return None


@dataclass(frozen=True)
class Assessment:
    """An on-call assessment that can be booked: who, where, from `start` to `end`."""

    on_call: OnCall
    start: datetime
    end: datetime


def _first_free(on: OnCall, patient_id: int, start: datetime, minutes: int) -> datetime | None:
    """The earliest grid start at or after `start`, inside the shift, at which neither the
    clinician nor the patient has a live visit over the next `minutes` (the same rule as
    the database's exclusion constraints)."""
    length = timedelta(minutes=minutes)
    busy = (
        Appointment.objects.filter(Q(clinician=on.clinician) | Q(patient_id=patient_id))
        .filter(override=False, start__lt=on.end + length, end__gt=start)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start")
        .values_list("start", "end")
    )
    at = grid_ceil(start)
    for busy_start, busy_end in busy:
        if at + length <= busy_start:
            break
        at = max(at, grid_ceil(busy_end))
    return at if at < on.end else None


def oncall_assessment(
    *, referral: Referral, now: datetime, specialty: str | None = None
) -> Assessment | None:
    """The earliest on-call assessment for the emergency `referral` from `now`: with each
    consult specialty's on-call clinician (`specialty` to name one), the first grid start
    when they and the patient are free, looking through the next few shifts. A read."""
    wanted = (
        (specialty,)
        if specialty
        else rules.consult_specialties(urgency=referral.urgency, sites=referral.sites)
    )
    best: Assessment | None = None
    for name in wanted:
        minutes = visit_minutes(name)
        at = now
        for _ in range(SHIFTS_AHEAD):
            on = on_call(specialty=name, at=at)
            if on is None:
                break
            start = _first_free(on, referral.patient_id, max(at, on.start), minutes)
            if start is not None:
                if best is None or start < best.start:
                    best = Assessment(on, start, start + timedelta(minutes=minutes))
                break
            at = on.end
    return best


@transaction.atomic
def oncall_assessment_book(
    *,
    referral: Referral,
    encounter_class: str,
    by: Actor,
    now: datetime,
    specialty: str | None = None,
) -> Appointment:
    """Book the emergency `referral`'s consult as an on-call assessment (`encounter_class`
    EMER, the emergency department, or IMP, a ward) with whoever is on call, at the first
    time they and the patient are free from `now`, outside clinic templates; the
    clinician is paged by email at once (the outbox's alerts queue). Raises DomainError
    naming `referral` (not an emergency), `encounter_class` (a clinic) or `specialty`
    (nobody on call); a Conflict when the referral has a consult already."""
    if referral.urgency != clinical.EMERGENCY:
        raise DomainError(
            "Only an emergency referral is assessed by the on-call team; book a clinic "
            "consult instead.",
            field="referral",
            code="not_emergency",
        )
    if encounter_class not in ASSESSMENT_SETTINGS:
        raise DomainError(
            "An on-call assessment happens in the emergency department (EMER) or on a ward (IMP).",
            field="encounter_class",
        )
    lock_calendars(clinicians=[], patients=[referral.patient_id])
    if live_consult(referral):
        raise consult_exists(referral)
    found = oncall_assessment(referral=referral, now=now, specialty=specialty)
    if found is None:
        what = (specialty or "the consult specialties").replace("_", " ")
        raise DomainError(
            f"Nobody on the {what} on-call rota is free in the next shifts: set up the rota "
            "or a cover shift, or book over a clinic visit.",
            field="specialty",
            code="nobody_on_call",
        )
    clinician = found.on_call.clinician
    lock_calendars(clinicians=[clinician.pk], patients=[])
    release_expired_holds(clinicians=[clinician.pk], patient_id=referral.patient_id, now=now)
    appointment = Appointment(
        patient=referral.patient,
        clinician=clinician,
        specialty=found.on_call.specialty,
        start=found.start,
        end=found.end,
        location=found.on_call.location,
        referral=referral,
        is_consult=True,
        encounter_class=encounter_class,
        created_by=by,
    )
    insert(appointment, None)
    record(appointment, "booked", by, reason="on-call assessment")
    refresh_consult(referral)
    page_on_call(appointment=appointment)
    return appointment


def page_on_call(*, appointment: Appointment) -> list[Message]:
    """Email the on-call clinician at once about the assessment booked with them: where and
    when, a link, no patient name and no diagnosis (PHI stays behind the sign-in)."""
    clinician = appointment.clinician
    email = clinician.email or (clinician.user.email if clinician.user else "")
    if not email:
        return []
    zone = appointment.location.zone
    due = appointment.referral.consult_due_at if appointment.referral else appointment.start
    context = {
        "when": appointment.start.astimezone(zone).strftime("%a %d %b %H:%M"),
        "where": f"{appointment.get_encounter_class_display()}, {appointment.location.name}",
        "due": due.astimezone(zone).strftime("%a %d %b %H:%M"),
        "link": settings.SITE_URL + reverse("web:appointment", args=[appointment.pk]),
        "center": settings.CENTER_NAME,
    }
    return [
        outbox.message_enqueue(
            channel=Message.Channel.EMAIL,
            to=email,
            user=clinician.user,
            template="oncall_page",
            payload={"appointment": appointment.pk},
            idempotency_key=f"oncall:{appointment.pk}:{email}",
            content={
                "subject": render_to_string("email/oncall_page_subject.txt", context).strip(),
                "body": render_to_string("email/oncall_page.txt", context),
            },
        )
    ]


def on_call_now(*, specialties: Iterable[str], at: datetime) -> list[Clinician]:
    """The clinicians on call at `at` for any of `specialties` (rota or cover)."""
    found = (on_call(specialty=s, at=at) for s in specialties)
    return list({o.clinician.pk: o.clinician for o in found if o is not None}.values())
