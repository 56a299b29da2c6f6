"""Reads behind the dashboard: a fixed number of aggregate queries, whatever the data.

(They belong with the other selectors; they live here until the dashboard settles.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncWeek

from board.selectors import meeting_list
from navigation.models import Appointment
from navigation.selectors import clinic_zone
from patients.models import Referral

WEEKS = 12
PROMISE = timedelta(hours=72)
# Hours from referral to consult: the bins of the distribution.
BINS = ((0, 12), (12, 24), (24, 48), (48, 72), (72, 96), (96, 120), (120, None))


@dataclass(frozen=True)
class WeekShare:
    week: date
    hits: int
    total: int

    @property
    def share(self) -> float | None:
        return self.hits / self.total if self.total else None


@dataclass(frozen=True)
class Bin:
    low: int
    high: int | None
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}-{self.high} h" if self.high is not None else f"{self.low} h +"


def _weeks(now: datetime, weeks: int) -> list[date]:
    today = now.astimezone(clinic_zone()).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def _start(week: date) -> datetime:
    return datetime.combine(week, datetime.min.time(), clinic_zone())


def _by_week(rows, weeks: list[date]) -> list[WeekShare]:
    found = {row["week"].astimezone(clinic_zone()).date(): row for row in rows}
    return [
        WeekShare(week, found.get(week, {}).get("hits", 0), found.get(week, {}).get("total", 0))
        for week in weeks
    ]


def consults_within_72h(*, now: datetime, weeks: int = WEEKS) -> list[WeekShare]:
    """Per week of receipt: referrals whose first consult started within 72 hours, out of
    those already decided (a consult booked, or the 72 hours over)."""
    days = _weeks(now, weeks)
    rows = (
        Referral.objects.filter(received_at__gte=_start(days[0]), received_at__lte=now)
        .annotate(week=TruncWeek("received_at", tzinfo=clinic_zone()))
        .values("week")
        .annotate(
            total=Count(
                "id", filter=Q(consult_at__isnull=False) | Q(received_at__lte=now - PROMISE)
            ),
            hits=Count("id", filter=Q(consult_at__lte=F("received_at") + PROMISE)),
        )
        .order_by("week")
    )
    return _by_week(rows, days)


def referral_to_consult(*, now: datetime, weeks: int = WEEKS) -> list[Bin]:
    """How long referrals received in the last weeks waited for their consult."""
    days = _weeks(now, weeks)
    wait = ExpressionWrapper(F("consult_at") - F("received_at"), output_field=DurationField())
    counts = {}
    for low, high in BINS:
        bounds = Q(wait__gte=timedelta(hours=low))
        if high is not None:
            bounds &= Q(wait__lt=timedelta(hours=high))
        counts[f"b{low}"] = Count("id", filter=bounds)
    row = (
        Referral.objects.filter(received_at__gte=_start(days[0]), consult_at__isnull=False)
        .annotate(wait=wait)
        .aggregate(**counts)
    )
    return [Bin(low, high, row[f"b{low}"]) for low, high in BINS]


def no_shows(*, now: datetime, weeks: int = WEEKS) -> list[WeekShare]:
    """Per week: visits marked no-show out of the visits that have started."""
    days = _weeks(now, weeks)
    rows = (
        Appointment.objects.filter(start__gte=_start(days[0]), start__lt=now)
        .exclude(status=Appointment.Status.CANCELLED)
        .annotate(week=TruncWeek("start", tzinfo=clinic_zone()))
        .values("week")
        .annotate(total=Count("id"), hits=Count("id", filter=Q(status="no_show")))
        .order_by("week")
    )
    return _by_week(rows, days)


@dataclass(frozen=True)
class MeetingCount:
    start: datetime
    count: int
    cancelled: bool


def board_cases_per_meeting(*, now: datetime, weeks: int = WEEKS) -> list[MeetingCount]:
    """Cases listed at each meeting of the last weeks (and the next two, filling up)."""
    days = _weeks(now, weeks)
    meetings = meeting_list().filter(start__gte=_start(days[0]), start__lt=now + timedelta(weeks=2))
    return [MeetingCount(m.start, m.case_count, m.cancelled) for m in meetings.order_by("start")]
