"""Follow-up imaging plans: the interval from disease activity across months, an
interval set by hand, the periodic booking ahead of the due date, and the escalation of a
missed or overdue scan. Plans end on discharge or death."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from board.models import Meeting, Scan, SurveillancePlan
from board.services.cases import case_submit
from board.tasks import run_surveillance
from navigation.models import Appointment
from navigation.services import appointment_set_status
from notifications.models import Alert, Message
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def at(day: date, hour: int = 2) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=NY)


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
    return response.json()


def plan_url(plan) -> str:
    return f"/api/v1/surveillance-plans/{plan['id']}/"


def test_the_interval_follows_disease_activity_across_months(plan, as_navigator, frozen):
    assert (plan["interval_weeks"], plan["interval_window"]) == (8, [8, 12])
    assert plan["next_due_on"] == "2026-05-05"
    frozen.move_to(at(date(2026, 5, 5), 12))
    first = as_navigator.post(plan_url(plan) + "results/", {"result": "stable"}).json()
    assert (first["disease_activity"], first["stable_scans"]) == ("post_srs", 1)
    assert first["next_due_on"] == "2026-06-30"
    frozen.move_to(at(date(2026, 6, 30), 12))
    second = as_navigator.post(plan_url(plan) + "results/", {"result": "stable"}).json()
    assert (second["disease_activity"], second["interval_weeks"]) == ("stable", 12)
    assert second["next_due_on"] == "2026-09-22"
    frozen.move_to(at(date(2026, 9, 23), 12))
    worse = as_navigator.post(plan_url(plan) + "results/", {"result": "progression"}).json()
    assert (worse["disease_activity"], worse["interval_weeks"]) == ("active", 6)
    assert worse["next_due_on"] == "2026-11-04"


def test_a_clinician_sets_any_interval_from_6_to_16_weeks(plan, as_specialist):
    response = as_specialist.patch(plan_url(plan), {"interval_weeks": 16})
    assert response.status_code == 200
    assert response.json()["next_due_on"] == "2026-06-30"
    assert response.json()["interval_set_by_hand"] is True
    for weeks in (5, 17):
        bad = as_specialist.patch(plan_url(plan), {"interval_weeks": weeks})
        assert bad.status_code == 400
        assert "interval_weeks" in bad.json()["fields"]
    back = as_specialist.patch(plan_url(plan), {"interval_weeks": None}).json()
    assert (back["interval_weeks"], back["interval_set_by_hand"]) == (8, False)


def test_it_books_the_next_mri_three_weeks_ahead_of_its_due_date(plan, alice, frozen):
    frozen.move_to(at(date(2026, 4, 13)))
    assert run_surveillance() == {"waiting": 1}
    frozen.move_to(at(date(2026, 4, 14)))
    assert run_surveillance() == {"booked": 1}
    mri = Appointment.objects.get(patient=alice)
    assert mri.specialty == "neuroradiology"
    assert mri.start.astimezone(NY) == datetime(2026, 5, 5, 8, 0, tzinfo=NY)
    assert Message.objects.filter(patient=alice, template="invite_request").count() == 1
    assert Message.objects.filter(patient=alice, template="reminder").exists()
    assert run_surveillance() == {"booked already": 1}
    assert Appointment.objects.filter(patient=alice).count() == 1


def test_a_missed_scan_is_escalated_and_booked_again(plan, alice, nina, frozen):
    frozen.move_to(at(date(2026, 4, 14)))
    run_surveillance()
    mri = Appointment.objects.get(patient=alice)
    frozen.move_to(at(date(2026, 5, 5), 10))
    appointment_set_status(appointment=mri, status="no_show", by=nina)
    assert run_surveillance() == {"booked": 1}
    [alert] = Alert.objects.filter(kind="imaging")
    assert "was missed" in alert.text and alert.patient == alice
    rebooked = Appointment.objects.filter(patient=alice).exclude(pk=mri.pk).get()
    assert rebooked.start.astimezone(NY) == datetime(2026, 5, 5, 10, 0, tzinfo=NY)  # the next free
    assert list(Scan.objects.values_list("status", flat=True)) == ["missed", "booked"]


def test_a_scan_that_cannot_be_booked_is_escalated_until_overdue(plan, center, frozen):
    mri_suite = center.first("neuroradiology")
    mri_suite.active = False
    mri_suite.save()
    frozen.move_to(at(date(2026, 4, 14)))
    assert run_surveillance() == {"no_slot": 1}
    assert Alert.objects.filter(kind="imaging", text__contains="no free imaging slot").exists()
    frozen.move_to(at(date(2026, 5, 13)))
    assert run_surveillance() == {"overdue": 1}
    assert run_surveillance() == {"overdue": 1}
    assert Alert.objects.filter(kind="imaging", text__contains="is overdue").count() == 1


def test_a_completed_scan_starts_the_next_interval(plan, alice, nina, frozen):
    frozen.move_to(at(date(2026, 4, 14)))
    run_surveillance()
    mri = Appointment.objects.get(patient=alice)
    frozen.move_to(at(date(2026, 5, 5), 10))
    appointment_set_status(appointment=mri, status="completed", by=nina)
    assert run_surveillance() == {"done": 1}
    current = SurveillancePlan.objects.get()
    assert (current.last_scan_on, current.next_due_on) == (date(2026, 5, 5), date(2026, 6, 30))


def test_new_symptoms_bring_the_scan_forward_to_now(plan, alice, as_navigator, frozen):
    frozen.move_to(at(date(2026, 3, 20), 10))
    response = as_navigator.patch(plan_url(plan), {"disease_activity": "new_symptoms"})
    assert response.json()["next_due_on"] == "2026-03-20"
    run_surveillance()
    mri = Appointment.objects.get(patient=alice)
    assert mri.start.astimezone(NY) == datetime(2026, 3, 20, 10, 0, tzinfo=NY)


def test_the_plan_ends_when_the_patient_dies_and_its_scan_is_cancelled(plan, alice, frozen):
    frozen.move_to(at(date(2026, 4, 14)))
    run_surveillance()
    alice.status = "deceased"
    alice.save()  # the plan ends with the save, not at the next run
    ended = SurveillancePlan.objects.get()
    assert (ended.status, ended.ended_reason) == ("ended", "patient deceased")
    assert Appointment.objects.get(patient=alice).status == "cancelled"
    assert run_surveillance() == {}


def test_a_discharged_patient_gets_no_new_plan(center, as_navigator, bob):
    bob.status = "discharged"
    bob.save()
    response = as_navigator.post(
        "/api/v1/surveillance-plans/", {"patient": bob.pk, "modality": "mri_spine"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "patient_not_active"


def test_a_patient_has_one_active_plan(plan, as_navigator, alice):
    again = as_navigator.post(
        "/api/v1/surveillance-plans/", {"patient": alice.pk, "modality": "mri_spine"}
    )
    assert again.status_code == 409
    assert as_navigator.post(plan_url(plan) + "end/", {"reason": "Hospice"}).status_code == 200
    fresh = as_navigator.post(
        "/api/v1/surveillance-plans/", {"patient": alice.pk, "modality": "mri_spine"}
    )
    assert fresh.status_code == 201
    assert (fresh.json()["disease_activity"], fresh.json()["interval_weeks"]) == ("new_therapy", 6)


def test_a_new_recommendation_recomputes_the_plan(board, sam):
    meeting = Meeting.objects.get(series=board.series, date=NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    url = f"/api/v1/board/cases/{case.pk}/recommendation/"
    body = {"modalities": ["srs"], "intent": "local_control", "rationale": "Small lesion."}
    follow = {"followup_modality": "mri_brain", "sign": True}
    client_for(sam).post(url, {**body, **follow, "followup_weeks": 10})
    plan = SurveillancePlan.objects.get()
    assert (plan.interval_weeks, plan.interval_set_by_hand) == (10, True)
    assert plan.next_due_on == date(2026, 5, 14)
    client_for(sam).post(url, {**body, **follow, "disease_activity": "stable"})
    plan.refresh_from_db()
    assert (plan.interval_weeks, plan.interval_set_by_hand) == (12, False)
    assert plan.next_due_on == date(2026, 5, 28)
    assert SurveillancePlan.objects.count() == 1
