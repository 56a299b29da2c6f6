"""Real-world input at the edges: time zones, local times that do not exist, identifiers
that look alike, impossible birth dates, a referral sent twice. Each refusal is a clear
4xx naming the field, and nothing is written."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import Location
from patients.models import Patient, Referral
from tests.patients.test_api import new_patient, new_referral

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=NY)  # two days after the spring-forward Sunday

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize(
    "zone", ["EST", "MST", "localtime", "UTC", "Etc/GMT+5", "US/Eastern", "GMT", "Mars/Olympus"]
)
def test_it_refuses_a_patient_time_zone_that_is_not_a_region(as_navigator, zone):
    response = as_navigator.post("/api/v1/patients/", new_patient(time_zone=zone))
    assert response.status_code == 400, response.json()
    assert "time_zone" in response.json()["fields"]
    assert "IANA region name" in response.json()["message"]
    assert not Patient.objects.exists()


@pytest.mark.parametrize("zone", ["America/Chicago", "Australia/Adelaide", "Asia/Kolkata"])
def test_it_accepts_canonical_region_names(as_navigator, zone):
    response = as_navigator.post("/api/v1/patients/", new_patient(time_zone=zone))
    assert response.status_code == 201, response.json()


def test_it_refuses_a_location_in_a_fixed_abbreviation_zone(ada):
    from tests.conftest import client_for

    response = client_for(ada).post("/api/v1/locations/", {"name": "Annex", "time_zone": "EST"})
    assert response.status_code == 400, response.json()
    assert "time_zone" in response.json()["fields"]
    assert not Location.objects.filter(name="Annex").exists()


def test_a_local_time_in_the_spring_forward_gap_is_refused_naming_the_field(as_navigator, alice):
    response = as_navigator.post(
        "/api/v1/referrals/", new_referral(alice.pk, received_at="2026-03-08T02:30:00")
    )
    assert response.status_code == 400, response.json()
    assert "received_at" in response.json()["fields"]
    assert "does not exist in America/New_York" in response.json()["message"]
    assert not Referral.objects.exists()


def test_an_ambiguous_local_time_means_the_first_unless_an_offset_is_given(as_navigator, alice):
    first = as_navigator.post(
        "/api/v1/referrals/", new_referral(alice.pk, received_at="2025-11-02T01:30:00")
    )
    assert first.status_code == 201, first.json()
    assert Referral.objects.get().received_at == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    second = as_navigator.post(
        "/api/v1/referrals/",
        new_referral(alice.pk, sites="brain", received_at="2025-11-02T01:30:00-05:00"),
    )
    assert second.status_code == 201, second.json()
    assert Referral.objects.get(sites="brain").received_at == datetime(
        2025, 11, 2, 6, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("mrn", "MRN\u200b-100"),  # zero-width space
        ("mrn", "MRN-\u202e001"),  # right-to-left override
        ("first_name", "Car\u2066la"),  # left-to-right isolate
        ("last_name", "Di\u0000az"),  # NUL
        ("last_name", "Diaz\ufeff"),  # byte-order mark
    ],
)
def test_identifiers_and_names_refuse_invisible_characters(as_navigator, field, value):
    response = as_navigator.post("/api/v1/patients/", new_patient(**{field: value}))
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert "invisible character" in response.json()["message"]
    assert not Patient.objects.exists()


def test_two_mrns_that_look_the_same_are_the_same(as_navigator):
    composed, decomposed = "MRN-\u00c9L", "MRN-E\u0301L"  # É, and E + combining acute
    assert as_navigator.post("/api/v1/patients/", new_patient(mrn=composed)).status_code == 201
    response = as_navigator.post(
        "/api/v1/patients/", new_patient(mrn=decomposed, phone="+16175550198")
    )
    assert response.status_code == 409, response.json()
    assert response.json()["code"] == "duplicate_mrn"
    assert list(Patient.objects.values_list("mrn", flat=True)) == [composed]


def test_a_name_sent_as_a_number_is_refused_as_not_text(as_navigator):
    response = as_navigator.post("/api/v1/patients/", new_patient(first_name=12345))
    assert response.status_code == 400
    assert response.json()["fields"]["first_name"] == ["Must be text (in quotes), not a number."]
    assert not Patient.objects.exists()


@pytest.mark.parametrize(
    ("birth_date", "words"),
    [("0001-01-01", "before 01 January 1900"), ("1899-12-31", "before"), ("2026-03-11", "future")],
)
def test_an_impossible_birth_date_is_refused(as_navigator, birth_date, words):
    response = as_navigator.post("/api/v1/patients/", new_patient(birth_date=birth_date))
    assert response.status_code == 400, response.json()
    assert words in response.json()["fields"]["birth_date"][0]
    assert not Patient.objects.exists()


def test_a_birth_date_of_today_in_the_patients_own_zone_is_accepted(as_navigator):
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=NY), tick=False):
        response = as_navigator.post(
            "/api/v1/patients/",
            new_patient(birth_date="2026-03-11", time_zone="Australia/Adelaide"),
        )
    assert response.status_code == 201, response.json()


def test_an_identical_second_open_referral_is_a_409_naming_the_first(as_navigator, alice):
    first = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk))
    assert first.status_code == 201
    again = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk, pain_score=6))
    assert again.status_code == 409, again.json()
    body = again.json()
    assert body["code"] == "duplicate_referral"
    assert body["existing"] == first.json()["id"]
    assert f"Referral {first.json()['id']}" in body["message"]
    assert Referral.objects.count() == 1


def test_a_referral_for_other_sites_or_after_the_first_closed_is_a_new_one(as_navigator, alice):
    first = as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).json()
    assert (
        as_navigator.post("/api/v1/referrals/", new_referral(alice.pk, sites="brain")).status_code
        == 201
    )
    Referral.objects.filter(pk=first["id"]).update(status=Referral.Status.CLOSED)
    assert as_navigator.post("/api/v1/referrals/", new_referral(alice.pk)).status_code == 201
