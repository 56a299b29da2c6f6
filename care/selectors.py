"""Reads for the care clocks: the events of a referral's path as plain data
(`referral_events`), and the clocks a page or the API shows (`referral_clocks`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

from board.models import Case, Meeting, Recommendation, SurveillancePlan
from care import clocks
from care.models import Clock, Treatment
from patients import clinical
from patients.models import Referral

CONSULT = "consult"


def targets() -> clocks.Targets:
    """Each clock's target from the settings (CARE_*; defaults in PRODUCT.md)."""
    return clocks.Targets(
        board=clocks.Span(days=settings.CARE_BOARD_DAYS),
        treatment=clocks.Span(days=settings.CARE_TREATMENT_DAYS),
        treatment_emergency=clocks.Span(hours=settings.CARE_TREATMENT_EMERGENCY_HOURS),
        treatment_by_modality={
            name: clocks.Span(days=days)
            for name, days in settings.CARE_TREATMENT_DAYS_BY_MODALITY.items()
        },
        postop_srs=clocks.Span(days=settings.CARE_POSTOP_SRS_DAYS),
        imaging_grace=timedelta(days=settings.CARE_IMAGING_GRACE_DAYS),
    )


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def signed_recommendations(referral: Referral):
    """The referral's signed recommendations (every case, every version), first signed
    first."""
    return (
        Recommendation.objects.filter(case__referral=referral, status=Recommendation.Status.SIGNED)
        .exclude(case__status=Case.Status.WITHDRAWN)
        .select_related("case__meeting")
        .order_by("signed_at", "id")
    )


def asked_at(recommendation: Recommendation) -> datetime:
    """When the board asked for its recommendation's treatments: its meeting's start, or
    the signature when that came first. A treatment cannot start before it."""
    assert recommendation.signed_at is not None
    return min(recommendation.signed_at, recommendation.case.meeting.start)


def referral_events(referral: Referral, *, grace: timedelta) -> clocks.Events:
    """Everything the clocks of `referral` start and stop on, read from what happened:
    the booked consult, the board case and its meeting, the signed recommendations, the
    treatments recorded, the surveillance plan (its dates as days in the patient's zone)."""
    cases = Case.objects.filter(referral=referral).exclude(status=Case.Status.WITHDRAWN)
    signed = list(signed_recommendations(referral))
    first, latest = (signed[0], signed[-1]) if signed else (None, None)
    next_meeting = None
    if referral.consult_at is not None:
        meetings = Meeting.objects.filter(
            status=Meeting.Status.SCHEDULED, cutoff_at__gte=referral.consult_at
        )
        series = list(cases.values_list("meeting__series_id", flat=True))
        if series:
            meetings = meetings.filter(series_id__in=series)
        next_meeting = meetings.order_by("start").values_list("start", flat=True).first()
    treatments = tuple(
        Treatment.objects.filter(referral=referral).values_list("modality", "started_at")
    )
    events = clocks.Events(
        urgency=referral.urgency,
        consult_at=referral.consult_at,
        on_board=cases.exists(),
        next_meeting_at=next_meeting,
        discussed_at=asked_at(first) if first else None,
        recommended_at=first.signed_at if first else None,
        modalities=tuple(latest.modalities) if latest else (),
        treatments=treatments,
        zone=ZoneInfo(referral.patient.time_zone),
    )
    plan = (
        SurveillancePlan.objects.filter(case__referral=referral)
        .order_by("status", "-id")  # the active plan, else the last one
        .first()
    )
    if plan is None:
        return events
    zone = events.zone
    due_end = _day_start(plan.next_due_on + timedelta(days=1), zone)
    return clocks.Events(
        **{
            **events.__dict__,
            "imaging_from": _day_start(plan.last_scan_on, zone),
            "imaging_due_on_end": due_end,
            "imaging_grace_end": _day_start(plan.next_due_on + timedelta(days=1) + grace, zone),
            "imaging_stopped_at": plan.ended_at
            if plan.status == SurveillancePlan.Status.ENDED
            else None,
        }
    )


@dataclass(frozen=True)
class ClockView:
    """A clock as the page and the API show it."""

    kind: str
    label: str
    started_at: datetime
    due_at: datetime
    at_risk_at: datetime
    stopped_at: datetime | None
    target: str
    status: str


def consult_clock(referral: Referral, now: datetime) -> ClockView:
    """The first consult's clock: today's 72-hour (or 24-hour) rule, `clinical.sla_status`."""
    return ClockView(
        kind=CONSULT,
        label="first consult",
        started_at=referral.received_at,
        due_at=referral.consult_due_at,
        at_risk_at=clinical.at_risk_from(
            received_at=referral.received_at, due_at=referral.consult_due_at
        ),
        stopped_at=referral.consult_at,
        target=f"{clinical.CONSULT_WINDOW[referral.urgency].total_seconds() / 3600:.0f} h "
        f"from the referral ({referral.urgency})",
        status=referral.sla_status_at(now),
    )


def referral_clocks(referral: Referral, *, now: datetime) -> list[ClockView]:
    """The referral's clocks at `now` (aware): the first consult, then the stored clocks in
    path order. Reads only."""
    order = list(Clock.Kind.values)
    rows = sorted(referral.clocks.with_status(now), key=lambda row: order.index(row.kind))
    return [consult_clock(referral, now)] + [
        ClockView(
            kind=row.kind,
            label=row.get_kind_display(),
            started_at=row.started_at,
            due_at=row.due_at,
            at_risk_at=row.at_risk_at,
            stopped_at=row.stopped_at,
            target=row.target,
            status=row.status,
        )
        for row in rows
    ]


def with_clock(referrals, *, kind: str, now: datetime):
    """`referrals` that clock `kind` has started, annotated with its `clock_status` (at
    `now`), `clock_due_at` and `clock_stopped_at`: the queue's filter by clock."""
    from django.db.models import OuterRef, Subquery

    found = Clock.objects.filter(referral=OuterRef("pk"), kind=kind).with_status(now)
    return referrals.filter(clocks__kind=kind).annotate(
        clock_status=Subquery(found.values("status")[:1]),
        clock_due_at=Subquery(found.values("due_at")[:1]),
        clock_stopped_at=Subquery(found.values("stopped_at")[:1]),
    )
