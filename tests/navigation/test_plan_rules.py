"""One set of rules for search and booking, one live consult per referral, and holds.

The small center: Tower and Pavilion 15 minutes apart, Mon-Fri 08:00-17:00 New York.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from navigation import services
from navigation.models import Appointment, Hold, TravelBuffer
from navigation.services import VisitRequest
from patients.services import referral_create
from tests.conftest import client_for, make_user

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 10, tzinfo=NY)
MONDAY = "2026-03-09"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(hour: int, minute: int = 0, day: int = 9) -> str:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY).isoformat()


def visit(clinician, start: str, **extra) -> dict:
    return {"clinician": clinician.pk, "start": start, **extra}


def refer(patient, **picture):
    return referral_create(
        patient=patient,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites=picture.pop("sites", "brain"),
        received_at=picture.pop("received_at", NOW),
        **picture,
    )


def test_booking_refuses_back_to_back_visits_with_no_time_to_walk(as_navigator, center, alice):
    TravelBuffer.objects.filter(from_location=center.tower).update(minutes=20)
    response = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [
                visit(center.first("neurosurgery"), at(9)),  # Tower, 60 min
                visit(center.first("radiation_oncology"), at(10)),  # Pavilion
            ],
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "no_time_to_walk"
    assert list(body["fields"]) == ["visits.1.start"]
    assert "20 minutes to walk" in body["message"]
    assert not Appointment.objects.exists()


def test_booking_refuses_the_surgeon_before_the_mri_that_search_forbids(
    as_navigator, center, alice
):
    response = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [
                visit(center.first("neurosurgery"), at(9)),
                visit(center.first("neuroradiology"), at(10)),
            ],
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "order"
    assert list(response.json()["fields"]) == ["visits.0.start"]
    assert not Appointment.objects.exists()


def test_booking_refuses_a_plan_over_the_wait_limit_it_was_searched_with(
    as_navigator, center, alice
):
    plan = {
        "patient": alice.pk,
        "visits": [
            visit(center.first("neurosurgery"), at(9)),
            visit(center.first("pain_medicine"), at(12)),  # 105 min idle after the walk
        ],
    }
    refused = as_navigator.post("/api/v1/itineraries/", plan)
    assert refused.status_code == 400
    assert refused.json()["code"] == "wait_limit"
    assert (
        as_navigator.post("/api/v1/itineraries/", {**plan, "max_total_wait": 120}).status_code
        == 201
    )


def test_a_search_option_is_booked_exactly_as_returned_with_the_same_figures(
    as_navigator, center, alice
):
    search = as_navigator.post(
        "/api/v1/itineraries/search/",
        {
            "patient": alice.pk,
            "specialties": ["neuroradiology", "neurosurgery", "radiation_oncology"],
            "date_from": MONDAY,
            "date_to": MONDAY,
        },
    ).json()
    option = search["options"][0]
    assert option["total_travel"] == 15  # Tower (MRI, surgeon) to Pavilion
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, **option})
    assert booked.status_code == 201, booked.json()
    body = booked.json()
    assert (body["total_wait"], body["total_travel"]) == (option["total_wait"], 15)
    assert [a["start"] for a in body["appointments"]] == [v["start"] for v in option["visits"]]


def test_an_option_whose_figures_were_changed_is_refused_and_books_nothing(
    as_navigator, center, alice
):
    option = as_navigator.post(
        "/api/v1/itineraries/search/",
        {
            "patient": alice.pk,
            "specialties": ["neurosurgery", "radiation_oncology"],
            "date_from": MONDAY,
            "date_to": MONDAY,
        },
    ).json()["options"][0]
    refused = as_navigator.post(
        "/api/v1/itineraries/", {"patient": alice.pk, **option, "day": "2026-03-12"}
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "option_changed"
    assert not Appointment.objects.exists()


def test_error_keys_carry_the_visit_index_every_time(as_navigator, center, alice):
    response = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [
                {"clinician": center.first("neurosurgery").pk, "start": at(9), "location": 999},
                {"clinician": center.first("pain_medicine").pk, "start": at(11), "location": 998},
            ],
        },
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"visits.0.location", "visits.1.location"}


def test_a_location_other_than_the_sessions_is_refused(as_navigator, center, alice):
    response = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [visit(center.first("neurosurgery"), at(9), location=center.pavilion.pk)],
        },
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["location"]


@pytest.mark.parametrize(
    "order, named",
    [
        ([["neurosurgery", "neuroradiology"]], "imaging before the surgeon who reads it"),
        ([["pain_medicine", "neurosurgery"], ["neurosurgery", "pain_medicine"]], "pain medicine"),
        ([["neurosurgery", "neurosurgery"]], "cannot come before itself"),
    ],
)
def test_order_pairs_that_cannot_be_kept_are_a_400_naming_order(
    as_navigator, center, alice, order, named
):
    response = as_navigator.post(
        "/api/v1/itineraries/search/",
        {
            "patient": alice.pk,
            "specialties": ["neuroradiology", "neurosurgery", "pain_medicine"],
            "date_from": MONDAY,
            "date_to": MONDAY,
            "order": order,
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "order_conflict"
    assert list(response.json()["fields"]) == ["order"]
    assert named in response.json()["message"]


def test_a_referral_has_one_live_consult_whatever_the_client_sends(as_navigator, center, alice):
    referral = refer(alice)
    first = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": center.first("neurosurgery").pk,
            "start": at(9),
            "referral": referral.pk,
            "is_consult": True,
        },
    )
    second = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": center.first("radiation_oncology").pk,
            "start": at(13),
            "referral": referral.pk,
            "is_consult": True,
        },
    )
    assert second.status_code == 409
    assert second.json()["code"] == "consult_exists"
    assert second.json()["existing_consult"] == first.json()["id"]
    assert Appointment.objects.count() == 1


def test_the_database_refuses_a_second_live_consult(center, alice):
    referral = refer(alice)
    services.appointment_book(
        patient=alice,
        visit=VisitRequest(center.first("neurosurgery"), datetime(2026, 3, 9, 9, tzinfo=NY)),
        referral=referral,
        is_consult=True,
        by=None,
        now=NOW,
    )
    twin = Appointment.objects.get()
    twin.pk, twin.uid = None, None
    twin.start += timedelta(hours=3)
    twin.end += timedelta(hours=3)
    twin.clinician = center.first("radiation_oncology")
    with pytest.raises(IntegrityError, match="one_live_consult_per_referral"), transaction.atomic():
        import uuid

        twin.uid = uuid.uuid4()
        twin.save()


def test_a_plan_books_no_second_consult_for_a_referral_that_has_one(center, alice):
    referral = refer(alice)
    services.appointment_book(
        patient=alice,
        visit=VisitRequest(center.first("neurosurgery"), datetime(2026, 3, 9, 9, tzinfo=NY)),
        referral=referral,
        is_consult=True,
        by=None,
        now=NOW,
    )
    services.itinerary_book(
        patient=alice,
        visits=[
            VisitRequest(center.first("radiation_oncology"), datetime(2026, 3, 10, 9, tzinfo=NY)),
            VisitRequest(center.first("pain_medicine"), datetime(2026, 3, 10, 10, tzinfo=NY)),
        ],
        referral=referral,
        by=None,
        now=NOW,
    )
    assert Appointment.objects.filter(referral=referral, is_consult=True).count() == 1


def test_cancelling_a_plans_consult_makes_another_visit_of_the_plan_the_consult(
    as_navigator, center, alice
):
    referral = refer(alice)
    itinerary = services.itinerary_book(
        patient=alice,
        visits=[
            VisitRequest(center.first("neurosurgery"), datetime(2026, 3, 9, 9, tzinfo=NY)),
            VisitRequest(
                center.first("radiation_oncology"), datetime(2026, 3, 9, 10, 15, tzinfo=NY)
            ),
        ],
        referral=referral,
        by=None,
        now=NOW,
    )
    surgeon, oncologist = itinerary.appointments.order_by("start")
    assert surgeon.is_consult and not oncologist.is_consult
    body = as_navigator.post(
        f"/api/v1/appointments/{surgeon.pk}/cancel/", {"reason": "surgeon ill"}
    ).json()
    assert f"appointment {oncologist.pk}) is now the consult" in body["consult_note"]
    oncologist.refresh_from_db()
    referral.refresh_from_db()
    assert oncologist.is_consult
    assert referral.consult_at == oncologist.start
    assert referral.sla_status_at(NOW) == "met"


def test_cancelling_a_lone_consult_says_plainly_there_is_none(as_navigator, center, alice):
    referral = refer(alice)
    consult = services.appointment_book(
        patient=alice,
        visit=VisitRequest(center.first("neurosurgery"), datetime(2026, 3, 9, 9, tzinfo=NY)),
        referral=referral,
        is_consult=True,
        by=None,
        now=NOW,
    )
    body = as_navigator.post(f"/api/v1/appointments/{consult.pk}/cancel/", {"reason": "x"}).json()
    assert body["consult_note"] == "The referral has no consult now; book one."
    referral.refresh_from_db()
    assert referral.consult_at is None


def test_a_slot_exactly_at_the_deadline_is_on_time_and_met_once_booked(center, alice):
    from navigation import engine

    due = datetime(2026, 3, 9, 10, tzinfo=NY)
    free = engine.ClinicianDay(
        1, "neurosurgery", (engine.FreeInterval(due, due + timedelta(hours=2), 1),)
    )
    (slot, *_) = engine.find_consult_slots(
        clinicians=[free], duration=60, not_before=NOW, due_at=due
    )
    assert slot.start == due and not slot.late
    # Received Friday 09:00 EST: 72 real hours later is Monday 10:00 EDT.
    referral = refer(alice, received_at=datetime(2026, 3, 6, 9, tzinfo=NY))
    assert referral.consult_due_at == due
    services.appointment_book(
        patient=alice,
        visit=VisitRequest(center.first("neurosurgery"), due),
        referral=referral,
        is_consult=True,
        by=None,
        now=NOW,
    )
    referral.refresh_from_db()
    assert referral.sla_status_at(NOW) == "met"
    assert referral.__class__.objects.with_sla(NOW).get(pk=referral.pk).sla_status == "met"


def test_a_clash_says_what_is_there_and_names_only_committed_visits(
    as_navigator, center, alice, bob
):
    surgeon = center.first("neurosurgery")
    taken = services.appointment_book(
        patient=bob,
        visit=VisitRequest(surgeon, datetime(2026, 3, 9, 10, tzinfo=NY)),
        by=None,
        now=NOW,
    )
    response = as_navigator.post(
        "/api/v1/itineraries/",
        {
            "patient": alice.pk,
            "visits": [
                visit(center.first("neuroradiology"), at(9)),
                visit(surgeon, at(10)),
            ],
        },
    )
    assert response.status_code == 409
    body = response.json()
    assert "already has a visit then" in body["message"]
    assert "meanwhile" not in body["message"]
    assert body["clash"]["clashing_appointments"] == [taken.pk]
    assert body["clash"]["visit"] == 1


class TestHolds:
    def hold(self, client, patient, visits, **extra):
        return client.post("/api/v1/holds/", {"patient": patient.pk, "visits": visits, **extra})

    def test_held_time_is_taken_for_everyone_else_until_confirmed(
        self, as_navigator, center, alice, bob
    ):
        surgeon = center.first("neurosurgery")
        held = self.hold(as_navigator, alice, [visit(surgeon, at(9))])
        assert held.status_code == 201, held.json()
        body = held.json()
        assert datetime.fromisoformat(body["expires_at"]) == NOW + timedelta(minutes=10)
        other = as_navigator.post(
            "/api/v1/appointments/", {"patient": bob.pk, "clinician": surgeon.pk, "start": at(9)}
        )
        assert other.status_code == 409
        assert other.json()["clash"]["holds"] == [body["id"]]
        assert (
            f"held for a patient (hold {body['id']}, until Fri 06 Mar 10:10)"
            in (other.json()["message"])
        )
        # Not in anyone's search either.
        found = as_navigator.post(
            "/api/v1/itineraries/search/",
            {
                "patient": bob.pk,
                "specialties": ["neurosurgery"],
                "date_from": MONDAY,
                "date_to": MONDAY,
                "clinicians": {"neurosurgery": surgeon.pk},
                "earliest_arrival": "09:00",
            },
        ).json()
        assert found["options"][0]["visits"][0]["start"] == at(10)
        confirmed = as_navigator.post(f"/api/v1/holds/{body['id']}/confirm/")
        assert confirmed.status_code == 201
        assert [a["status"] for a in confirmed.json()["appointments"]] == ["booked"]

    def test_an_expired_hold_frees_its_time_and_cannot_be_confirmed(
        self, as_navigator, center, alice, bob
    ):
        surgeon = center.first("neurosurgery")
        hold_id = self.hold(as_navigator, alice, [visit(surgeon, at(9))]).json()["id"]
        with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
            booked = as_navigator.post(
                "/api/v1/appointments/",
                {"patient": bob.pk, "clinician": surgeon.pk, "start": at(9)},
            )
            assert booked.status_code == 201
            late = as_navigator.post(f"/api/v1/holds/{hold_id}/confirm/")
        assert late.status_code == 409
        assert Hold.objects.get(pk=hold_id).status == "expired"
        assert not Appointment.objects.filter(patient=alice).exists()

    def test_only_its_holder_confirms_a_hold(self, as_navigator, center, alice):
        from tests.conftest import client_for, make_user

        hold_id = self.hold(
            as_navigator, alice, [visit(center.first("neurosurgery"), at(9))]
        ).json()["id"]
        other = client_for(make_user("noor", "navigator"))
        refused = other.post(f"/api/v1/holds/{hold_id}/confirm/")
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_your_hold"
        assert refused.json()["hold"] == hold_id
        assert f"Hold {hold_id} is nina's" in refused.json()["message"]
        assert Appointment.objects.get().status == "held"

    def test_the_beat_job_releases_expired_holds(self, as_navigator, center, alice):
        self.hold(as_navigator, alice, [visit(center.first("neurosurgery"), at(9))])
        assert services.holds_expire(now=NOW + timedelta(minutes=9)) == 0
        assert services.holds_expire(now=NOW + timedelta(minutes=10)) == 1
        assert not Appointment.objects.exists()
        assert Hold.objects.get().status == "expired"


def test_booking_the_consult_resolves_its_alerts_at_once_saying_why(center, alice):
    from notifications.models import Alert

    referral = refer(alice, suspected_mescc=True, sites="spine")  # an emergency
    Alert.objects.create(kind="at_risk", text="x", dedupe_key="at_risk:r", referral=referral)
    assert Alert.objects.filter(referral=referral, resolved_at__isnull=True).count() == 2
    services.appointment_book(
        patient=alice,
        visit=VisitRequest(center.first("spine_surgery"), datetime(2026, 3, 6, 13, tzinfo=NY)),
        referral=referral,
        is_consult=True,
        by=None,
        now=NOW,
    )
    alerts = Alert.objects.filter(referral=referral)
    assert all(a.resolved_at == NOW for a in alerts)
    assert {a.resolved_reason for a in alerts} == {"The consult is booked."}


def test_a_clash_with_another_navigators_hold_on_the_patient_names_the_hold(
    as_navigator, center, alice
):
    surgeon = center.first("neurosurgery")
    held = client_for(make_user("noah", "navigator")).post(
        "/api/v1/holds/", {"patient": alice.pk, "visits": [visit(surgeon, at(10))]}
    )
    assert held.status_code == 201, held.json()
    other = center.first("radiation_oncology")
    response = as_navigator.post(
        "/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit(other, at(10))]}
    )
    assert response.status_code == 409
    message = response.json()["message"]
    hold = held.json()["id"]
    assert f"the patient's time is held by noah (hold {hold}) until Fri 06 Mar 10:10" in message
    assert "already has a visit" not in message
    assert response.json()["clash"]["holds"] == [hold]
