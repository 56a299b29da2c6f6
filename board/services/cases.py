"""Writes for cases on the board: submission, readiness, moves, withdrawal, and the
navigators' reminder about unready cases before the cutoff."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from board.models import Case, CaseMove, Meeting
from board.services.meetings import meeting_label, meetings_generate, move_case, rebalance
from board.services.recommendations import letter_key
from navigation.models import Clinician
from notifications import outbox
from notifications.alerts import CASE_READY, alerts_resolve
from notifications.models import Alert
from patients.models import Patient, Referral
from tumorboard.errors import DomainError
from tumorboard.roles import ADMIN, NAVIGATOR, has_role

# The unready-case reminder goes out this long before the cutoff (and until the start).
UNREADY_LEAD = timedelta(hours=24)


def _check_open(meeting: Meeting, now: datetime, field: str = "meeting") -> None:
    if meeting.cancelled:
        raise DomainError(
            f"The {meeting_label(meeting)} meeting is cancelled; choose another.",
            field=field,
            code="meeting_cancelled",
        )
    if meeting.start <= now:
        raise DomainError(
            f"The {meeting_label(meeting)} meeting has already started or taken place.",
            field=field,
            code="meeting_past",
        )


def _check_readiness(case: Case) -> None:
    if case.pathology == Case.Pathology.WAIVED and not case.pathology_waiver_reason.strip():
        raise DomainError(
            "Waiving pathology needs a reason.",
            field="pathology_waiver_reason",
            code="waiver_reason_missing",
        )
    if case.imaging_reviewed and not case.imaging_available:
        raise DomainError(
            "Imaging cannot be reviewed before it is available.",
            field="imaging_reviewed",
            code="imaging_not_available",
        )


def _reviewer(by) -> Clinician | None:
    return Clinician.objects.filter(user=by).first() if by is not None else None


def next_open_meeting(meeting: Meeting, *, now: datetime) -> Meeting | None:
    """The series' first scheduled meeting after `meeting` whose cutoff is still ahead
    (generated if need be)."""
    later = Meeting.objects.filter(
        series_id=meeting.series_id,
        status=Meeting.Status.SCHEDULED,
        start__gt=meeting.start,
        cutoff_at__gt=now,
    ).order_by("start")
    found = later.first()
    if found is None:
        meetings_generate(
            series=meeting.series, now=now, first=meeting.date + timedelta(days=1), weeks=2
        )
        found = later.first()
    return found


def _after_cutoff(meeting: Meeting, *, by, now: datetime, accept_late_reason: str):
    """Where a case submitted after `meeting`'s cutoff goes, and the note saying so: the
    same meeting when a navigator accepts it late with a reason (PRODUCT.md, the board),
    else the next meeting open for cases. DomainError when neither is possible."""
    reason = accept_late_reason.strip()
    if reason:
        if not has_role(by, NAVIGATOR, ADMIN):
            raise DomainError(
                "Only a navigator can accept a case after the cutoff.",
                field="accept_late_reason",
                code="not_a_navigator",
            )
        return meeting, f"Submitted after the cutoff; accepted late by a navigator: {reason}"[:300]
    target = next_open_meeting(meeting, now=now)
    if target is None:
        raise DomainError(
            f"The cutoff of the {meeting_label(meeting)} meeting has passed and the series has "
            "no later meeting open for cases; a navigator can accept it late with a reason.",
            field="meeting",
            code="past_cutoff",
        )
    target = (
        Meeting.objects.select_for_update(of=("self",)).select_related("series").get(pk=target.pk)
    )
    return target, (
        f"Submitted after the cutoff of the {meeting_label(meeting)} meeting: listed on "
        f"{meeting_label(target)}, the next meeting open for cases."
    )


@transaction.atomic
def case_submit(
    *,
    meeting: Meeting,
    question: str,
    by,
    now: datetime,
    patient: Patient | None = None,
    referral: Referral | None = None,
    accept_late_reason: str = "",
    **fields,
) -> Case:
    """Put a case on a meeting with its question for the board. After the meeting's cutoff
    it goes to the next meeting open for cases, with a note, unless a navigator accepts it
    late (`accept_late_reason`, recorded in its history). Over capacity, the last routine
    cases roll to the next meeting, with a note."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",)).select_related("series").get(pk=meeting.pk)
    )
    _check_open(meeting, now)
    note = ""
    if now > meeting.cutoff_at:
        meeting, note = _after_cutoff(
            meeting, by=by, now=now, accept_late_reason=accept_late_reason
        )
    if referral is not None and patient is not None and referral.patient_id != patient.pk:
        raise DomainError(
            "This referral is for another patient.", field="referral", code="wrong_patient"
        )
    if patient is None and referral is None:
        raise DomainError("Name the patient or the referral.", field="patient", code="required")
    patient = patient or referral.patient
    case = Case(
        meeting=meeting,
        patient=patient,
        referral=referral,
        question=question,
        submitted_at=now,
        submitted_by=by,
        note=note,
        **fields,
    )
    _check_readiness(case)
    if case.imaging_reviewed:
        case.imaging_reviewed_by = _reviewer(by)
    case.save()
    CaseMove.objects.create(
        case=case, to_meeting=meeting, reason=CaseMove.Reason.SUBMITTED, note=note, by=by, at=now
    )
    rebalance(meeting=meeting, by=by, now=now)
    case.refresh_from_db()
    return case


@transaction.atomic
def case_update(*, case: Case, by, now: datetime, **fields) -> Case:
    """The question, presenter, readiness checklist and clinical details."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    reviewed_before = case.imaging_reviewed
    for name, value in fields.items():
        setattr(case, name, value)
    if case.pathology != Case.Pathology.WAIVED and "pathology" in fields:
        case.pathology_waiver_reason = fields.get("pathology_waiver_reason", "")
    _check_readiness(case)
    if case.imaging_reviewed and not reviewed_before:
        case.imaging_reviewed_by = _reviewer(by)
    elif not case.imaging_reviewed:
        case.imaging_reviewed_by = None
    case.save()
    if case.readiness()[0]:
        alerts_resolve(
            kinds=[Alert.Kind.BOARD],
            reason=CASE_READY,
            now=now,
            key_prefix="board_unready:",
            key_suffix=f":{case.pk}",
        )
    return case


@transaction.atomic
def case_move(*, case: Case, meeting: Meeting, by, now: datetime, reason: str = "") -> Case:
    """Move a case to another meeting by hand; its history keeps the old one."""
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("meeting__series")
        .get(pk=case.pk)
    )
    if case.status != Case.Status.LISTED:
        raise DomainError("A withdrawn case cannot be moved.", code="case_withdrawn")
    if meeting.pk == case.meeting_id:
        return case
    _check_open(meeting, now)
    note = f"Moved from {meeting_label(case.meeting)} to {meeting_label(meeting)}" + (
        f": {reason}" if reason else "."
    )
    move_case(case, meeting, reason=CaseMove.Reason.MOVED, note=note, by=by, now=now)
    rebalance(meeting=meeting, by=by, now=now)
    case.refresh_from_db()
    return case


@transaction.atomic
def case_withdraw(*, case: Case, by, now: datetime, reason: str = "") -> Case:
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.status == Case.Status.WITHDRAWN:
        return case
    case.status = Case.Status.WITHDRAWN
    case.save(update_fields=["status", "updated_at"])
    outbox.message_cancel(
        idempotency_keys=[
            letter_key(pk) for pk in case.recommendations.values_list("pk", flat=True)
        ],
        reason="the case was withdrawn",
    )
    move_case(
        case,
        None,
        reason=CaseMove.Reason.WITHDRAWN,
        note=f"Withdrawn: {reason}" if reason else "Withdrawn.",
        by=by,
        now=now,
    )
    return case


def unready_alerts(*, now: datetime) -> int:
    """Alert navigators, once per case and meeting, about each case still unready from a
    day before its meeting's cutoff until the meeting starts."""
    cases = Case.objects.filter(
        status=Case.Status.LISTED,
        meeting__status=Meeting.Status.SCHEDULED,
        meeting__cutoff_at__lte=now + UNREADY_LEAD,
        meeting__start__gt=now,
    ).select_related("meeting__series", "patient", "referral")
    written = 0
    for case in cases:
        ready, missing = case.readiness()
        if ready:
            continue
        meeting = case.meeting
        cutoff = meeting.cutoff_at.astimezone(ZoneInfo(meeting.series.time_zone))
        text = (
            f"Board case {case.pk} (patient {case.patient.mrn}) for {meeting_label(meeting)} "
            f"is not ready: {'; '.join(missing)}. "
            + ("The cutoff has passed." if cutoff <= now else f"Cutoff {cutoff:%a %d %b %H:%M}.")
        )
        if outbox.alert_navigators(
            kind=Alert.Kind.BOARD,
            text=text,
            dedupe_key=f"board_unready:{meeting.pk}:{case.pk}",
            referral=case.referral,
            patient=case.patient,
        ):
            written += 1
    return written
