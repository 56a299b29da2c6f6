"""Rooms, machines and interpreters booked with the clinicians, all at once, through the
API: an MRI that needs the scanner, a Spanish interpreter at every visit, and a clash that
names the room, machine or interpreter taken."""

import threading
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction

from navigation.models import (
    Appointment,
    AppointmentResource,
    AvailabilityTemplate,
    Clinician,
    Hold,
    Itinerary,
    Resource,
    VisitType,
)
from tests.conftest import client_for, make_user

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is 2026-03-09
PLAN = ["neuroradiology", "neurosurgery", "radiation_oncology"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def weekly(owner: dict, location, start: time, end: time) -> None:
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            **owner,
            weekday=weekday,
            start_time=start,
            end_time=end,
            location=location,
            valid_from=date(2026, 1, 1),
        )


@pytest.fixture
def scanner(center):
    """The Tower's 3 T MRI, open 13:00-17:00, and the MRI visit that needs it; a second
    neuroradiologist, so two patients can race for the scanner and nothing else."""
    mri = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    weekly({"resource": mri}, center.tower, time(13), time(17))
    VisitType.objects.create(
        specialty="neuroradiology", name="MRI brain with contrast", minutes=45, needs=["mri"]
    )
    second = Clinician.objects.create(
        name="Dr. Ida Novak", specialty="neuroradiology", home_location=center.tower
    )
    weekly({"clinician": second}, center.tower, time(8), time(17))
    return mri


@pytest.fixture
def interpreter(center):
    lucia = Resource.objects.create(
        name="Lucía Ortega", kind="interpreter", languages=["es"], location=center.pavilion
    )
    weekly({"resource": lucia}, center.pavilion, time(8), time(17))
    return lucia


def search(client, patient, specialties=PLAN):
    return client.post(
        "/api/v1/itineraries/search/",
        {
            "patient": patient.pk,
            "specialties": specialties,
            "date_from": "2026-03-09",
            "date_to": "2026-03-09",
        },
    )


def book(client, patient, option):
    return client.post("/api/v1/itineraries/", {"patient": patient.pk, **option})


def test_a_plan_takes_the_scanner_for_its_mri_and_the_spanish_interpreter_at_every_visit(
    as_navigator, center, alice, scanner, interpreter
):
    alice.interpreter_language = "es-MX"
    alice.save()
    found = search(as_navigator, alice)
    assert found.status_code == 200, found.json()
    option = found.json()["options"][0]
    visits = {v["specialty"]: v for v in option["visits"]}
    mri = visits["neuroradiology"]
    assert datetime.fromisoformat(mri["start"]).astimezone(NY).time() >= time(13)
    assert [r["name"] for r in mri["resources"]] == ["MRI 3T-1", "Lucía Ortega"]
    for visit in option["visits"]:
        assert visit["resources"][-1]["name"] == "Lucía Ortega"
    booked = book(as_navigator, alice, option)
    assert booked.status_code == 201, booked.json()
    appointments = booked.json()["appointments"]
    assert sorted(r["kind_label"] for a in appointments for r in a["resources"]) == [
        "MRI scanner 3 T",
        "interpreter",
        "interpreter",
        "interpreter",
    ]
    assert AppointmentResource.objects.filter(resource=scanner, live=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_second_navigator_racing_for_the_same_scanner_minute_gets_a_409_naming_it(
    center, alice, bob, nina, scanner
):
    other = make_user("noah", "navigator")
    readers = Clinician.objects.filter(specialty="neuroradiology").order_by("pk")
    start = "2026-03-09T13:00:00-04:00"
    barrier = threading.Barrier(2)
    answers = {}

    def attempt(user, patient, reader):
        client = client_for(user)
        barrier.wait()
        visit = {"clinician": reader.pk, "start": start, "resources": [scanner.pk]}
        answers[patient.pk] = client.post(
            "/api/v1/itineraries/", {"patient": patient.pk, "visits": [visit]}
        )
        connection.close()

    threads = [
        threading.Thread(target=attempt, args=(nina, alice, readers[0])),
        threading.Thread(target=attempt, args=(other, bob, readers[1])),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    codes = sorted(answer.status_code for answer in answers.values())
    assert codes == [201, 409]
    lost = next(answer.json() for answer in answers.values() if answer.status_code == 409)
    assert "MRI scanner 3 T “MRI 3T-1”" in lost["message"]
    assert lost["clash"]["resource"] == scanner.pk
    assert Appointment.objects.count() == Itinerary.objects.count() == 1


def test_a_held_scanner_is_taken_and_a_cancelled_one_is_free_again(
    as_navigator, center, alice, bob, scanner
):
    reader = Clinician.objects.get(name="Dr. Ida Novak")
    visit = {"clinician": reader.pk, "start": "2026-03-09T13:00:00-04:00"}
    held = as_navigator.post("/api/v1/holds/", {"patient": alice.pk, "visits": [visit]})
    assert held.status_code == 201, held.json()
    other = {**visit, "clinician": center.first("neuroradiology").pk}
    clash = as_navigator.post("/api/v1/itineraries/", {"patient": bob.pk, "visits": [other]})
    assert clash.status_code == 409
    assert "MRI 3T-1" in clash.json()["message"]
    assert f"hold {held.json()['id']}" in clash.json()["message"]
    confirmed = as_navigator.post(f"/api/v1/holds/{held.json()['id']}/confirm/")
    assert confirmed.status_code == 201, confirmed.json()
    mine = confirmed.json()["appointments"][0]
    assert as_navigator.post(f"/api/v1/appointments/{mine['id']}/cancel/").status_code == 200
    again = as_navigator.post("/api/v1/itineraries/", {"patient": bob.pk, "visits": [other]})
    assert again.status_code == 201, again.json()


@pytest.mark.parametrize("taken_by", ["itineraries", "holds"])
def test_a_rival_for_the_same_reader_and_scanner_minute_hears_the_scanner_named(
    as_navigator, center, alice, bob, scanner, taken_by
):
    reader = center.first("neuroradiology")
    visit = {"clinician": reader.pk, "start": "2026-03-09T13:00:00-04:00"}
    first = as_navigator.post(f"/api/v1/{taken_by}/", {"patient": alice.pk, "visits": [visit]})
    assert first.status_code == 201, first.json()
    rival = as_navigator.post("/api/v1/itineraries/", {"patient": bob.pk, "visits": [visit]})
    assert rival.status_code == 409
    assert f"{reader.name}" in rival.json()["message"]
    assert "MRI scanner 3 T “MRI 3T-1”" in rival.json()["message"]
    assert rival.json()["clash"]["resource"] == scanner.pk
    assert rival.json()["clash"]["resource_name"] == "MRI 3T-1"


def test_a_visit_type_needing_a_machine_no_location_has_is_a_400(as_navigator, center, alice):
    VisitType.objects.create(
        specialty="radiation_oncology", name="SRS planning", minutes=60, needs=["ct_simulator"]
    )
    response = search(as_navigator, alice, ["radiation_oncology"])
    assert response.status_code == 400
    assert response.json()["fields"] == {"specialties": [response.json()["message"]]}
    assert "needs a CT simulator, and no location has one" in response.json()["message"]


def test_an_interpreter_language_nobody_covers_is_kept_and_plans_are_refused_naming_it(
    as_navigator, center, alice, interpreter
):
    kept = as_navigator.patch(f"/api/v1/patients/{alice.pk}/", {"interpreter_language": "ht"})
    assert kept.status_code == 200, kept.json()
    assert kept.json()["interpreter_note"] == (
        "No interpreter covers Haitian Creole (ht) yet; add one (Resources) before booking."
    )
    alice.refresh_from_db()
    assert alice.interpreter_language == "ht"
    for path, body in (
        (
            "itineraries/search/",
            {"specialties": ["neurosurgery"], "date_from": "2026-03-09", "date_to": "2026-03-09"},
        ),
        (
            "itineraries/",
            {
                "visits": [
                    {
                        "clinician": center.first("neurosurgery").pk,
                        "start": "2026-03-09T09:00:00-04:00",
                    }
                ]
            },
        ),
        (
            "holds/",
            {
                "visits": [
                    {
                        "clinician": center.first("neurosurgery").pk,
                        "start": "2026-03-09T09:00:00-04:00",
                    }
                ]
            },
        ),
    ):
        refused = as_navigator.post(f"/api/v1/{path}", {"patient": alice.pk, **body})
        assert refused.status_code == 400, (path, refused.json())
        assert refused.json()["code"] == "no_interpreter"
        assert "No interpreter covers Haitian Creole (ht)" in refused.json()["message"]
        assert list(refused.json()["fields"]) == ["interpreter_language"]
    assert not Appointment.objects.exists()
    unknown = as_navigator.patch(f"/api/v1/patients/{alice.pk}/", {"interpreter_language": "xx"})
    assert "interpreter_language" in unknown.json()["fields"]
    accepted = as_navigator.patch(f"/api/v1/patients/{alice.pk}/", {"interpreter_language": "es"})
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["interpreter_note"] == ""


def test_a_resource_session_is_kept_at_its_own_location(ada, center, scanner):
    client_admin = client_for(ada)
    body = {
        "resource": scanner.pk,
        "weekday": 5,
        "start_time": "08:00",
        "end_time": "12:00",
        "location": center.pavilion.pk,
        "valid_from": "2026-03-01",
    }
    refused = client_admin.post("/api/v1/availability/", body)
    assert refused.status_code == 400
    assert (
        "MRI 3T-1's sessions are at its own location, Tower"
        in (refused.json()["fields"]["location"][0])
    )
    assert not AvailabilityTemplate.objects.filter(weekday=5).exists()
    ok = client_admin.post("/api/v1/availability/", {**body, "location": center.tower.pk})
    assert ok.status_code == 201, ok.json()


def test_the_admin_refuses_a_visit_type_needing_a_machine_no_location_has(ada, center, scanner):
    from django.test import Client

    browser = Client()
    browser.force_login(ada)
    form = {"specialty": "radiation_oncology", "name": "SRS planning", "minutes": 60}
    refused = browser.post("/admin/navigation/visittype/add/", {**form, "needs": "ct_simulator"})
    assert refused.status_code == 200
    assert "needs a CT simulator, and no location has one" in refused.content.decode()
    assert not VisitType.objects.filter(name="SRS planning").exists()
    added = browser.post("/admin/navigation/visittype/add/", {**form, "needs": "mri"})
    assert added.status_code == 302
    assert VisitType.objects.get(name="SRS planning").needs == ["mri"]


def test_consult_slots_wait_for_the_interpreter_and_book_with_them(as_navigator, center, alice):
    from patients.services import referral_create

    afternoons = Resource.objects.create(
        name="Rosa Díaz", kind="interpreter", languages=["es"], location=center.pavilion
    )
    weekly({"resource": afternoons}, center.pavilion, time(13), time(17))
    alice.interpreter_language = "es"
    alice.save()
    referral = referral_create(
        patient=alice,
        referring_oncologist="Dr. Park",
        primary_cancer="lung",
        sites="brain",
        received_at=NOW,
    )
    body = as_navigator.get(f"/api/v1/referrals/{referral.pk}/consult-options/").json()
    first = body["slots"][0]
    assert datetime.fromisoformat(first["start"]) == datetime(2026, 3, 9, 13, tzinfo=NY)
    booked = as_navigator.post(
        "/api/v1/appointments/",
        {
            "patient": alice.pk,
            "clinician": first["clinician"],
            "start": first["start"],
            "referral": referral.pk,
            "is_consult": True,
        },
    )
    assert booked.status_code == 201, booked.json()
    assert [r["name"] for r in booked.json()["resources"]] == ["Rosa Díaz"]


def test_a_scanner_off_for_the_day_leaves_no_mri_and_the_search_says_why(
    as_navigator, center, alice, scanner
):
    from navigation.models import TimeOff

    TimeOff.objects.create(
        resource=scanner,
        start=datetime(2026, 3, 9, 0, tzinfo=NY),
        end=datetime(2026, 3, 10, 0, tzinfo=NY),
        reason="helium refill",
    )
    found = search(as_navigator, alice, ["neuroradiology", "neurosurgery"]).json()
    assert found["options"] == []
    assert found["missing_specialties"] == ["neuroradiology"]
    assert found["reason"] == (
        "No free neuroradiology time on 2026-03-09 together with the room, machine or "
        "interpreter its visit needs"
    )


@pytest.mark.parametrize("taking", ["itineraries", "holds"])
@pytest.mark.django_db(transaction=True)
def test_a_scanner_taken_while_the_plan_is_being_written_rolls_it_all_back_naming_it(
    center, alice, bob, nina, scanner, interpreter, taking
):
    """A rival that writes the scanner's minute without the calendar locks (a row not yet
    committed when the plan is checked) makes the plan's one INSERT fail at the
    constraint: nothing of the plan is kept, and the 409 still names the visit and the
    scanner, as when the check finds it (a booking checks again; a hold inserts its
    visits one by one)."""
    from tumorboard.audit import AuditEvent

    alice.interpreter_language = "es"
    alice.save()
    option = search(client_for(nina), alice).json()["options"][0]
    mri = next(i for i, v in enumerate(option["visits"]) if v["specialty"] == "neuroradiology")
    visit = option["visits"][mri]
    rival = Clinician.objects.filter(specialty="neuroradiology").exclude(pk=visit["clinician"])[0]
    written, release = threading.Event(), threading.Event()

    def write_first():
        with transaction.atomic():
            taken = Appointment.objects.create(
                patient=bob,
                clinician=rival,
                specialty="neuroradiology",
                location=scanner.location,
                start=visit["start"],
                end=visit["end"],
            )
            AppointmentResource.objects.create(
                appointment=taken, resource=scanner, start=taken.start, end=taken.end
            )
            written.set()
            release.wait(30)
        connection.close()

    answers = []

    def book_plan():
        body = {"patient": alice.pk, **option}
        answers.append(client_for(nina).post(f"/api/v1/{taking}/", body))
        connection.close()

    first = threading.Thread(target=write_first)
    first.start()
    assert written.wait(30)
    booking = threading.Thread(target=book_plan)
    booking.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    for _ in range(300):  # until the plan's INSERT waits for the rival's row
        with connection.cursor() as cursor:
            cursor.execute(waiting)
            if cursor.fetchone()[0]:
                break
        threading.Event().wait(0.05)
    release.set()
    first.join()
    booking.join()
    (answer,) = answers
    assert answer.status_code == 409, answer.json()
    body = answer.json()
    assert "MRI scanner 3 T “MRI 3T-1”" in body["message"]
    assert body["clash"]["visit"] == mri
    assert body["clash"]["resource"] == scanner.pk
    assert not Appointment.objects.filter(patient=alice).exists()
    assert not Itinerary.objects.exists() and not Hold.objects.exists()
    assert not AuditEvent.objects.filter(path=f"/api/v1/{taking}/").exists()


def test_an_interpreter_left_too_little_time_to_walk_is_a_409_naming_them(
    as_navigator, center, alice, bob, interpreter
):
    """Another navigator booked Lucía at the Pavilion until 11:00; the Tower is 15 minutes'
    walk away, so a Tower visit at 11:05 with her is a race lost, not a bad request."""
    for patient in (alice, bob):
        patient.interpreter_language = "es"
        patient.save()
    ravi, nora = center.clinicians["Dr. Ravi Shah"], center.clinicians["Dr. Nora Reyes"]
    first = {
        "clinician": ravi.pk,
        "start": datetime(2026, 3, 9, 10, 15, tzinfo=NY).isoformat(),
        "resources": [interpreter.pk],
    }
    taken = as_navigator.post("/api/v1/itineraries/", {"patient": bob.pk, "visits": [first]})
    assert taken.status_code == 201, taken.json()
    late = {
        "clinician": nora.pk,
        "start": datetime(2026, 3, 9, 11, 5, tzinfo=NY).isoformat(),
        "resources": [interpreter.pk],
    }
    refused = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [late]})
    assert refused.status_code == 409, refused.json()
    message = refused.json()["message"]
    assert "interpreter “Lucía Ortega”" in message
    assert "at Pavilion from Mon 09 Mar 10:15 to Mon 09 Mar 11:00, too close to walk" in message
    assert refused.json()["clash"]["resource_name"] == "Lucía Ortega"
    assert not Appointment.objects.filter(patient=alice).exists()

    in_time = {**late, "start": datetime(2026, 3, 9, 11, 15, tzinfo=NY).isoformat()}
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [in_time]})
    assert booked.status_code == 201, booked.json()


def test_a_patient_left_too_little_time_to_walk_is_a_409_naming_their_visit(
    as_navigator, center, alice
):
    """A visit booked for the patient at the Pavilion until 11:00 (by another navigator,
    after this one searched) leaves no walk to a Tower visit at 11:05: a race lost."""
    ravi, nora = center.clinicians["Dr. Ravi Shah"], center.clinicians["Dr. Nora Reyes"]
    first = {"clinician": ravi.pk, "start": datetime(2026, 3, 9, 10, 15, tzinfo=NY).isoformat()}
    taken = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [first]})
    assert taken.status_code == 201, taken.json()
    late = {"clinician": nora.pk, "start": datetime(2026, 3, 9, 11, 5, tzinfo=NY).isoformat()}
    refused = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [late]})
    assert refused.status_code == 409, refused.json()
    message = refused.json()["message"]
    assert "too close to the patient's radiation oncology visit at Pavilion" in message
    assert Appointment.objects.filter(patient=alice).count() == 1
