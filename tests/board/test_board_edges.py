"""The board's rules at the edges: a case after the cutoff, attendance by a non-member, a
recommendation for a withdrawn case, a number where text belongs, a meeting in the DST
gap, an overdue scan, and a plan that ends with the patient's discharge."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from board.models import Case, Meeting, Scan, SurveillancePlan
from board.services.cases import case_submit
from board.tasks import run_surveillance
from navigation.models import Appointment, Clinician
from notifications.models import Alert, Message
from notifications.services import dispatch_due
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def meeting_on(board, day: date) -> Meeting:
    return Meeting.objects.get(series=board.series, date=day)


def submit_body(meeting, patient, **extra) -> dict:
    return {"meeting": meeting.pk, "patient": patient.pk, "question": "SRS or surgery?", **extra}


# --- the cutoff --------------------------------------------------------------------------


def test_a_case_after_the_cutoff_goes_to_the_next_meeting_open_for_cases_saying_so(
    board, as_navigator, frozen
):
    first = meeting_on(board, NEXT_TUESDAY)
    frozen.move_to(first.cutoff_at + timedelta(hours=1))
    response = as_navigator.post("/api/v1/board/cases/", submit_body(first, new_patient(1)))
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["meeting"] == meeting_on(board, NEXT_TUESDAY + timedelta(weeks=1)).pk
    assert case["note"] == (
        "Submitted after the cutoff of the Tue 10 Mar meeting: listed on Tue 17 Mar, "
        "the next meeting open for cases."
    )
    assert case["history"][0]["note"] == case["note"]


def test_a_navigator_accepts_a_late_case_with_a_reason_that_is_recorded(
    board, as_navigator, frozen
):
    first = meeting_on(board, NEXT_TUESDAY)
    frozen.move_to(first.cutoff_at + timedelta(hours=1))
    response = as_navigator.post(
        "/api/v1/board/cases/",
        submit_body(first, new_patient(1), accept_late_reason="Cord compression, cannot wait"),
    )
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["meeting"] == first.pk
    [submitted] = case["history"]
    assert submitted["note"].endswith("accepted late by a navigator: Cord compression, cannot wait")
    assert submitted["by"] is not None


def test_only_a_navigator_can_accept_a_case_late(board, as_specialist, frozen):
    first = meeting_on(board, NEXT_TUESDAY)
    frozen.move_to(first.cutoff_at + timedelta(hours=1))
    response = as_specialist.post(
        "/api/v1/board/cases/", submit_body(first, new_patient(1), accept_late_reason="Please")
    )
    assert response.status_code == 400, response.json()
    assert response.json()["fields"] == {
        "accept_late_reason": ["Only a navigator can accept a case after the cutoff."]
    }
    assert not Case.objects.exists()


# --- attendance --------------------------------------------------------------------------


def test_attendance_of_a_clinician_outside_the_series_is_refused_and_never_makes_quorum(
    board, center, as_navigator, frozen
):
    meeting = meeting_on(board, NEXT_TUESDAY)
    visitor = Clinician.objects.create(
        name="Dr. Vera Visitor", specialty="pathology", home_location=center.tower
    )
    board.series.members.remove(board.pathologist)
    frozen.move_to(meeting.start)
    url = f"/api/v1/board/meetings/{meeting.pk}/attendance/"
    response = as_navigator.post(url, {"clinician": visitor.pk})
    assert response.status_code == 400, response.json()
    assert "clinician" in response.json()["fields"]
    assert "not a member" in response.json()["message"]
    # Everyone else of the series is there; a former member's record does not count.
    for clinician in board.series.members.all():
        assert as_navigator.post(url, {"clinician": clinician.pk}).status_code == 200
    meeting.attendance.create(clinician=board.pathologist, specialty="pathology", recorded_by=None)
    body = as_navigator.get(url).json()
    assert body["quorum"]["quorate"] is False
    assert "pathology" in body["quorum"]["missing"]


# --- recommendations ---------------------------------------------------------------------

GOOD = {"modalities": ["srs"], "intent": "local_control", "rationale": "One lesion."}


def test_no_recommendation_is_written_or_signed_for_a_withdrawn_case(board, sam, as_navigator):
    meeting = meeting_on(board, NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    as_sam = client_for(sam)
    url = f"/api/v1/board/cases/{case.pk}/recommendation/"
    assert as_sam.post(url, GOOD).status_code == 201  # a draft
    as_navigator.post(f"/api/v1/board/cases/{case.pk}/withdraw/", {"reason": "Moved away"})
    signed = as_sam.post(f"{url}sign/", {})
    assert signed.status_code == 409, signed.json()
    assert signed.json()["code"] == "case_withdrawn"
    changed = as_sam.patch(url, {"rationale": "Two lesions.", "sign": True})
    assert changed.status_code == 409
    assert not Message.objects.filter(template="board_letter").exists()


def test_a_letter_queued_before_the_case_was_withdrawn_is_not_sent(board, sam, as_navigator):
    meeting = meeting_on(board, NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    client_for(sam).post(f"/api/v1/board/cases/{case.pk}/recommendation/", {**GOOD, "sign": True})
    as_navigator.post(f"/api/v1/board/cases/{case.pk}/withdraw/", {"reason": "Moved away"})
    letter = Message.objects.get(template="board_letter")
    assert (letter.status, letter.last_error) == ("cancelled", "the case was withdrawn")
    assert dispatch_due(now=NOW) == []  # nothing left to send


def test_a_rationale_sent_as_a_number_is_refused_as_not_text(board, sam):
    meeting = meeting_on(board, NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    response = client_for(sam).post(
        f"/api/v1/board/cases/{case.pk}/recommendation/", {**GOOD, "rationale": 12345}
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"rationale": ["Must be text (in quotes), not a number."]}
    assert not case.recommendations.exists()


# --- a series in the DST gap ---------------------------------------------------------------


def test_a_series_starting_in_the_spring_forward_gap_is_refused_naming_the_field(
    center, as_navigator
):
    response = as_navigator.post(
        "/api/v1/board/series/",
        {
            "name": "Night board",
            "weekday": 6,  # Sundays, 02:30 New York time: not on 8 March 2026
            "start_time": "02:30",
            "end_time": "04:00",
            "case_capacity": 3,
            "starts_on": "2026-03-01",
            "members": [center.first("neurosurgery").pk],
        },
    )
    assert response.status_code == 400, response.json()
    assert "start_time" in response.json()["fields"]
    assert "02:30 does not exist on Sun 08 Mar 2026" in response.json()["message"]
    assert not Meeting.objects.filter(series__name="Night board").exists()


# --- surveillance ------------------------------------------------------------------------


@pytest.fixture
def plan(center, as_navigator, alice):
    response = as_navigator.post(
        "/api/v1/surveillance-plans/",
        {
            "patient": alice.pk,
            "modality": "mri_brain",
            "disease_activity": "post_srs",
            "starts_on": "2026-03-10",
        },
    )
    assert response.status_code == 201, response.json()
    return SurveillancePlan.objects.get(pk=response.json()["id"])


def test_a_plan_two_weeks_past_due_alerts_the_navigator_instead_of_booking_minutes_ahead(
    plan, alice, frozen
):
    frozen.move_to(
        datetime.combine(
            plan.next_due_on + timedelta(days=14), datetime.min.time(), tzinfo=NY
        ).replace(hour=9)
    )
    assert run_surveillance() == {"overdue": 1}
    assert not Appointment.objects.filter(patient=alice).exists()
    [alert] = Alert.objects.filter(kind="imaging")
    assert "is overdue and not booked" in alert.text and alert.patient == alice


def test_discharging_a_patient_ends_the_plan_and_cancels_its_scan_in_the_same_request(
    plan, alice, as_navigator, frozen
):
    frozen.move_to(datetime(2026, 4, 14, 2, tzinfo=NY))
    assert run_surveillance() == {"booked": 1}
    response = as_navigator.patch(f"/api/v1/patients/{alice.pk}/", {"status": "discharged"})
    assert response.status_code == 200, response.json()
    plan.refresh_from_db()
    assert (plan.status, plan.ended_reason) == ("ended", "patient discharged")
    assert Appointment.objects.get(patient=alice).status == "cancelled"
    assert Scan.objects.get().status == "cancelled"
    assert run_surveillance() == {}
