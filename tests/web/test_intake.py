"""Registering a patient and taking a referral in the pages: the API's rules, the
problem beside the field, what was typed kept, nothing saved twice."""

from datetime import timedelta

import pytest

from notifications.models import Message
from patients.models import Patient, Referral
from tests.web.conftest import NOW, frozen_at, logged_in

pytestmark = pytest.mark.django_db

PATIENT = {
    "mrn": "MRN-7001",
    "first_name": "Petra",
    "last_name": "Novak",
    "birth_date": "1958-04-12",
    "phone": "+16175550177",
    "email": "",
    "preferred_language": "en",
    "sms_consent": "on",
}
REFERRAL = {
    "referring_oncologist": "Dr. Helen Park",
    "received_at": "2026-03-02T06:30",
    "primary_cancer": "prostate",
    "sites": "spine",
    "pain_score": "3",
    "neuro_status": "intact",
}


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(NOW) as traveller:
        yield traveller


def test_it_registers_a_patient_and_goes_on_to_the_referral(nina):
    response = logged_in(nina).post("/patients/new/", PATIENT | {"form_token": "t1"})
    patient = Patient.objects.get(mrn="MRN-7001")
    assert response.status_code == 302
    assert response["Location"] == f"/referrals/new/?patient={patient.pk}"
    assert str(patient.phone) == "+16175550177"
    assert patient.sms_consent


def test_it_shows_a_wrong_phone_and_a_taken_mrn_beside_their_fields_and_saves_nothing(nina, alice):
    client = logged_in(nina)
    response = client.post("/patients/new/", PATIENT | {"phone": "12345", "mrn": alice.mrn})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Enter a valid phone number in international format" in page
    assert 'id="id_phone-error"' in page
    assert 'value="Petra"' in page  # what was typed is kept
    assert Patient.objects.count() == 1  # alice only
    response = client.post("/patients/new/", PATIENT | {"mrn": alice.mrn})
    assert response.status_code == 409
    assert f"A patient with MRN {alice.mrn} already exists." in response.content.decode()
    assert not Patient.objects.filter(first_name="Petra").exists()


def test_a_double_click_registers_one_patient(nina):
    client = logged_in(nina)
    first = client.post("/patients/new/", PATIENT | {"form_token": "same"})
    second = client.post("/patients/new/", PATIENT | {"form_token": "same"})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Patient.objects.filter(mrn="MRN-7001").count() == 1


def test_it_takes_a_referral_and_a_new_patient_together_or_neither(nina):
    client = logged_in(nina)
    future = (NOW + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    data = {f"patient-{k}": v for k, v in PATIENT.items()} | REFERRAL
    response = client.post("/referrals/new/", data | {"received_at": future})
    assert response.status_code == 400
    assert "The referral cannot be received in the future." in response.content.decode()
    assert not Patient.objects.filter(mrn="MRN-7001").exists()
    response = client.post("/referrals/new/", data | {"form_token": "r1"})
    referral = Referral.objects.get(patient__mrn="MRN-7001")
    assert response["Location"] == f"/referrals/{referral.pk}/"
    assert referral.received_at == NOW - timedelta(minutes=30)  # typed in clinic time
    assert referral.urgency == "routine"
    again = client.post("/referrals/new/", data | {"form_token": "r1"})
    assert again["Location"] == response["Location"]
    assert Referral.objects.count() == 1


def test_an_emergency_referral_for_a_known_patient_pages_the_on_call(nina, alice, center):
    surgeon = center.first("neurosurgery")
    surgeon.on_call, surgeon.email = True, "on-call@center.example"
    surgeon.save()
    data = REFERRAL | {"sites": "brain", "mass_effect": "on", "brain_symptomatic": "on"}
    response = logged_in(nina).post("/referrals/new/", data | {"patient": alice.pk})
    referral = Referral.objects.get(patient=alice)
    assert response.status_code == 302
    assert referral.urgency == "emergency"
    assert Message.objects.filter(template="emergency_page", to="on-call@center.example").exists()


def test_the_referral_page_shows_how_to_reach_the_patient(nina, alice):
    data = REFERRAL | {"patient": alice.pk}
    logged_in(nina).post("/referrals/new/", data)
    referral = Referral.objects.get(patient=alice)
    page = logged_in(nina).get(f"/referrals/{referral.pk}/").content.decode()
    assert f'href="tel:{alice.phone}"' in page
    assert alice.birth_date.strftime("%-d %b %Y") in page


@pytest.mark.parametrize(
    "text", ["Archer", "alice archer", "mrn-alice", "1961-04-02", "617-555-0111"]
)
def test_it_finds_a_patient_by_name_mrn_birth_date_or_phone(nina, alice, bob, text):
    page = logged_in(nina).get("/patients/", {"q": text}).content.decode()
    assert "Alice Archer" in page
    assert "Bob Baker" not in page
