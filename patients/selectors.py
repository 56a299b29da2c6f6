"""Reads for patients and referrals, scoped by who is asking."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from patients.models import Patient, Referral
from tumorboard.roles import PATIENT, STAFF_ROLES, has_role


def patient_list(*, user) -> QuerySet[Patient]:
    if has_role(user, *STAFF_ROLES):
        return Patient.objects.all()
    if has_role(user, PATIENT):
        return Patient.objects.filter(user=user)
    return Patient.objects.none()


def referral_list(*, user, now: datetime) -> QuerySet[Referral]:
    referrals = Referral.objects.select_related("patient").with_sla(now)
    if has_role(user, *STAFF_ROLES):
        return referrals
    if has_role(user, PATIENT):
        return referrals.filter(patient__user=user)
    return referrals.none()


def referrals_of_specialist(*, user, now: datetime) -> QuerySet[Referral]:
    """The referrals a specialist may read in the pages: those of patients on their
    schedule (a visit with them, not cancelled) or on the agenda of a board they sit on
    (a listed case). Read only; booking stays with navigators. Annotated like
    `referral_list` (`sla_status` at `now`)."""
    from django.db.models import Q

    from board.models import Case
    from navigation.models import Appointment

    scheduled = (
        Appointment.objects.filter(clinician__user=user)
        .exclude(status=Appointment.Status.CANCELLED)
        .values("patient_id")
    )
    on_agenda = Case.objects.filter(
        meeting__series__members__user=user, status=Case.Status.LISTED
    ).values("patient_id")
    return (
        Referral.objects.select_related("patient")
        .with_sla(now)
        .filter(Q(patient_id__in=scheduled) | Q(patient_id__in=on_agenda))
    )
