"""Writes for board series, their meetings and attendance, and the moves of cases between
meetings that capacity and cancellations cause (never losing a case's history)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from board import rules
from board.models import Attendance, Case, CaseMove, Meeting, Series
from navigation.models import ClinicHoliday, Clinician
from notifications import outbox
from notifications.models import Alert
from tumorboard.errors import DomainError

ATTENDANCE_OPENS = timedelta(hours=1)
MEETING_FIELDS = ("case_capacity", "minutes_per_case", "location", "video_url")
TIME_FIELDS = ("start_time", "end_time", "time_zone", "cutoff_hours")


def meeting_label(meeting: Meeting) -> str:
    """ "Tue 10 Mar" in the series' zone."""
    return f"{meeting.start.astimezone(ZoneInfo(meeting.series.time_zone)):%a %d %b}"


def local_today(series: Series, now: datetime) -> date:
    return now.astimezone(ZoneInfo(series.time_zone)).date()


def _check_fits(*, start, end, capacity: int, minutes: int) -> None:
    fits = rules.capacity_of(start=start, end=end, minutes_per_case=minutes)
    if capacity > fits:
        raise DomainError(
            f"{capacity} cases of {minutes} minutes do not fit in the meeting "
            f"({start:%H:%M}-{end:%H:%M}); at most {fits} do.",
            field="case_capacity",
            code="over_time",
        )


# --- series and generated meetings -------------------------------------------------------


@transaction.atomic
def meetings_generate(
    *, series: Series, now: datetime, first: date | None = None, weeks: int = rules.WEEKS_AHEAD
) -> int:
    """Make sure every meeting of the next `weeks` weeks exists; return how many were
    added. Idempotent: existing meetings (cancelled ones too) are left as they are. A
    meeting on a center-wide holiday (or one at its location) is cancelled."""
    today = local_today(series, now)
    first = max(first or today, series.starts_on)
    dates = rules.meeting_dates(
        weekday=series.weekday, first=first, last=max(first, today) + timedelta(weeks=weeks)
    )
    if not series.active or not dates:
        return 0
    rows = []
    for day in dates:
        start, end, cutoff = rules.meeting_times(
            day=day,
            start=series.start_time,
            end=series.end_time,
            time_zone=series.time_zone,
            cutoff_hours=series.cutoff_hours,
        )
        rows.append(
            Meeting(
                series=series,
                date=day,
                start=start,
                end=end,
                cutoff_at=cutoff,
                location=series.location,
                video_url=series.video_url,
                case_capacity=series.case_capacity,
                minutes_per_case=series.minutes_per_case,
            )
        )
    existing = Meeting.objects.filter(series=series, date__in=dates)
    before = existing.count()
    Meeting.objects.bulk_create(rows, ignore_conflicts=True)
    added = existing.count() - before
    _cancel_on_holidays(series, dates, now)
    return added


def _cancel_on_holidays(series: Series, dates: list[date], now: datetime) -> None:
    holidays = ClinicHoliday.objects.filter(date__in=dates).filter(
        Q(location__isnull=True) | Q(location_id=series.location_id)
    )
    names = {h.date: h.name for h in holidays}
    for meeting in Meeting.objects.filter(
        series=series, date__in=list(names), status=Meeting.Status.SCHEDULED, start__gt=now
    ):
        meeting_cancel(meeting=meeting, reason=names[meeting.date], by=None, now=now)


def _check_times_exist(*, weekday: int, start_time, end_time, time_zone: str, first: date) -> None:
    """The series' wall-clock start and end exist on each of its dates for two years from
    `first` (a 02:30 start on a Sunday never does on the spring-forward Sunday)."""
    for day in rules.meeting_dates(
        weekday=weekday, first=first, last=first + timedelta(weeks=rules.TIMES_CHECKED_WEEKS)
    ):
        for field, wall in (("start_time", start_time), ("end_time", end_time)):
            if not rules.local_time_exists(day=day, at=wall, time_zone=time_zone):
                raise DomainError(
                    f"{wall:%H:%M} does not exist on {day:%a %d %b %Y} in {time_zone}: the "
                    "clocks jump forward over it. Choose a time outside the change.",
                    field=field,
                    code="nonexistent_time",
                )


@transaction.atomic
def series_create(*, members: list[Clinician], now: datetime, **fields) -> Series:
    _check_times_exist(
        weekday=fields["weekday"],
        start_time=fields["start_time"],
        end_time=fields["end_time"],
        time_zone=fields.get("time_zone", "America/New_York"),
        first=max(fields["starts_on"], now.date()),
    )
    _check_fits(
        start=fields["start_time"],
        end=fields["end_time"],
        capacity=fields.get("case_capacity", 10),
        minutes=fields.get("minutes_per_case", rules.DEFAULT_MINUTES_PER_CASE),
    )
    series = Series.objects.create(**fields)
    series.members.set(members)
    meetings_generate(series=series, now=now)
    return series


@transaction.atomic
def series_update(
    *, series: Series, now: datetime, by=None, members: list[Clinician] | None = None, **fields
) -> Series:
    """Change a series; its future scheduled meetings follow (calendar SEQUENCE raised)."""
    if "weekday" in fields and fields["weekday"] != series.weekday:
        raise DomainError(
            "A series keeps its weekday; end this one and start another.",
            field="weekday",
            code="weekday_fixed",
        )
    for name, value in fields.items():
        setattr(series, name, value)
    if set(fields) & {"start_time", "end_time", "time_zone", "starts_on"}:
        _check_times_exist(
            weekday=series.weekday,
            start_time=series.start_time,
            end_time=series.end_time,
            time_zone=series.time_zone,
            first=max(series.starts_on, now.date()),
        )
    _check_fits(
        start=series.start_time,
        end=series.end_time,
        capacity=series.case_capacity,
        minutes=series.minutes_per_case,
    )
    series.save()
    if members is not None:
        series.members.set(members)
    if set(fields) & {*MEETING_FIELDS, *TIME_FIELDS}:
        _follow_series(series, by=by, now=now)
    meetings_generate(series=series, now=now)
    return series


def _follow_series(series: Series, *, by, now: datetime) -> None:
    future = Meeting.objects.filter(
        series=series, status=Meeting.Status.SCHEDULED, start__gt=now
    ).select_for_update()
    for meeting in future:
        meeting.start, meeting.end, meeting.cutoff_at = rules.meeting_times(
            day=meeting.date,
            start=series.start_time,
            end=series.end_time,
            time_zone=series.time_zone,
            cutoff_hours=series.cutoff_hours,
        )
        for name in MEETING_FIELDS:
            setattr(meeting, name, getattr(series, name))
        meeting.sequence += 1
        meeting.save()
        rebalance(meeting=meeting, by=by, now=now)


# --- one meeting -----------------------------------------------------------------------


def _locked(meeting: Meeting) -> Meeting:
    return (
        Meeting.objects.select_for_update(of=("self",)).select_related("series").get(pk=meeting.pk)
    )


@transaction.atomic
def meeting_update(*, meeting: Meeting, by, now: datetime, **fields) -> Meeting:
    """Capacity, time box, place or video link of one meeting; excess cases roll over."""
    meeting = _locked(meeting)
    if meeting.cancelled or meeting.start <= now:
        raise DomainError(
            "Only a scheduled meeting that has not started can be changed.",
            code="meeting_closed",
        )
    for name, value in fields.items():
        setattr(meeting, name, value)
    zone = ZoneInfo(meeting.series.time_zone)
    _check_fits(
        start=meeting.start.astimezone(zone).time(),
        end=meeting.end.astimezone(zone).time(),
        capacity=meeting.case_capacity,
        minutes=meeting.minutes_per_case,
    )
    if {"location", "video_url"} & set(fields):
        meeting.sequence += 1
    meeting.save()
    rebalance(meeting=meeting, by=by, now=now)
    return meeting


def next_meeting(meeting: Meeting, *, now: datetime) -> Meeting | None:
    """The series' next scheduled meeting after this one (generated if need be)."""
    later = Meeting.objects.filter(
        series_id=meeting.series_id, status=Meeting.Status.SCHEDULED, start__gt=meeting.start
    ).filter(start__gt=now)
    found = later.order_by("start").first()
    if found is None:
        meetings_generate(
            series=meeting.series, now=now, first=meeting.date + timedelta(days=1), weeks=2
        )
        found = later.order_by("start").first()
    return found


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, by, now: datetime) -> Meeting:
    """Cancel a meeting (a holiday, say): its cases move to the next meeting, with a note."""
    meeting = _locked(meeting)
    if meeting.cancelled:
        return meeting
    if meeting.start <= now:
        raise DomainError("A meeting that has started cannot be cancelled.", code="meeting_started")
    cases = list(meeting.cases.filter(status=Case.Status.LISTED))
    target = next_meeting(meeting, now=now) if cases else None
    if cases and target is None:
        raise DomainError(
            "The series has no later meeting to take this meeting's cases.",
            code="no_next_meeting",
        )
    meeting.status = Meeting.Status.CANCELLED
    meeting.cancel_reason = reason
    meeting.sequence += 1
    meeting.save(update_fields=["status", "cancel_reason", "sequence", "updated_at"])
    if not cases:
        return meeting
    note = f"Moved from {meeting_label(meeting)}: that meeting was cancelled ({reason})."
    for case in cases:
        move_case(case, target, reason=CaseMove.Reason.MEETING_CANCELLED, note=note, by=by, now=now)
    rebalance(meeting=target, by=by, now=now)
    outbox.alert_navigators(
        kind=Alert.Kind.BOARD,
        text=f"The {meeting_label(meeting)} board was cancelled ({reason}); {len(cases)} "
        f"case(s) moved to {meeting_label(target)}.",
        dedupe_key=f"board_cancelled:{meeting.pk}",
    )
    return meeting


# --- moving cases ----------------------------------------------------------------------


def move_case(case: Case, target: Meeting | None, *, reason: str, note: str, by, now) -> None:
    """Record the move, then make it: the history keeps every meeting a case was on."""
    CaseMove.objects.create(
        case=case,
        from_meeting_id=case.meeting_id,
        to_meeting=target,
        reason=reason,
        note=note,
        by=by,
        at=now,
    )
    fields = ["note", "updated_at"]
    if target is not None:
        case.meeting = target
        fields.append("meeting")
    case.note = note
    case.save(update_fields=fields)


def _entry(case: Case) -> rules.Entry:
    return rules.Entry(case.pk, case.urgency, case.submitted_at)


@transaction.atomic
def rebalance(*, meeting: Meeting, by, now: datetime) -> list[Case]:
    """Roll the last routine cases of an over-capacity meeting to the next meeting, and
    that one's excess to the one after; return the cases moved."""
    moved: list[Case] = []
    while meeting is not None:
        meeting = _locked(meeting)
        cases = list(
            Case.objects.filter(meeting=meeting, status=Case.Status.LISTED).select_related(
                "referral"
            )
        )
        excess = {e.case_id for e in rules.overflow(map(_entry, cases), meeting.case_capacity)}
        if not excess:
            break
        target = next_meeting(meeting, now=now)
        if target is None:
            break
        note = (
            f"Rolled over from {meeting_label(meeting)} to {meeting_label(target)}: "
            f"that meeting was over capacity ({meeting.case_capacity} cases)."
        )
        for case in cases:
            if case.pk in excess:
                move_case(case, target, reason=CaseMove.Reason.ROLLOVER, note=note, by=by, now=now)
                moved.append(case)
        meeting = target
    return moved


# --- attendance ------------------------------------------------------------------------


@transaction.atomic
def attendance_record(
    *, meeting: Meeting, clinician: Clinician, present: bool, by, now: datetime
) -> Attendance:
    """Who was there, per specialist; recorded from an hour before the start, for members
    of the series only (DomainError on `clinician` otherwise)."""
    if meeting.cancelled:
        raise DomainError(
            "Attendance cannot be recorded for a cancelled meeting.",
            field="meeting",
            code="meeting_cancelled",
        )
    if now < meeting.start - ATTENDANCE_OPENS:
        raise DomainError(
            "Attendance is recorded from an hour before the meeting starts.",
            field="meeting",
            code="too_early",
        )
    if not meeting.series.members.filter(pk=clinician.pk).exists():
        raise DomainError(
            f"{clinician.name} is not a member of the {meeting.series.name} board; add them to "
            "the series first.",
            field="clinician",
            code="not_a_member",
        )
    attendance, _ = Attendance.objects.update_or_create(
        meeting=meeting,
        clinician=clinician,
        defaults={"specialty": clinician.specialty, "present": present, "recorded_by": by},
    )
    return attendance
