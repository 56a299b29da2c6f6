"""The accreditation report: meetings held, attendance by specialty, cases presented and
the share presented prospectively, as JSON and as CSV."""

import csv
import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from board.models import Meeting
from board.services.cases import case_submit
from board.services.meetings import attendance_record, meeting_cancel
from patients.models import Referral
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral

NY = ZoneInfo("America/New_York")
QUORUM = ["neurosurgery", "radiation_oncology", "medical_oncology", "neuroradiology"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def march(board, center):
    """10 March: quorate, two cases (one already treated); 17 March cancelled, its case
    moved to 24 March, which lacked pathology."""
    with time_machine.travel(NOW, tick=False) as traveller:
        tenth, seventeenth, twentyfourth = (
            Meeting.objects.get(series=board.series, date=NEXT_TUESDAY + timedelta(weeks=w))
            for w in range(3)
        )
        for n, meeting, treated in [
            (1, tenth, None),
            (2, tenth, date(2026, 3, 2)),
            (3, seventeenth, None),
        ]:
            case_submit(
                meeting=meeting,
                referral=new_referral(new_patient(n)),
                question="?",
                treatment_started_on=treated,
                by=None,
                now=NOW,
            )
        meeting_cancel(meeting=seventeenth, reason="Spring break", by=None, now=NOW)
        for meeting, specialties in [(tenth, QUORUM), (twentyfourth, QUORUM[:2])]:
            traveller.move_to(meeting.start)
            for specialty in specialties:
                attendance_record(
                    meeting=meeting,
                    clinician=center.first(specialty),
                    present=True,
                    by=None,
                    now=meeting.start,
                )
        attendance_record(
            meeting=tenth, clinician=board.pathologist, present=True, by=None, now=tenth.start
        )
        traveller.move_to(datetime(2026, 4, 1, 9, tzinfo=NY))
        yield


def by_specialty(report: dict) -> dict:
    return {row["specialty"]: row for row in report["attendance_by_specialty"]}


def test_it_reports_the_committee_s_figures_as_json(march, as_navigator):
    response = as_navigator.get("/api/v1/board/report/?date_from=2026-03-01&date_to=2026-03-31")
    assert response.status_code == 200
    report = response.json()
    assert (report["meetings_held"], report["meetings_cancelled"]) == (2, 1)
    assert report["meetings_unrecorded"] == 1  # 31 March: no attendance recorded
    assert (report["meetings_quorate"], report["quorate_share"]) == (1, 0.5)
    assert (report["cases_presented"], report["patients_presented"]) == (3, 3)
    assert (report["cases_prospective"], report["prospective_share"]) == (2, 0.667)
    rows = by_specialty(report)
    assert rows["pathology"] == {
        "specialty": "pathology",
        "meetings_attended": 1,
        "attendances": 1,
        "share_of_meetings": 0.5,
    }
    assert rows["radiation_oncology"]["meetings_attended"] == 2
    assert rows["psychosocial"]["meetings_attended"] == 0


def test_the_default_period_is_this_calendar_year(march, as_specialist):
    report = as_specialist.get("/api/v1/board/report/").json()
    assert (report["date_from"], report["date_to"]) == ("2026-01-01", "2026-12-31")
    assert report["meetings_held"] == 2  # the later meetings have not been held yet


def test_it_reports_as_csv_for_a_spreadsheet(march, as_navigator):
    response = as_navigator.get(
        "/api/v1/board/report/?date_from=2026-03-01&date_to=2026-03-31&format=csv"
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "board-2026-03-01-2026-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["metric", "specialty", "value"]
    assert ["meetings_held", "", "2"] in rows
    assert ["prospective_share", "", "0.667"] in rows
    assert ["meetings_attended", "pathology", "1"] in rows


def test_a_period_that_ends_before_it_starts_is_a_400(board, as_navigator):
    response = as_navigator.get("/api/v1/board/report/?date_from=2026-03-01&date_to=2026-02-01")
    assert response.status_code == 400
    assert "date_to" in response.json()["fields"]


def test_it_reports_the_share_of_analytic_cases_discussed(march, as_navigator):
    """Patients 1 and 3 were seen in March and discussed (10 and 24 March); a fourth was
    seen in March and never listed; a fifth was seen only in April."""
    seen = datetime(2026, 3, 6, 10, tzinfo=NY)
    for n in (1, 3):
        Referral.objects.filter(patient__mrn=f"MRN-B{n:03d}").update(consult_at=seen)
    with time_machine.travel(NOW, tick=False):
        fourth = new_referral(new_patient(4))
        fifth = new_referral(new_patient(5))
    Referral.objects.filter(pk=fourth.pk).update(consult_at=seen)
    Referral.objects.filter(pk=fifth.pk).update(consult_at=datetime(2026, 4, 1, 8, tzinfo=NY))
    report = as_navigator.get(
        "/api/v1/board/report/?date_from=2026-03-01&date_to=2026-03-31"
    ).json()
    assert (report["analytic_cases"], report["analytic_cases_discussed"]) == (3, 2)
    assert report["analytic_discussed_share"] == 0.667
    assert (report["cases_prospective"], report["prospective_share"]) == (2, 0.667)
