"""The accreditation figures a cancer committee reports each year (Commission on Cancer,
2020 standard 2.5, multidisciplinary cancer case conference): meetings held, attendance by
specialty, cases presented, the share presented prospectively (before treatment started)
and the share of analytic cases discussed. One read, then as JSON or as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Prefetch

from board.models import Attendance, Case, Meeting
from board.selectors import meeting_quorum
from navigation.models import Specialty
from navigation.selectors import clinic_zone
from patients.models import Referral


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def accreditation_report(*, first: date, last: date, now: datetime) -> dict:
    """Held = not cancelled, started by `now`, with attendance recorded (a past meeting
    without is counted as unrecorded, not hidden); presented = listed on a held meeting;
    prospective = no treatment start recorded before the meeting (on the case, by date, or
    a treatment recorded for its referral, care.models.Treatment); analytic = a new
    patient whose first consult at the center took place in the period (clinic dates, by
    `now`: the center's own cases, CoC class of case 00-22), discussed = listed on any
    meeting that was not cancelled and has started by `now`."""
    meetings = list(
        Meeting.objects.filter(date__range=(first, last))
        .select_related("series")
        .prefetch_related(
            Prefetch("attendance", queryset=Attendance.objects.filter(present=True)),
            "series__members",
        )
    )
    past = [m for m in meetings if not m.cancelled and m.start <= now]
    held = [m for m in past if m.attendance.all()]
    quorate = sum(1 for m in held if meeting_quorum(m, list(m.attendance.all())).quorate)
    meetings_with: Counter = Counter()
    attendances: Counter = Counter()
    for meeting in held:
        present = [a.specialty for a in meeting.attendance.all()]
        attendances.update(present)
        meetings_with.update(set(present))
    cases = list(
        Case.objects.filter(meeting__in=held, status=Case.Status.LISTED)
        .annotate(first_treated=Min("referral__treatments__started_at"))
        .values_list(
            "patient_id", "treatment_started_on", "meeting__date", "first_treated", "meeting__start"
        )
    )
    prospective = sum(
        1
        for _, started, day, treated, start in cases
        if (started is None or started > day) and (treated is None or treated > start)
    )
    analytic, discussed = _analytic_cases(first=first, last=last, now=now)
    return {
        "date_from": first,
        "date_to": last,
        "meetings_held": len(held),
        "meetings_cancelled": sum(1 for m in meetings if m.cancelled),
        "meetings_unrecorded": len(past) - len(held),
        "meetings_quorate": quorate,
        "quorate_share": _share(quorate, len(held)),
        "attendance_by_specialty": [
            {
                "specialty": specialty,
                "meetings_attended": meetings_with[specialty],
                "attendances": attendances[specialty],
                "share_of_meetings": _share(meetings_with[specialty], len(held)),
            }
            for specialty in Specialty.values
        ],
        "cases_presented": len(cases),
        "patients_presented": len({row[0] for row in cases}),
        "cases_prospective": prospective,
        "prospective_share": _share(prospective, len(cases)),
        "analytic_cases": analytic,
        "analytic_cases_discussed": discussed,
        "analytic_discussed_share": _share(discussed, analytic),
    }


def _analytic_cases(*, first: date, last: date, now: datetime) -> tuple[int, int]:
    """(analytic cases, those discussed) in one aggregate query."""
    zone = clinic_zone()
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    discussed = Case.objects.filter(
        referral=OuterRef("pk"),
        status=Case.Status.LISTED,
        meeting__status=Meeting.Status.SCHEDULED,
        meeting__start__lte=now,
    )
    figures = Referral.objects.filter(
        consult_at__gte=start, consult_at__lt=min(end, now)
    ).aggregate(analytic=Count("id"), discussed=Count("id", filter=Exists(discussed)))
    return figures["analytic"], figures["discussed"]


def report_csv(report: dict) -> str:
    """One `metric,specialty,value` row per figure, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["metric", "specialty", "value"])
    for name, value in report.items():
        if name == "attendance_by_specialty":
            for row in value:
                for metric in ("meetings_attended", "attendances", "share_of_meetings"):
                    writer.writerow([metric, row["specialty"], _cell(row[metric])])
        else:
            writer.writerow([name, "", _cell(value)])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)
