"""Series and their generated meetings, cancellation for a holiday, the meeting's
calendar event, attendance with quorum, and who may see and do what."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject
from django.test import Client

from board.invites import feed_events
from board.models import Case, Meeting
from board.services.cases import case_submit
from board.tasks import generate_meetings
from navigation.models import ClinicHoliday
from notifications.models import Alert
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def meeting_on(board, day: date) -> Meeting:
    return Meeting.objects.get(series=board.series, date=day)


def test_it_keeps_the_next_eight_weeks_of_meetings_without_duplicates(board, frozen):
    dates = list(Meeting.objects.values_list("date", flat=True))
    assert dates[0] == NEXT_TUESDAY and len(dates) == 8
    assert generate_meetings() == 0
    frozen.move_to(NOW + timedelta(weeks=1))
    assert generate_meetings() == 1
    assert generate_meetings() == 0
    assert Meeting.objects.count() == 9


def test_meetings_keep_their_clinic_hours_across_the_dst_change(board):
    meeting = meeting_on(board, NEXT_TUESDAY)
    assert meeting.start.astimezone(NY) == datetime(2026, 3, 10, 7, 0, tzinfo=NY)
    assert meeting.end.astimezone(NY) == datetime(2026, 3, 10, 8, 30, tzinfo=NY)
    assert meeting.start - meeting.cutoff_at == timedelta(hours=48)


def test_cancelling_for_a_holiday_moves_the_cases_to_the_next_meeting(board, as_navigator):
    meeting = meeting_on(board, NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting,
        referral=new_referral(new_patient(1)),
        question="SRS or WBRT?",
        by=None,
        now=NOW,
    )
    response = as_navigator.post(
        f"/api/v1/board/meetings/{meeting.pk}/cancel/", {"reason": "Staff retreat"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["sequence"] == 1
    case.refresh_from_db()
    assert case.meeting.date == date(2026, 3, 17)
    assert case.note == "Moved from Tue 10 Mar: that meeting was cancelled (Staff retreat)."
    assert [m.reason for m in case.moves.all()] == ["submitted", "meeting_cancelled"]
    assert Alert.objects.filter(kind="board", text__contains="Staff retreat").exists()


def test_a_center_holiday_cancels_the_meeting_generated_on_it(board, frozen):
    ClinicHoliday.objects.create(date=date(2026, 5, 5), name="Founders' day")
    frozen.move_to(NOW + timedelta(weeks=1))
    generate_meetings()
    meeting = meeting_on(board, date(2026, 5, 5))
    assert meeting.status == "cancelled"
    assert meeting.cancel_reason == "Founders' day"


def test_a_past_meeting_cannot_be_cancelled(board, as_navigator, frozen):
    meeting = meeting_on(board, NEXT_TUESDAY)
    frozen.move_to(meeting.start + timedelta(minutes=1))
    response = as_navigator.post(f"/api/v1/board/meetings/{meeting.pk}/cancel/", {"reason": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == "meeting_started"


def test_the_meeting_is_a_calendar_event_without_patient_names(board, as_specialist):
    meeting = meeting_on(board, NEXT_TUESDAY)
    case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    response = as_specialist.get(f"/api/v1/board/meetings/{meeting.pk}/invite.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    event = vobject.readOne(body).vevent
    assert event.uid.value == f"board-{meeting.uid}@tumorboard"
    assert event.dtstart.value == datetime(2026, 3, 10, 7, 0, tzinfo=NY)
    assert event.summary.value == "Brain & spine tumor board"
    assert "BEGIN:VTIMEZONE" in body
    assert "Pat1" not in body and "MRN" not in body


def test_a_cancelled_meeting_s_event_says_so_with_a_higher_sequence(board, as_navigator):
    meeting = meeting_on(board, NEXT_TUESDAY)
    as_navigator.post(f"/api/v1/board/meetings/{meeting.pk}/cancel/", {"reason": "Holiday"})
    body = as_navigator.get(f"/api/v1/board/meetings/{meeting.pk}/invite.ics").content.decode()
    event = vobject.readOne(body).vevent
    assert event.status.value == "CANCELLED"
    assert event.sequence.value == "1"


def test_members_feeds_carry_the_scheduled_meetings(board, center):
    member = center.first("neurosurgery")
    events = feed_events(member, now=NOW)
    assert len(events) == 8
    assert str(events[0]["DESCRIPTION"]).startswith("0 case(s) on the agenda.")
    board.series.members.remove(member)
    assert feed_events(member, now=NOW) == []


def test_attendance_opens_an_hour_before_the_meeting(board, as_specialist, frozen):
    meeting = meeting_on(board, NEXT_TUESDAY)
    url = f"/api/v1/board/meetings/{meeting.pk}/attendance/"
    response = as_specialist.post(url, {})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "meeting": ["Attendance is recorded from an hour before the meeting starts."]
    }
    frozen.move_to(meeting.start - timedelta(minutes=30))
    body = as_specialist.post(url, {}).json()
    assert [a["specialty"] for a in body["attendance"]] == ["radiation_oncology"]
    assert "pathology" in body["quorum"]["missing"]


def test_a_login_without_a_clinician_must_name_one(board, as_navigator, frozen):
    meeting = meeting_on(board, NEXT_TUESDAY)
    frozen.move_to(meeting.start)
    response = as_navigator.post(f"/api/v1/board/meetings/{meeting.pk}/attendance/", {})
    assert response.status_code == 400
    assert "clinician" in response.json()["fields"]


def test_a_navigator_creates_a_series_and_its_meetings_follow(center, as_navigator):
    response = as_navigator.post(
        "/api/v1/board/series/",
        {
            "name": "Spine board",
            "weekday": 3,
            "start_time": "12:00",
            "end_time": "13:00",
            "case_capacity": 7,
            "starts_on": "2026-03-01",
            "members": [center.first("spine_surgery").pk],
        },
    )
    assert response.status_code == 201, response.json()
    dates = Meeting.objects.filter(series_id=response.json()["id"]).values_list("date", flat=True)
    assert list(dates)[0] == date(2026, 3, 5)
    assert response.json()["quorum"][0] == ["neurosurgery", "spine_surgery"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"case_capacity": 12}, "case_capacity"),
        ({"weekday": 2}, "weekday"),
        ({"end_time": "06:00"}, "end_time"),
        ({"quorum": [["astrology"]]}, "quorum.0.0"),
    ],
)
def test_a_series_change_that_cannot_be_is_a_400_naming_the_field(
    board, as_navigator, change, field
):
    response = as_navigator.patch(f"/api/v1/board/series/{board.series.pk}/", change)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_changing_the_series_hours_moves_its_future_meetings(board, as_navigator):
    response = as_navigator.patch(
        f"/api/v1/board/series/{board.series.pk}/", {"start_time": "07:30", "end_time": "09:00"}
    )
    assert response.status_code == 200
    meeting = meeting_on(board, NEXT_TUESDAY)
    assert meeting.start.astimezone(NY).time() == time(7, 30)
    assert meeting.sequence == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/board/series/",
        "/api/v1/board/meetings/",
        "/api/v1/board/cases/",
        "/api/v1/board/tasks/",
        "/api/v1/surveillance-plans/",
        "/api/v1/board/report/",
    ],
)
def test_patients_and_outsiders_see_none_of_the_board(board, as_alice, as_outsider, path):
    assert as_alice.get(path).status_code == 403
    assert as_outsider.get(path).status_code == 403
    assert Client().get(path).status_code == 401


def test_a_patient_cannot_read_an_agenda_or_its_calendar_event(board, as_alice):
    meeting = meeting_on(board, NEXT_TUESDAY)
    assert as_alice.get(f"/api/v1/board/meetings/{meeting.pk}/agenda/").status_code == 403
    assert as_alice.get(f"/api/v1/board/meetings/{meeting.pk}/invite.ics").status_code == 403


def test_specialists_read_agendas_but_do_not_manage_meetings(board, as_specialist):
    meeting = meeting_on(board, NEXT_TUESDAY)
    assert as_specialist.get(f"/api/v1/board/meetings/{meeting.pk}/agenda/").status_code == 200
    cancel = as_specialist.post(f"/api/v1/board/meetings/{meeting.pk}/cancel/", {"reason": "x"})
    assert cancel.status_code == 403
    assert Case.objects.count() == 0
