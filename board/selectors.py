"""Reads for the board: meetings, the agenda (a fixed number of queries whatever the
number of cases), cases, tasks and surveillance plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from board import rules
from board.models import (
    Attendance,
    Case,
    CaseMove,
    Meeting,
    Recommendation,
    Scan,
    SurveillancePlan,
    Task,
)

LISTED = Q(cases__status=Case.Status.LISTED)


def meeting_list() -> QuerySet[Meeting]:
    return (
        Meeting.objects.select_related("series", "location")
        .annotate(case_count=Count("cases", filter=LISTED))
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.filter(present=True)),
            "series__members",
        )
    )


def meeting_quorum(meeting: Meeting, attendance: list[Attendance]) -> rules.Quorum:
    """Quorum from those present who are members of the series (someone else's presence
    never makes a meeting quorate)."""
    members = {clinician.pk for clinician in meeting.series.members.all()}
    return rules.quorum(
        present=[a.specialty for a in attendance if a.present and a.clinician_id in members],
        required=meeting.series.quorum,
    )


def with_recommendation(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Annotate each case with its latest recommendation's version and status."""
    latest = Recommendation.objects.filter(case=OuterRef("pk")).order_by("-version")
    return cases.annotate(
        recommendation_version=Subquery(latest.values("version")[:1]),
        recommendation_status=Subquery(latest.values("status")[:1]),
    )


def case_list() -> QuerySet[Case]:
    return with_recommendation(
        Case.objects.select_related("referral", "patient", "presenter", "meeting__series")
    )


@dataclass(frozen=True)
class AgendaItem:
    position: int
    case: Case
    planned_start: datetime
    planned_end: datetime
    ready: bool
    missing: tuple[str, ...]
    late: bool


@dataclass(frozen=True)
class Agenda:
    meeting: Meeting
    items: tuple[AgendaItem, ...]
    quorum: rules.Quorum
    attendance: tuple[Attendance, ...]
    rolled_over: tuple[CaseMove, ...]

    @property
    def over_capacity(self) -> int:
        return max(0, len(self.items) - self.meeting.case_capacity)

    @property
    def unready(self) -> int:
        return sum(1 for item in self.items if not item.ready)


def meeting_agenda(*, meeting: Meeting) -> Agenda:
    """Emergency, urgent, then routine, then by submission; each case its time box; unready
    cases flagged; the cases rolled to the next meeting listed with their note."""
    listed = Case.objects.filter(meeting=meeting, status=Case.Status.LISTED)
    cases = {
        c.pk: c
        for c in with_recommendation(listed.select_related("referral", "patient", "presenter"))
    }
    for case in cases.values():
        case.meeting = meeting
    ordered = rules.agenda_order(
        rules.Entry(c.pk, c.urgency, c.submitted_at) for c in cases.values()
    )
    boxes = rules.time_boxes(
        start=meeting.start, count=len(ordered), minutes=meeting.minutes_per_case
    )
    items = []
    for position, (entry, (start, end)) in enumerate(zip(ordered, boxes, strict=True), 1):
        case = cases[entry.case_id]
        ready, missing = case.readiness()
        late = case.submitted_at > meeting.cutoff_at
        items.append(AgendaItem(position, case, start, end, ready, missing, late))
    attendance = tuple(meeting.attendance.select_related("clinician"))
    rolled = tuple(
        CaseMove.objects.filter(from_meeting=meeting, reason=CaseMove.Reason.ROLLOVER)
        .exclude(case__meeting=meeting)
        .select_related("case__patient", "to_meeting__series")
    )
    return Agenda(meeting, tuple(items), meeting_quorum(meeting, attendance), attendance, rolled)


def recommendation_versions(case: Case) -> list[Recommendation]:
    return list(
        case.recommendations.select_related("signed_by")
        .prefetch_related("tasks")
        .order_by("-version")
    )


def task_list() -> QuerySet[Task]:
    return Task.objects.select_related("patient", "case")


def plan_list() -> QuerySet[SurveillancePlan]:
    return SurveillancePlan.objects.select_related("patient").prefetch_related(
        Prefetch("scans", queryset=Scan.objects.select_related("appointment"))
    )
