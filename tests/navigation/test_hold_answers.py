"""What a hold's refusals say: a retried confirmation learns its plan, another
navigator's hold is a 403 naming it, a refused hold says nothing was held, and the
patient's own hold on a scanner is called theirs."""

import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from navigation.models import (
    Appointment,
    AvailabilityTemplate,
    Clinician,
    Itinerary,
    Resource,
    VisitType,
)
from tests.conftest import client_for, make_user

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is 2026-03-09
ONE_PM = datetime(2026, 3, 9, 13, tzinfo=NY).isoformat()

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def scanner(center):
    mri = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    AvailabilityTemplate.objects.create(
        resource=mri,
        weekday=0,
        start_time=time(13),
        end_time=time(17),
        location=center.tower,
        valid_from=date(2026, 1, 1),
    )
    VisitType.objects.create(
        specialty="neuroradiology", name="MRI brain with contrast", minutes=45, needs=["mri"]
    )
    return mri


def hold(client, patient, clinician, start=ONE_PM):
    visits = [{"clinician": clinician.pk, "start": start}]
    return client.post("/api/v1/holds/", {"patient": patient.pk, "visits": visits})


@pytest.mark.django_db(transaction=True)
def test_parallel_confirmations_all_answer_with_the_one_plan_booked(center, alice, nina):
    held = hold(client_for(nina), alice, center.first("neurosurgery"), ONE_PM)
    assert held.status_code == 201, held.json()
    barrier, answers = threading.Barrier(3), []

    def confirm():
        client = client_for(nina)
        barrier.wait()
        answers.append(client.post(f"/api/v1/holds/{held.json()['id']}/confirm/"))
        connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    (plan,) = Itinerary.objects.all()
    assert {a.json()["id"] for a in answers} == {plan.pk}
    assert Appointment.objects.filter(status="booked").count() == 1


def test_another_navigators_hold_is_a_403_naming_it_and_stays_held(as_navigator, center, alice):
    held = hold(as_navigator, alice, center.first("neurosurgery")).json()
    other = client_for(make_user("noor", "navigator"))
    for answer in (
        other.post(f"/api/v1/holds/{held['id']}/confirm/"),
        other.delete(f"/api/v1/holds/{held['id']}/"),
    ):
        assert answer.status_code == 403, answer.json()
        assert answer.json()["code"] == "not_your_hold"
        assert answer.json()["hold"] == held["id"]
        assert answer.json()["fields"] == {"hold": [answer.json()["message"]]}
    assert Appointment.objects.get().status == "held"


def test_releasing_a_confirmed_hold_names_its_plan(as_navigator, center, alice):
    held = hold(as_navigator, alice, center.first("neurosurgery")).json()
    plan = as_navigator.post(f"/api/v1/holds/{held['id']}/confirm/").json()
    released = as_navigator.delete(f"/api/v1/holds/{held['id']}/")
    assert released.status_code == 409
    assert released.json()["code"] == "hold_confirmed"
    assert released.json()["itinerary"] == plan["id"]
    assert released.json()["message"] == (
        f"This hold was already confirmed as plan {plan['id']}: its visits are booked, so "
        "nothing was released."
    )


def test_a_second_hold_of_the_same_patients_scanner_says_it_is_already_theirs(
    as_navigator, center, alice, scanner
):
    first = hold(as_navigator, alice, center.first("neuroradiology")).json()
    second_reader = Clinician.objects.create(
        name="Dr. Ida Novak", specialty="neuroradiology", home_location=center.tower
    )
    AvailabilityTemplate.objects.create(
        clinician=second_reader,
        weekday=0,
        start_time=time(8),
        end_time=time(17),
        location=center.tower,
        valid_from=date(2026, 1, 1),
    )
    again = hold(as_navigator, alice, second_reader)
    assert again.status_code == 409, again.json()
    message = again.json()["message"]
    assert "another patient" not in message
    assert "Nothing was booked" not in message and message.endswith("Nothing was held.")
    assert f"hold {first['id']}" in message
    assert f"“MRI 3T-1”, which is already held for this patient (hold {first['id']}, until" in (
        message
    )


def test_a_refused_reschedule_says_the_visit_was_not_moved(as_navigator, center, alice, bob):
    surgeon = center.first("neurosurgery")
    nine, ten = (datetime(2026, 3, 9, h, tzinfo=NY).isoformat() for h in (9, 10))
    for patient, start in ((alice, nine), (bob, ten)):
        body = {"patient": patient.pk, "clinician": surgeon.pk, "start": start}
        assert as_navigator.post("/api/v1/appointments/", body).status_code == 201
    mine = Appointment.objects.get(patient=alice)
    moved = as_navigator.post(f"/api/v1/appointments/{mine.pk}/reschedule/", {"start": ten})
    assert moved.status_code == 409, moved.json()
    assert moved.json()["message"].endswith("The visit was not moved.")
    mine.refresh_from_db()
    assert mine.start == datetime(2026, 3, 9, 9, tzinfo=NY)
