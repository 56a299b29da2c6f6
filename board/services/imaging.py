"""The periodic surveillance run: end plans of discharged or deceased patients, follow
each booked scan (done, missed, unrecorded), book the next one ahead of its due date on a
neuroradiology clinician's free slot, and escalate what is overdue. Once per plan, in its
own transaction, so one plan's trouble never stops the others."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

from django.db import transaction

from board import rules
from board.models import Scan, SurveillancePlan
from board.services.surveillance import (
    BOOK_AHEAD,
    IMAGING,
    OVERDUE_AFTER,
    SEARCH_DAYS,
    UNRECORDED_AFTER,
    clinic_today,
    plan_end,
)
from navigation import availability, engine, selectors
from navigation.models import Appointment, Clinician
from navigation.services import VisitRequest, appointment_book, visit_minutes
from notifications import outbox
from notifications.alerts import SCAN_DONE, alerts_resolve
from notifications.models import Alert
from patients.models import Patient
from tumorboard.errors import DomainError


def surveillance_run(*, now: datetime) -> Counter:
    """Return what was done, counted by kind (booked, missed, overdue, ended, ...)."""
    done: Counter = Counter()
    plans = SurveillancePlan.objects.filter(status=SurveillancePlan.Status.ACTIVE)
    for plan_id in plans.values_list("id", flat=True):
        with transaction.atomic():
            plan = (
                SurveillancePlan.objects.select_for_update(of=("self",))
                .select_related("patient")
                .get(pk=plan_id)
            )
            if plan.status == SurveillancePlan.Status.ACTIVE:
                done[_run_plan(plan, now)] += 1
    return done


def _alert(plan: SurveillancePlan, text: str, key: str) -> None:
    outbox.alert_navigators(
        kind=Alert.Kind.IMAGING,
        text=f"Patient {plan.patient.mrn}: {text}",
        dedupe_key=key,
        patient=plan.patient,
    )


def _run_plan(plan: SurveillancePlan, now: datetime) -> str:
    patient = plan.patient
    if patient.status != Patient.Status.ACTIVE:
        plan_end(plan=plan, reason=f"patient {patient.status}", by=None, now=now)
        return "ended"
    scan = plan.scans.filter(status=Scan.Status.BOOKED).select_related("appointment").first()
    if scan is not None:
        outcome = _follow(plan, scan, now)
        if outcome:
            return outcome
    today = clinic_today(now)
    if plan.next_due_on - today > BOOK_AHEAD:
        return "waiting"
    if today > plan.next_due_on + OVERDUE_AFTER:
        # Past the week of grace (PRODUCT.md, care clocks): a navigator arranges it with the
        # patient; no scan is booked for them minutes ahead without asking.
        local_due = f"{plan.next_due_on:%d %b}"
        _alert(
            plan,
            f"follow-up {plan.get_modality_display()} due {local_due} is overdue and not booked: "
            "please arrange it with the patient.",
            f"imaging_overdue:{plan.pk}:{plan.next_due_on}",
        )
        return "overdue"
    if _book(plan, now):
        return "booked"
    return "no_slot"


def _follow(plan: SurveillancePlan, scan: Scan, now: datetime) -> str | None:
    """What became of the booked scan; None when it was missed or cancelled (rebook)."""
    appointment = scan.appointment
    status = appointment.status
    if status == Appointment.Status.COMPLETED:
        scan.status, scan.scanned_on = Scan.Status.DONE, clinic_today(appointment.start)
        scan.save(update_fields=["status", "scanned_on"])
        if plan.disease_activity == "new_symptoms":
            plan.disease_activity = "active"
        plan.last_scan_on = scan.scanned_on
        plan.next_due_on = rules.next_due(since=scan.scanned_on, weeks=plan.interval_weeks)
        plan.save(update_fields=["disease_activity", "last_scan_on", "next_due_on", "updated_at"])
        alerts_resolve(kinds=[Alert.Kind.IMAGING], reason=SCAN_DONE, now=now, patient=plan.patient)
        return "done"
    if status in (Appointment.Status.NO_SHOW, Appointment.Status.CANCELLED):
        missed = status == Appointment.Status.NO_SHOW
        scan.status = Scan.Status.MISSED if missed else Scan.Status.CANCELLED
        scan.save(update_fields=["status"])
        if missed:
            _alert(
                plan,
                f"follow-up imaging on {clinic_today(appointment.start):%a %d %b} was missed; "
                "a new one is being booked.",
                f"imaging_missed:{scan.pk}",
            )
        return None
    if appointment.end < now - UNRECORDED_AFTER:
        _alert(
            plan,
            f"follow-up imaging on {clinic_today(appointment.start):%a %d %b} is not recorded as "
            "done: was it?",
            f"imaging_unrecorded:{scan.pk}",
        )
        return "unrecorded"
    return "booked already"


def find_slot(*, patient_id: int, due_on, now: datetime) -> tuple[Clinician, datetime] | None:
    """The earliest free neuroradiology slot from the due date (or now, if later)."""
    clinicians = {c.pk: c for c in selectors.clinicians_of([IMAGING])}
    if not clinicians:
        return None
    first = max(due_on, clinic_today(now))
    start_of_due = availability.local_to_utc(first, time(0), str(selectors.clinic_zone()))
    not_before = max(now, start_of_due)
    last = first + timedelta(days=SEARCH_DAYS)
    days = selectors.free_days(
        clinicians=list(clinicians.values()),
        first=first,
        last=last,
        patient_id=patient_id,
        not_before=not_before,
    )
    slots = engine.find_consult_slots(
        clinicians=(c for day in days for c in day.clinicians),
        duration=visit_minutes(IMAGING),
        not_before=not_before,
        due_at=selectors.day_bounds(last)[1],
        limit=1,
    )
    return (clinicians[slots[0].clinician_id], slots[0].start) if slots else None


def _book(plan: SurveillancePlan, now: datetime) -> bool:
    found = find_slot(patient_id=plan.patient_id, due_on=plan.next_due_on, now=now)
    if found is None:
        _alert(
            plan,
            f"no free imaging slot for the follow-up due {plan.next_due_on:%a %d %b}.",
            f"imaging_no_slot:{plan.pk}:{plan.next_due_on}",
        )
        return False
    clinician, start = found
    try:
        appointment = appointment_book(
            patient=plan.patient,
            visit=VisitRequest(clinician=clinician, start=start, specialty=IMAGING),
            by=None,
            now=now,
        )
    except DomainError:  # taken meanwhile: the next run finds another
        return False
    Scan.objects.create(plan=plan, due_on=plan.next_due_on, appointment=appointment)
    return True
