"""Reads for patients and referrals, scoped by who is asking."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

from patients.models import Patient, Referral
from tumorboard.roles import ADMIN, NAVIGATOR, PATIENT, SPECIALIST, has_role


def patient_list(*, user) -> QuerySet[Patient]:
    """The patients `user` may read: navigators and admins every one; a specialist those
    on their schedule or their board's agenda (as in the pages: least privilege); a
    patient themselves."""
    if has_role(user, NAVIGATOR, ADMIN):
        return Patient.objects.all()
    if has_role(user, SPECIALIST):
        return Patient.objects.filter(_of_specialist(user, "pk"))
    if has_role(user, PATIENT):
        return Patient.objects.filter(user=user)
    return Patient.objects.none()


def referral_list(*, user, now: datetime) -> QuerySet[Referral]:
    """The referrals `user` may read, annotated with `sla_status` at `now`: all for
    navigators and admins, a specialist's as `referrals_of_specialist`, a patient's own."""
    referrals = Referral.objects.select_related("patient").with_sla(now)
    if has_role(user, NAVIGATOR, ADMIN):
        return referrals
    if has_role(user, SPECIALIST):
        return referrals_of_specialist(user=user, now=now)
    if has_role(user, PATIENT):
        return referrals.filter(patient__user=user)
    return referrals.none()


def _of_specialist(user, field: str) -> Q:
    """`field` (a patient id) is one of the patients on `user`'s schedule (a visit with
    them, not cancelled) or on the agenda of a board they sit on (a listed case)."""
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
    return Q(**{f"{field}__in": scheduled}) | Q(**{f"{field}__in": on_agenda})


def referrals_of_specialist(*, user, now: datetime) -> QuerySet[Referral]:
    """The referrals a specialist may read, in the pages and the API: those of patients on
    their schedule or on the agenda of a board they sit on. Read only; booking stays with
    navigators. Annotated like `referral_list` (`sla_status` at `now`)."""
    return (
        Referral.objects.select_related("patient")
        .with_sla(now)
        .filter(_of_specialist(user, "patient_id"))
    )
