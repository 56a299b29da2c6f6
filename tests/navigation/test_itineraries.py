"""Same-day multi-specialist visits through the API: search, book all or nothing, change."""

import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from navigation.models import Appointment, AppointmentChange, Itinerary
from notifications.models import Alert, Message
from patients.services import referral_create
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening before the DST change
MONDAY = date(2026, 3, 9)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def search(client, patient, **overrides):
    body = {
        "patient": patient.pk,
        "specialties": ["neurosurgery", "radiation_oncology", "pain_medicine"],
        "date_from": "2026-03-09",
        "date_to": "2026-03-13",
        **overrides,
    }
    body = {key: value for key, value in body.items() if value is not None}
    return client.post("/api/v1/itineraries/search/", body)


def book(client, patient, option, **extra):
    visits = [
        {"clinician": v["clinician"], "start": v["start"], "specialty": v["specialty"]}
        for v in option["visits"]
    ]
    return client.post("/api/v1/itineraries/", {"patient": patient.pk, "visits": visits, **extra})


def local(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(NY)


def test_it_finds_a_monday_with_three_specialists_back_to_back(as_navigator, center, alice):
    response = search(as_navigator, alice)
    assert response.status_code == 200, response.json()
    best = response.json()["options"][0]
    assert best["day"] == "2026-03-09"
    visits = best["visits"]
    assert {v["specialty"] for v in visits} == {
        "neurosurgery",
        "radiation_oncology",
        "pain_medicine",
    }
    assert local(visits[0]["start"]).time().hour == 8
    for before, after in zip(visits, visits[1:], strict=False):
        gap = (local(after["start"]) - local(before["end"])).total_seconds() / 60
        buffer = 0 if before["location"] == after["location"] else 15
        assert gap >= buffer  # the walk between buildings is respected
    assert best["total_wait"] == 0
    assert [o["day"] for o in response.json()["options"]] == [
        "2026-03-09",
        "2026-03-10",
        "2026-03-11",
        "2026-03-12",
        "2026-03-13",
    ]


def test_imaging_comes_before_the_surgeon_who_reads_it(as_navigator, center, alice):
    response = search(
        as_navigator,
        alice,
        specialties=["neurosurgery", "neuroradiology"],
        order=[["neuroradiology", "neurosurgery"]],
    )
    visits = response.json()["options"][0]["visits"]
    assert [v["specialty"] for v in visits] == ["neuroradiology", "neurosurgery"]


def test_the_patient_window_holds(as_navigator, center, alice):
    response = search(as_navigator, alice, earliest_arrival="13:00", latest_departure="16:00")
    visits = response.json()["options"][0]["visits"]
    assert local(visits[0]["start"]).time().hour >= 13
    assert local(visits[-1]["end"]).time() <= time(16)


def test_the_case_suggests_the_specialties(as_navigator, center, alice):
    referral = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="breast",
        sites="brain",
        pain_score=6,
        received_at=NOW,
    )
    response = search(as_navigator, alice, specialties=None, referral=referral.pk)
    body = response.json()
    assert set(body["specialties"]) == {
        "neurosurgery",
        "radiation_oncology",
        "pain_medicine",
        "palliative_care",
    }
    assert len(body["options"][0]["visits"]) == 4


def test_options_after_the_referrals_consult_deadline_are_flagged(as_navigator, center, alice):
    referral = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="breast",
        sites="brain",
        received_at=NOW,
    )  # due Monday evening, 72 real hours later
    monday = search(as_navigator, alice, referral=referral.pk, date_to="2026-03-09").json()
    later = search(as_navigator, alice, referral=referral.pk, date_from="2026-03-10").json()
    unrelated = search(as_navigator, alice, date_from="2026-03-10").json()
    assert monday["options"] and later["options"] and unrelated["options"]
    assert {o["after_deadline"] for o in monday["options"]} == {False}
    assert {o["after_deadline"] for o in later["options"]} == {True}
    assert {o["after_deadline"] for o in unrelated["options"]} == {False}  # no referral asked
    # An option is booked exactly as the search returned it, its flag included.
    option = {"patient": alice.pk, "referral": referral.pk, **later["options"][0]}
    assert as_navigator.post("/api/v1/itineraries/", option).status_code == 201


def test_a_search_that_finds_nothing_says_which_specialty_had_no_time(as_navigator, center, alice):
    response = search(as_navigator, alice, specialties=["neurosurgery", "psychosocial"])
    assert response.status_code == 200
    body = response.json()
    assert body["options"] == []
    assert body["missing_specialties"] == ["psychosocial"]
    assert "psychosocial" in body["reason"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"specialties": ["neurosurgery", "astrology"]}, "specialties.1", "not a specialty"),
        ({"date_to": "2026-03-01"}, "date_to", "before the start"),
        ({"date_to": "2026-07-01"}, "date_to", "90 days"),
        ({"max_total_wait": -5}, "max_total_wait", "below zero"),
        ({"order": [["neuroradiology", "neurosurgery"]]}, "order", "not among the specialties"),
        (
            {"earliest_arrival": "15:00", "latest_departure": "15:30"},
            "latest_departure",
            "shorter than",
        ),
        (
            {"latest_departure": "07:00", "earliest_arrival": "09:00"},
            "latest_departure",
            "not after",
        ),
    ],
)
def test_bad_searches_get_a_clear_400(as_navigator, center, alice, overrides, field, words):
    response = search(as_navigator, alice, **overrides)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"], response.json()
    assert words in response.json()["message"]


def test_pinning_a_clinician_of_another_specialty_is_refused(as_navigator, center, alice):
    wrong = center.first("pain_medicine")
    response = search(as_navigator, alice, clinicians={"neurosurgery": wrong.pk})
    assert response.status_code == 400
    assert "is not in neurosurgery" in response.json()["message"]


def test_booking_an_option_books_every_visit_and_writes_the_invites(as_navigator, center, alice):
    option = search(as_navigator, alice).json()["options"][0]
    response = book(as_navigator, alice, option)
    assert response.status_code == 201, response.json()
    itinerary = Itinerary.objects.get()
    assert itinerary.appointments.count() == 3
    assert Message.objects.filter(patient=alice, template="invite_request").count() == 3
    assert AppointmentChange.objects.filter(kind="booked").count() == 3


def test_a_clash_books_nothing_and_names_the_visit(as_navigator, center, alice, bob):
    option = search(as_navigator, alice).json()["options"][0]
    taken = option["visits"][2]
    Appointment.objects.create(
        patient=bob,
        clinician_id=taken["clinician"],
        specialty=taken["specialty"],
        location_id=taken["location"],
        start=taken["start"],
        end=taken["end"],
    )
    response = book(as_navigator, alice, option)
    assert response.status_code == 409
    body = response.json()
    assert body["clash"]["visit"] == 2
    assert body["clash"]["specialty"] == taken["specialty"]
    assert "Nothing was booked" in body["message"]
    assert not Appointment.objects.filter(patient=alice).exists()
    assert not Itinerary.objects.exists()
    assert not Message.objects.filter(patient=alice).exists()


@pytest.mark.django_db(transaction=True)
def test_two_navigators_racing_for_the_same_slot_never_both_win(center, alice, bob, nina):
    from tests.conftest import make_user

    other = make_user("noah", "navigator")
    clinician = center.first("pain_medicine")
    start = "2026-03-09T10:00:00-04:00"
    barrier = threading.Barrier(2)
    results = {}

    def attempt(user, patient):
        client = client_for(user)
        barrier.wait()
        results[user.username] = client.post(
            "/api/v1/appointments/",
            {"patient": patient.pk, "clinician": clinician.pk, "start": start},
        ).status_code
        connection.close()

    threads = [
        threading.Thread(target=attempt, args=(nina, alice)),
        threading.Thread(target=attempt, args=(other, bob)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == [201, 409]
    assert Appointment.objects.filter(clinician=clinician).count() == 1


def test_reschedule_keeps_the_uid_raises_the_sequence_and_keeps_history(
    as_navigator, center, alice
):
    clinician = center.first("pain_medicine")
    created = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    ).json()
    moved = as_navigator.post(
        f"/api/v1/appointments/{created['id']}/reschedule/",
        {"start": "2026-03-10T11:00:00-04:00", "reason": "patient asked"},
    )
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert body["uid"] == created["uid"]
    assert body["sequence"] == created["sequence"] + 1
    assert local(body["start"]) == datetime(2026, 3, 10, 11, tzinfo=NY)
    history = AppointmentChange.objects.filter(appointment_id=created["id"])
    assert [c.kind for c in history] == ["booked", "rescheduled"]
    assert history[1].old_start.astimezone(NY) == datetime(2026, 3, 9, 9, tzinfo=NY)
    assert Message.objects.filter(patient=alice, payload__sequence=1).exists()


def test_a_reschedule_into_booked_time_is_refused_and_changes_nothing(
    as_navigator, center, alice, bob
):
    clinician = center.first("pain_medicine")
    first = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    as_navigator.post(
        "/api/v1/appointments/",
        {"patient": bob.pk, "clinician": clinician.pk, "start": "2026-03-09T11:00:00-04:00"},
    )
    response = as_navigator.post(
        f"/api/v1/appointments/{first.json()['id']}/reschedule/",
        {"start": "2026-03-09T11:15:00-04:00"},
    )
    assert response.status_code == 409
    kept = Appointment.objects.get(pk=first.json()["id"])
    assert kept.start.astimezone(NY) == datetime(2026, 3, 9, 9, tzinfo=NY)
    assert kept.sequence == 0


def test_cancelling_frees_the_slot_for_a_referral_at_risk(as_navigator, center, alice, bob, frozen):
    frozen.move_to(datetime(2026, 3, 9, 10, 30, tzinfo=NY))  # the waiting referral: 23.5 h left
    waiting = referral_create(
        patient=bob,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites="brain",
        received_at=datetime(2026, 3, 7, 9, tzinfo=NY),
    )
    surgeon = center.first("neurosurgery")
    booked = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": surgeon.pk, "start": "2026-03-09T14:00:00-04:00"},
    )
    response = as_navigator.post(
        f"/api/v1/appointments/{booked.json()['id']}/cancel/", {"reason": "patient unwell"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    alert = Alert.objects.get(kind="freed_slot")
    assert f"referral {waiting.pk}" in alert.text
    assert Message.objects.filter(patient=alice, template="invite_cancel").count() == 1


def test_an_emergency_can_be_squeezed_in_only_by_an_explicit_override(
    as_navigator, center, alice, bob
):
    surgeon = center.first("spine_surgery")
    as_navigator.post(
        "/api/v1/appointments/",
        {"patient": bob.pk, "clinician": surgeon.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    emergency = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites="spine",
        suspected_mescc=True,
        received_at=NOW,
    )
    body = {
        "patient": alice.pk,
        "clinician": surgeon.pk,
        "start": "2026-03-09T09:00:00-04:00",
        "referral": emergency.pk,
        "is_consult": True,
    }
    assert as_navigator.post("/api/v1/appointments/", body).status_code == 409
    squeezed = as_navigator.post(
        "/api/v1/appointments/", {**body, "override_reason": "cord compression, cannot wait"}
    )
    assert squeezed.status_code == 201, squeezed.json()
    assert squeezed.json()["override"] is True
    assert Alert.objects.filter(kind="override").count() == 1
    assert AppointmentChange.objects.filter(kind="override").count() == 1


def test_a_no_show_is_set_and_undone_explicitly(as_navigator, center, alice, frozen):
    clinician = center.first("pain_medicine")
    created = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    url = f"/api/v1/appointments/{created.json()['id']}/status/"
    frozen.move_to(datetime(2026, 3, 9, 9, 20, tzinfo=NY))  # twenty minutes in: not here
    assert as_navigator.post(url, {"status": "no_show"}).json()["status"] == "no_show"
    assert as_navigator.post(url, {"status": "booked"}).json()["status"] == "booked"
    cancelled = as_navigator.post(f"/api/v1/appointments/{created.json()['id']}/cancel/")
    assert cancelled.json()["status"] == "cancelled"  # a cancel is never a no-show


@pytest.mark.parametrize("status", ["completed", "no_show"])
def test_a_visit_is_completed_or_missed_only_once_it_has_started(
    as_navigator, center, alice, frozen, status
):
    clinician = center.first("pain_medicine")
    created = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    url = f"/api/v1/appointments/{created.json()['id']}/status/"
    frozen.move_to(datetime(2026, 3, 9, 8, 55, tzinfo=NY))  # five minutes before
    early = as_navigator.post(url, {"status": status})
    assert early.status_code == 400
    assert early.json()["fields"] == {
        "status": [
            f"The visit starts at 09:00 on Mon 09 Mar: it can be marked "
            f"{status.replace('_', ' ')} once it has started."
        ]
    }
    assert Appointment.objects.get().status == "booked"
    frozen.move_to(datetime(2026, 3, 9, 9, 0, tzinfo=NY))
    assert as_navigator.post(url, {"status": status}).json()["status"] == status


def test_an_arrival_or_completion_set_by_mistake_is_corrected_that_day_only(
    as_navigator, center, alice, frozen
):
    clinician = center.first("pain_medicine")
    created = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    url = f"/api/v1/appointments/{created.json()['id']}/status/"
    frozen.move_to(datetime(2026, 3, 9, 9, 30, tzinfo=NY))
    assert as_navigator.post(url, {"status": "completed"}).json()["status"] == "completed"
    undone = as_navigator.post(url, {"status": "checked_in", "reason": "wrong patient clicked"})
    assert undone.json()["status"] == "checked_in"
    assert as_navigator.post(url, {"status": "completed"}).json()["status"] == "completed"
    change = AppointmentChange.objects.filter(kind="status:checked_in").get()
    assert (change.old_status, change.reason) == ("completed", "wrong patient clicked")
    frozen.move_to(datetime(2026, 3, 10, 0, 5, tzinfo=NY))  # the next day, in clinic time
    late = as_navigator.post(url, {"status": "booked"})
    assert late.status_code == 400
    assert late.json()["code"] == "correction_too_late"
    assert "corrected only on its own day (Mon 09 Mar)" in late.json()["message"]
    assert Appointment.objects.get().status == "completed"


def test_booking_outside_the_clinic_session_is_refused(as_navigator, center, alice):
    clinician = center.first("pain_medicine")
    response = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T17:00:00-04:00"},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "outside_availability"


def test_patients_and_specialists_see_only_their_own_appointments(
    as_navigator, center, alice, bob, sam
):
    clinician = center.first("pain_medicine")
    clinician.user = sam
    clinician.save()
    mine = as_navigator.post(
        "/api/v1/appointments/",
        {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T09:00:00-04:00"},
    )
    theirs = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": bob.pk,
            "clinician": center.first("rehabilitation").pk,
            "start": "2026-03-09T09:00:00-04:00",
        },
    )
    as_alice = client_for(alice.user)
    assert [a["id"] for a in as_alice.get("/api/v1/appointments/").json()["results"]] == [
        mine.json()["id"]
    ]
    assert as_alice.get(f"/api/v1/appointments/{theirs.json()['id']}/").status_code == 404
    assert as_alice.post("/api/v1/itineraries/search/", {}).status_code == 403
    as_sam = client_for(sam)
    assert [a["id"] for a in as_sam.get("/api/v1/appointments/").json()["results"]] == [
        mine.json()["id"]
    ]
    assert as_sam.post(f"/api/v1/appointments/{mine.json()['id']}/cancel/").status_code == 403
