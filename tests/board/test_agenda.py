"""The agenda: order, time boxes, unready and late flags, rollover of the excess with a
note, the unready-case reminder, and a fixed number of queries whatever the case count."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from board.models import Case, Meeting
from board.services.cases import case_submit
from board.tasks import alert_unready_cases
from notifications.models import Alert
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tumorboard.audit import AuditEvent

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def tuesday(board, weeks: int = 0) -> Meeting:
    return Meeting.objects.get(series=board.series, date=NEXT_TUESDAY + timedelta(weeks=weeks))


def submit(meeting, n, urgency="routine", *, by=None, at=None, ready=True, **extra) -> Case:
    return case_submit(
        meeting=meeting,
        referral=new_referral(new_patient(n), urgency),
        question=f"Case {n}?",
        imaging_available=ready,
        imaging_reviewed=ready,
        pathology="confirmed" if ready else "pending",
        by=by,
        now=at or NOW + timedelta(minutes=n),
        **extra,
    )


def agenda(client, meeting) -> dict:
    response = client.get(f"/api/v1/board/meetings/{meeting.pk}/agenda/")
    assert response.status_code == 200, response.json()
    return response.json()


def test_it_rolls_the_last_routine_cases_to_the_next_meeting_with_a_note(board, as_navigator):
    first = tuesday(board)
    first.case_capacity = 2
    first.save()
    early = submit(first, 1, "routine")
    late = submit(first, 2, "routine")
    urgent = submit(first, 3, "urgent")

    shown = agenda(as_navigator, first)
    assert [i["case"] for i in shown["items"]] == [urgent.pk, early.pk]
    assert shown["over_capacity"] == 0
    [rolled] = shown["rolled_over"]
    assert rolled["case"] == late.pk
    assert rolled["note"] == (
        "Rolled over from Tue 10 Mar to Tue 17 Mar: that meeting was over capacity (2 cases)."
    )

    second = agenda(as_navigator, tuesday(board, 1))
    [moved] = second["items"]
    assert moved["case"] == late.pk
    assert moved["note"].startswith("Rolled over from Tue 10 Mar")
    history = as_navigator.get(f"/api/v1/board/cases/{late.pk}/").json()["history"]
    assert [(h["reason"], h["from_meeting"], h["to_meeting"]) for h in history] == [
        ("submitted", None, first.pk),
        ("rollover", first.pk, tuesday(board, 1).pk),
    ]


def test_a_rolled_case_keeps_its_place_by_submission_at_the_next_meeting(board, as_navigator):
    first = tuesday(board)
    first.case_capacity = 1
    first.save()
    submit(first, 1)
    rolled = submit(first, 2)
    later = submit(tuesday(board, 1), 3, at=NOW + timedelta(hours=1))
    second = agenda(as_navigator, tuesday(board, 1))
    assert [i["case"] for i in second["items"]] == [rolled.pk, later.pk]


def test_rollover_cascades_when_the_next_meeting_is_full_too(board, as_navigator):
    for weeks in (0, 1):
        meeting = tuesday(board, weeks)
        meeting.case_capacity = 1
        meeting.save()
    submit(tuesday(board, 1), 1)
    submit(tuesday(board), 2)
    third = submit(tuesday(board), 3)
    third.refresh_from_db()
    assert third.meeting == tuesday(board, 2)
    assert Case.objects.filter(meeting=tuesday(board, 1)).count() == 1


def test_emergencies_are_never_rolled_and_the_agenda_says_it_is_over(board, as_navigator):
    first = tuesday(board)
    first.case_capacity = 1
    first.save()
    submit(first, 1, "emergency")
    submit(first, 2, "emergency")
    shown = agenda(as_navigator, first)
    assert len(shown["items"]) == 2
    assert shown["over_capacity"] == 1
    assert shown["rolled_over"] == []


def test_lowering_the_capacity_rolls_the_excess(board, as_navigator):
    first = tuesday(board)
    for n in range(4):
        submit(first, n)
    response = as_navigator.patch(f"/api/v1/board/meetings/{first.pk}/", {"case_capacity": 3})
    assert response.status_code == 200
    assert response.json()["case_count"] == 3
    assert len(agenda(as_navigator, first)["rolled_over"]) == 1


def test_a_capacity_that_does_not_fit_the_meeting_is_refused(board, as_navigator):
    first = tuesday(board)
    response = as_navigator.patch(f"/api/v1/board/meetings/{first.pk}/", {"case_capacity": 12})
    assert response.status_code == 400
    assert "case_capacity" in response.json()["fields"]
    assert "at most 11" in response.json()["message"]


def test_it_flags_unready_and_late_cases_and_time_boxes_them(board, as_navigator, nina, frozen):
    first = tuesday(board)
    submit(first, 1, ready=False)
    submit(
        first,
        2,
        at=first.cutoff_at + timedelta(minutes=5),
        by=nina,
        accept_late_reason="Cord compression",
    )
    frozen.move_to(first.cutoff_at + timedelta(hours=1))
    shown = agenda(as_navigator, first)
    assert [(i["ready"], i["late"]) for i in shown["items"]] == [(False, False), (True, True)]
    assert shown["unready"] == 1
    second_start = datetime.fromisoformat(shown["items"][1]["planned_start"])
    assert second_start.astimezone(NY) == datetime(2026, 3, 10, 7, 8, tzinfo=NY)


def test_it_alerts_navigators_once_per_unready_case_before_the_cutoff(board, frozen):
    first = tuesday(board)
    unready = submit(first, 1, ready=False)
    submit(first, 2)
    assert alert_unready_cases() == 0  # Thursday: the cutoff is days away
    frozen.move_to(first.cutoff_at - timedelta(hours=20))
    assert alert_unready_cases() == 1
    assert alert_unready_cases() == 0
    [alert] = Alert.objects.filter(kind="board")
    assert f"Board case {unready.pk}" in alert.text
    assert "imaging not available" in alert.text
    assert alert.text.endswith("Cutoff Sun 08 Mar 07:00.")
    assert alert.patient == unready.patient


def test_a_case_moved_to_another_meeting_is_reminded_about_again(board, as_navigator, frozen):
    first = tuesday(board)
    unready = submit(first, 1, ready=False)
    frozen.move_to(first.cutoff_at - timedelta(hours=1))
    assert alert_unready_cases() == 1
    as_navigator.post(f"/api/v1/board/cases/{unready.pk}/move/", {"meeting": tuesday(board, 1).pk})
    frozen.move_to(tuesday(board, 1).cutoff_at - timedelta(hours=1))
    assert alert_unready_cases() == 1


@pytest.mark.parametrize("count", [5, 50])
def test_the_agenda_takes_the_same_queries_at_5_and_50_cases(
    board, as_navigator, count, django_assert_num_queries
):
    first = tuesday(board)
    first.case_capacity = count
    first.minutes_per_case = 1
    first.save()
    for n in range(count):
        submit(first, n, ["emergency", "urgent", "routine"][n % 3], ready=n % 2 == 0)
    # token, groups, meeting, cases with their latest recommendation, attendance, the
    # series' members (only they count for quorum), rollovers, and the audit row naming
    # the patients read
    with django_assert_num_queries(8):
        shown = agenda(as_navigator, first)
    assert len(shown["items"]) == count
    [event] = AuditEvent.objects.filter(path__endswith="/agenda/")
    assert len(event.patient_ids) == count


def test_the_fast_agenda_json_is_what_its_documented_serializer_gives(board, sam):
    from board.selectors import meeting_agenda
    from board.serializers.agenda import AgendaSerializer, agenda_data

    first = tuesday(board)
    first.case_capacity = 2
    first.save()
    for n, urgency in enumerate(["emergency", "urgent", "routine", "routine"]):
        submit(first, n, urgency, ready=n % 2 == 0)
    Case.objects.filter(meeting=first).update(presenter=board.radiation_oncologist)
    agenda = meeting_agenda(meeting=first)
    assert agenda_data(agenda) == AgendaSerializer(agenda).data
