"""The patients and referrals API as a navigator, a specialist and patients use it."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import Appointment
from patients.models import Patient, Referral

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 17, 30, tzinfo=NY)  # a Friday evening, two days before DST

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def new_patient(**overrides):
    return {
        "mrn": "MRN-100",
        "first_name": "Carla",
        "last_name": "Diaz",
        "birth_date": "1958-02-11",
        "phone": "+16175550199",
        "email": "carla@example.org",
        "time_zone": "America/Chicago",
        **overrides,
    }


def new_referral(patient_id, **overrides):
    return {
        "patient": patient_id,
        "referring_oncologist": "Dr. Helen Park",
        "primary_cancer": "breast",
        "sites": "spine",
        "pain_score": 4,
        **overrides,
    }


def test_it_creates_a_patient_with_an_e164_phone(as_navigator):
    response = as_navigator.post("/api/v1/patients/", new_patient(phone="(617) 555-0199"))
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "+16175550199"
    assert Patient.objects.get(mrn="MRN-100").time_zone == "America/Chicago"


def test_it_refuses_a_duplicate_mrn_with_409(as_navigator, alice):
    response = as_navigator.post("/api/v1/patients/", new_patient(mrn=alice.mrn))
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_mrn"
    assert "mrn" in response.json()["fields"]
    assert Patient.objects.filter(mrn=alice.mrn).count() == 1


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("time_zone", "Mars/Olympus", "time zone"),
        ("phone", "12345", "valid phone number"),
        ("birth_date", "2030-01-01", "future"),
        ("nickname", "Cee", "not part of this request"),
    ],
)
def test_it_explains_bad_patient_fields_and_saves_nothing(as_navigator, field, value, words):
    response = as_navigator.post("/api/v1/patients/", new_patient(**{field: value}))
    assert response.status_code == 400
    body = response.json()
    assert field in body["fields"]
    assert words in body["message"]
    assert not Patient.objects.exists()


def test_it_triages_a_referral_on_intake(as_navigator, alice):
    response = as_navigator.post(
        "/api/v1/referrals/",
        new_referral(
            alice.pk,
            sins_location="junctional",
            sins_pain="mechanical",
            sins_lesion="lytic",
            sins_alignment="normal",
            sins_collapse="under_50",
            sins_posterolateral="unilateral",
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["urgency"] == "urgent"
    assert body["sins"] == {"value": 11, "category": "potentially unstable"}
    assert "mechanical pain" in body["urgency_reason"]
    # 72 real hours from Friday 17:30 EST is Monday 18:30 EDT.
    due = datetime.fromisoformat(body["consult_due_at"])
    assert due == datetime(2026, 3, 9, 18, 30, tzinfo=NY)
    assert body["time_left_seconds"] == 72 * 3600
    assert body["sla_status"] == "on_track"


def test_it_makes_an_emergency_due_in_24_hours(as_navigator, alice, frozen):
    response = as_navigator.post(
        "/api/v1/referrals/", new_referral(alice.pk, neuro_status="new_deficit", weakness=True)
    )
    body = response.json()
    assert body["urgency"] == "emergency"
    assert datetime.fromisoformat(body["consult_due_at"]) == NOW + timedelta(hours=24)
    assert body["sla_status"] == "on_track"
    # At risk with under a third of its window left: 8 h of 24 (PRODUCT.md, "Rules settled").
    frozen.shift(timedelta(hours=16))
    assert as_navigator.get(f"/api/v1/referrals/{body['id']}/").json()["sla_status"] == "on_track"
    frozen.shift(timedelta(seconds=1))
    assert as_navigator.get(f"/api/v1/referrals/{body['id']}/").json()["sla_status"] == "at_risk"


def test_it_never_lets_urgency_be_typed(as_navigator, alice):
    response = as_navigator.post(
        "/api/v1/referrals/", new_referral(alice.pk, urgency="routine", neuro_status="new_deficit")
    )
    assert response.status_code == 400
    assert "urgency" in response.json()["fields"]


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("pain_score", 11, "0 (none) to 10"),
        ("pain_score", -1, "0 (none) to 10"),
        ("sins_location", "lumbar", "is not one of: junctional"),
        ("bilsky_grade", "4", "is not one of"),
        ("received_at", "2026-03-07T09:00:00-05:00", "future"),
        ("primary_cancer", "brain", "is not one of"),
    ],
)
def test_it_explains_bad_referral_fields_and_saves_nothing(
    as_navigator, alice, field, value, words
):
    response = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk, **{field: value}))
    assert response.status_code == 400
    body = response.json()
    assert body["fields"].get(field), body
    assert words in body["message"]
    assert not Referral.objects.exists()


def test_it_retriages_when_the_picture_changes(as_navigator, alice):
    created = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).json()
    assert created["urgency"] == "routine"
    response = as_navigator.patch(f"/api/v1/referrals/{created['id']}/", {"suspected_mescc": True})
    assert response.status_code == 200
    assert response.json()["urgency"] == "emergency"


def test_the_sla_moves_from_on_track_to_at_risk_to_breached(as_navigator, alice, frozen):
    referral_id = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).json()["id"]
    frozen.shift(timedelta(hours=48))
    assert as_navigator.get(f"/api/v1/referrals/{referral_id}/").json()["sla_status"] == "on_track"
    frozen.shift(timedelta(seconds=1))
    assert as_navigator.get(f"/api/v1/referrals/{referral_id}/").json()["sla_status"] == "at_risk"
    frozen.shift(timedelta(hours=24))
    body = as_navigator.get(f"/api/v1/referrals/{referral_id}/").json()
    assert body["sla_status"] == "breached"
    assert body["time_left_seconds"] == -1


def test_it_filters_by_urgency_and_sla_and_orders_by_deadline(as_navigator, alice, bob, frozen):
    as_navigator.post("/api/v1/referrals/", new_referral(alice.pk))
    frozen.shift(timedelta(hours=2))
    as_navigator.post("/api/v1/referrals/", new_referral(bob.pk, suspected_mescc=True))
    frozen.shift(timedelta(hours=16, minutes=1))  # the emergency has under 8 of its 24 h left
    listed = as_navigator.get("/api/v1/referrals/").json()["results"]
    assert [r["urgency"] for r in listed] == ["emergency", "routine"]
    at_risk = as_navigator.get("/api/v1/referrals/?sla_status=at_risk").json()["results"]
    assert [r["patient"] for r in at_risk] == [bob.pk]
    routine = as_navigator.get("/api/v1/referrals/?urgency=routine").json()["results"]
    assert [r["patient"] for r in routine] == [alice.pk]
    newest_first = as_navigator.get("/api/v1/referrals/?ordering=-received_at").json()["results"]
    assert [r["patient"] for r in newest_first] == [bob.pk, alice.pk]


def test_a_patient_sees_only_their_own(as_navigator, as_alice, alice, bob):
    mine = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).json()["id"]
    theirs = as_navigator.post("/api/v1/referrals/", new_referral(bob.pk)).json()["id"]
    assert [r["id"] for r in as_alice.get("/api/v1/referrals/").json()["results"]] == [mine]
    assert as_alice.get(f"/api/v1/referrals/{theirs}/").status_code == 404
    assert as_alice.get(f"/api/v1/patients/{bob.pk}/").status_code == 404
    assert [p["mrn"] for p in as_alice.get("/api/v1/patients/").json()["results"]] == [alice.mrn]


def test_a_specialist_reads_only_the_patients_the_pages_show_them(
    as_navigator, as_specialist, sam, center, alice, bob
):
    clinician = center.first("radiation_oncology")
    clinician.user = sam
    clinician.save()
    start = NOW + timedelta(days=3)
    Appointment.objects.create(
        patient=alice,
        clinician=clinician,
        location=center.tower,
        specialty=clinician.specialty,
        start=start,
        end=start + timedelta(minutes=45),
    )
    mine = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).json()["id"]
    theirs = as_navigator.post("/api/v1/referrals/", new_referral(bob.pk)).json()["id"]
    assert [p["mrn"] for p in as_specialist.get("/api/v1/patients/").json()["results"]] == [
        alice.mrn
    ]
    assert as_specialist.get(f"/api/v1/patients/{bob.pk}/").status_code == 404
    assert as_specialist.get(f"/api/v1/patients/{bob.pk}/contacts/").status_code == 404
    assert [r["id"] for r in as_specialist.get("/api/v1/referrals/").json()["results"]] == [mine]
    assert as_specialist.get(f"/api/v1/referrals/{theirs}/").status_code == 404
    assert as_specialist.get("/fhir/R4/Patient", {"identifier": "MRN-BOB"}).json()["total"] == 0


def test_only_navigators_and_admins_take_referrals(
    as_specialist, as_alice, as_outsider, anonymous, alice
):
    assert as_specialist.get("/api/v1/referrals/").status_code == 200
    assert as_specialist.post("/api/v1/referrals/", new_referral(alice.pk)).status_code == 403
    assert as_alice.post("/api/v1/referrals/", new_referral(alice.pk)).status_code == 403
    assert as_outsider.get("/api/v1/referrals/").status_code == 403
    assert anonymous.get("/api/v1/referrals/").status_code == 401


def test_consent_to_texts_without_a_phone_is_refused_naming_the_phone(as_navigator):
    response = as_navigator.post("/api/v1/patients/", new_patient(phone="", sms_consent=True))
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["phone"]
    assert not Patient.objects.exists()
