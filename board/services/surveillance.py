"""Follow-up imaging: plans, their interval from disease activity (PRODUCT.md workflow 5),
and the periodic run that books the next scan through the navigation engine, records
what happened to the last one, and escalates a missed or overdue scan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q

from board import rules
from board.models import Recommendation, Scan, SurveillancePlan
from navigation import selectors
from navigation.models import Appointment
from navigation.services import appointment_cancel
from notifications.alerts import SCAN_DONE, alerts_resolve
from notifications.models import Alert
from patients.models import Patient
from tumorboard.errors import Conflict, DomainError

BOOK_AHEAD = timedelta(days=21)  # the next scan is booked three weeks before it is due
SEARCH_DAYS = 21  # how far past the due date to look for a free scanner
OVERDUE_AFTER = timedelta(days=7)
UNRECORDED_AFTER = timedelta(days=1)
IMAGING = "neuroradiology"


def clinic_today(now: datetime) -> date:
    return now.astimezone(selectors.clinic_zone()).date()


def _check_interval(weeks: int) -> None:
    if not rules.MIN_WEEKS <= weeks <= rules.MAX_WEEKS:
        raise DomainError(
            f"Follow-up imaging is every {rules.MIN_WEEKS} to {rules.MAX_WEEKS} weeks, "
            f"not {weeks}.",
            field="interval_weeks",
            code="interval_out_of_range",
        )


def _apply(plan: SurveillancePlan, *, since: date, now: datetime, weeks: int | None) -> None:
    """Interval by hand (`weeks`) or from the activity; the next due date from `since`."""
    if weeks is not None:
        _check_interval(weeks)
        plan.interval_weeks, plan.interval_set_by_hand = weeks, True
    elif not plan.interval_set_by_hand:
        plan.interval_weeks = rules.interval_weeks(plan.disease_activity)
    plan.last_scan_on = since
    if rules.scan_at_once(plan.disease_activity):
        plan.next_due_on = clinic_today(now)
    else:
        plan.next_due_on = rules.next_due(since=since, weeks=plan.interval_weeks)


def _check_alive(patient: Patient) -> None:
    if patient.status != Patient.Status.ACTIVE:
        raise DomainError(
            f"The patient is {patient.status}: no follow-up imaging is planned.",
            field="patient",
            code="patient_not_active",
        )


@transaction.atomic
def plan_create(
    *,
    patient: Patient,
    modality: str,
    disease_activity: str,
    by,
    now: datetime,
    interval_weeks: int | None = None,
    starts_on: date | None = None,
    recommendation: Recommendation | None = None,
) -> SurveillancePlan:
    _check_alive(patient)
    current = SurveillancePlan.objects.filter(patient=patient, status="active").first()
    if current is not None:
        raise Conflict(
            f"The patient already has an active surveillance plan ({current.pk}); change it.",
            field="patient",
            code="plan_exists",
        )
    plan = SurveillancePlan(
        patient=patient,
        modality=modality,
        disease_activity=disease_activity,
        recommendation=recommendation,
        case=recommendation.case if recommendation else None,
        created_by=by,
    )
    _apply(plan, since=starts_on or clinic_today(now), now=now, weeks=interval_weeks)
    plan.save()
    return plan


def plan_from_recommendation(
    *, recommendation: Recommendation, by, now: datetime
) -> SurveillancePlan | None:
    """A signed recommendation's follow-up starts the patient's plan, or recomputes it."""
    patient = recommendation.case.patient
    if patient.status != Patient.Status.ACTIVE:
        return None
    plan = (
        SurveillancePlan.objects.select_for_update()
        .filter(patient=patient, status="active")
        .first()
    )
    activity = recommendation.disease_activity or (
        plan.disease_activity if plan else rules.NEW_THERAPY
    )
    if plan is None:
        return plan_create(
            patient=patient,
            modality=recommendation.followup_modality,
            disease_activity=activity,
            interval_weeks=recommendation.followup_weeks,
            recommendation=recommendation,
            by=by,
            now=now,
        )
    plan.modality, plan.disease_activity = recommendation.followup_modality, activity
    plan.recommendation, plan.case = recommendation, recommendation.case
    plan.interval_set_by_hand = recommendation.followup_weeks is not None
    _apply(plan, since=clinic_today(now), now=now, weeks=recommendation.followup_weeks)
    plan.save()
    _rebook_if_moved(plan, by=by, now=now)
    return plan


@transaction.atomic
def plan_update(*, plan: SurveillancePlan, by, now: datetime, **fields) -> SurveillancePlan:
    """Modality, disease activity, or an interval set by hand (None: from the activity)."""
    plan = SurveillancePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != SurveillancePlan.Status.ACTIVE:
        raise DomainError("This plan has ended.", code="plan_ended")
    weeks = fields.pop("interval_weeks", plan.interval_weeks if plan.interval_set_by_hand else None)
    if weeks is None:
        plan.interval_set_by_hand = False
    for name, value in fields.items():
        setattr(plan, name, value)
    _apply(plan, since=plan.last_scan_on, now=now, weeks=weeks)
    plan.save()
    _rebook_if_moved(plan, by=by, now=now)
    return plan


@transaction.atomic
def plan_record_result(
    *, plan: SurveillancePlan, result: str, scanned_on: date, by, now: datetime
) -> Scan:
    """What the last scan showed; the activity, and with it the interval, follow."""
    plan = SurveillancePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != SurveillancePlan.Status.ACTIVE:
        raise DomainError("This plan has ended.", code="plan_ended")
    if scanned_on > clinic_today(now):
        raise DomainError(
            "A scan result cannot be dated in the future.", field="scanned_on", code="future"
        )
    scan = (
        plan.scans.filter(result="")
        .filter(
            Q(status=Scan.Status.DONE) | Q(status=Scan.Status.BOOKED, appointment__start__lte=now)
        )
        .order_by("-due_on")
        .first()
    ) or Scan(plan=plan, due_on=plan.next_due_on)
    scan.status, scan.result, scan.scanned_on = Scan.Status.DONE, result, scanned_on
    scan.save()
    plan.disease_activity, plan.stable_scans = rules.activity_after_scan(
        result=result, current=plan.disease_activity, stable_scans=plan.stable_scans
    )
    _apply(plan, since=scanned_on, now=now, weeks=None)
    plan.save()
    _rebook_if_moved(plan, by=by, now=now)
    alerts_resolve(kinds=[Alert.Kind.IMAGING], reason=SCAN_DONE, now=now, patient=plan.patient)
    return scan


@transaction.atomic
def plan_end(*, plan: SurveillancePlan, reason: str, by, now: datetime) -> SurveillancePlan:
    """Stop the plan (discharge, death, or by hand); a future booked scan is cancelled."""
    plan = SurveillancePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == SurveillancePlan.Status.ENDED:
        return plan
    for scan in plan.scans.filter(status=Scan.Status.BOOKED).select_related("appointment"):
        _cancel_scan(scan, by=by, now=now, reason=f"surveillance ended: {reason}")
    plan.status, plan.ended_reason, plan.ended_at = SurveillancePlan.Status.ENDED, reason, now
    plan.save(update_fields=["status", "ended_reason", "ended_at", "updated_at"])
    return plan


def _cancel_scan(scan: Scan, *, by, now: datetime, reason: str) -> None:
    appointment = scan.appointment
    if appointment and appointment.status == Appointment.Status.BOOKED and appointment.start > now:
        appointment_cancel(appointment=appointment, by=by, now=now, reason=reason)
    scan.status = Scan.Status.CANCELLED
    scan.save(update_fields=["status"])


def _rebook_if_moved(plan: SurveillancePlan, *, by, now: datetime) -> None:
    """A booked scan for another due date is cancelled; the next run books the new one."""
    for scan in plan.scans.filter(status=Scan.Status.BOOKED).exclude(due_on=plan.next_due_on):
        _cancel_scan(scan, by=by, now=now, reason="the follow-up interval changed")
