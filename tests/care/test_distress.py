"""Distress screening (issue 19): the NCCN Distress Thermometer, 0 to 10 with its problem
list; 4 or more (a setting) alerts the navigators to refer to psychosocial care and
offers a visit; the alert ends once one is booked; a score outside 0-10 is refused."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.distress import VISIT_BOOKED, distress_due
from care.models import DistressScreening
from navigation.services import VisitRequest, appointment_book, appointment_set_status
from notifications.alerts import alerts_sweep
from notifications.models import Alert
from patients.services import referral_create
from tests.center import social_worker as center_social_worker

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 15, 0, tzinfo=NY)  # a Friday afternoon

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def social_worker(center):
    return center_social_worker(center, weekday=0)  # Mondays


def screen(client, patient, **fields):
    body = {"score": 6, "problems": ["worry", "transportation"], "screened_at": NOW} | fields
    return client.post(f"/api/v1/patients/{patient.pk}/distress-screenings/", body, format="json")


@pytest.mark.parametrize("score", [11, -1])
def test_a_score_outside_0_to_10_is_refused_naming_the_score(as_navigator, alice, score):
    response = screen(as_navigator, alice, score=score)
    assert response.status_code == 400
    assert "score" in response.json()["fields"]
    assert "0 (no distress) to 10" in response.json()["message"]
    assert not DistressScreening.objects.exists() and not Alert.objects.exists()


def test_a_score_of_4_or_more_alerts_the_navigators_and_offers_a_visit(
    as_navigator, alice, social_worker
):
    response = screen(as_navigator, alice)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["referred"] is True and body["occasion"] == "first_consult"
    alert = Alert.objects.get(kind="psychosocial", patient=alice)
    assert alert.text.startswith("Distress 6/10 (practical, emotional problems): refer to")
    # Mondays 09:00-10:00 with the social worker: the next one is offered first.
    offered = body["offered_visits"][0]
    assert offered["clinician"] == social_worker.pk and offered["day"] == "2026-03-09"

    booked = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [
                {
                    "clinician": offered["clinician"],
                    "start": offered["start"],
                    "specialty": "psychosocial",
                }
            ],
        },
        format="json",
    )
    assert booked.status_code == 201, booked.json()
    alerts_sweep(now=NOW)
    alert.refresh_from_db()
    assert alert.resolved_reason == VISIT_BOOKED


def test_a_low_score_or_a_higher_threshold_refers_nobody(as_navigator, settings, alice):
    assert screen(as_navigator, alice, score=3).json()["referred"] is False
    settings.DISTRESS_THRESHOLD = 7
    assert screen(as_navigator, alice, score=6).json()["referred"] is False
    assert screen(as_navigator, alice, score=6).json()["occasion"] == "follow_up"
    assert not Alert.objects.filter(kind="psychosocial").exists()


def test_a_screening_is_due_at_the_first_consult_and_again_after_the_set_interval(
    frozen, settings, nina, center, alice
):
    settings.DISTRESS_RESCREEN_DAYS = 90
    referral = referral_create(
        now=NOW,
        patient=alice,
        received_at=NOW,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites="brain",
    )
    consult = appointment_book(
        patient=alice,
        visit=VisitRequest(clinician=center.first("neurosurgery"), start=NOW + timedelta(days=3)),
        referral=referral,
        is_consult=True,
        by=nina,
        now=NOW,
    )
    assert distress_due(patient=alice, now=NOW) is None  # the consult has not begun
    later = consult.start + timedelta(minutes=10)
    frozen.move_to(later)
    appointment_set_status(appointment=consult, status="checked_in", by=nina)
    assert distress_due(patient=alice, now=later) == "at the first consult"
    DistressScreening.objects.create(
        patient=alice, occasion="first_consult", score=2, screened_at=later
    )
    assert distress_due(patient=alice, now=later) is None
    assert distress_due(patient=alice, now=later + timedelta(days=91)) == (
        "90 days since the last screening"
    )
