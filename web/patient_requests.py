"""A patient's request to reschedule (R by text, or the button on their visit page)
becomes a task on their referral until a navigator handles it."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from navigation.models import Appointment
from notifications.alerts import alerts_resolve
from notifications.models import Alert
from patients.models import Patient, Referral
from web.models import PatientRequest


@transaction.atomic
def patient_request_create(*, patient: Patient, source: str, now: datetime) -> PatientRequest:
    """A task for the patient's next booked visit (and its referral; else the patient's
    latest open referral). One open request per patient is enough: asking again while
    one is open returns it."""
    open_one = PatientRequest.objects.filter(
        patient=patient, status=PatientRequest.Status.OPEN
    ).first()
    if open_one is not None:
        return open_one
    visit = (
        Appointment.objects.filter(patient=patient, start__gt=now, status=Appointment.Status.BOOKED)
        .order_by("start")
        .first()
    )
    referral = (visit.referral if visit and visit.referral_id else None) or (
        Referral.objects.filter(patient=patient, status=Referral.Status.OPEN)
        .order_by("-received_at")
        .first()
    )
    where = "by text" if source == PatientRequest.Source.SMS else "on their visit page"
    return PatientRequest.objects.create(
        patient=patient,
        referral=referral,
        appointment=visit,
        source=source,
        text=f"Asked {where} to reschedule their next visit; call them back.",
        created_at=now,
    )


@transaction.atomic
def patient_request_close(
    *, patient_request: PatientRequest, by, note: str, now: datetime
) -> PatientRequest:
    """Mark a request handled (idempotent: a closed one stays as it was); the patient's
    reply alerts end with it, saying why."""
    updated = PatientRequest.objects.filter(
        pk=patient_request.pk, status=PatientRequest.Status.OPEN
    ).update(status=PatientRequest.Status.DONE, done_at=now, done_by=by, note=note)
    if updated:
        patient_request.refresh_from_db()
        alerts_resolve(
            kinds=[Alert.Kind.PATIENT_REPLY],
            patient=patient_request.patient,
            reason="The patient's request was handled.",
            now=now,
        )
    return patient_request


def referral_requests(*, referral: Referral) -> QuerySet[PatientRequest]:
    """The patient's requests on this referral, or on none (not yet tied to one), open
    first."""
    return (
        PatientRequest.objects.filter(patient_id=referral.patient_id)
        .filter(Q(referral=referral) | Q(referral__isnull=True))
        .select_related("appointment", "done_by")
        .order_by("-status", "created_at")
    )
