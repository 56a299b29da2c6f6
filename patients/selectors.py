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
