"""The accreditation figures a cancer committee reports each year: meetings held,
attendance by specialty, cases presented and the share presented prospectively (before
treatment started). One read, then as JSON or as CSV."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime

from django.db.models import Prefetch

from board.models import Attendance, Case, Meeting
from board.selectors import meeting_quorum
from navigation.models import Specialty


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def accreditation_report(*, first: date, last: date, now: datetime) -> dict:
    """Held = not cancelled, started by `now`, with attendance recorded (a past meeting
    without is counted as unrecorded, not hidden); presented = listed on a held meeting;
    prospective = no treatment start recorded before the meeting's date."""
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
        Case.objects.filter(meeting__in=held, status=Case.Status.LISTED).values_list(
            "patient_id", "treatment_started_on", "meeting__date"
        )
    )
    prospective = sum(1 for _, started, day in cases if started is None or started > day)
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
        "patients_presented": len({patient for patient, _, _ in cases}),
        "cases_prospective": prospective,
        "prospective_share": _share(prospective, len(cases)),
    }


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
