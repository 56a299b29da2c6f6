"""Hostile or careless input: clear errors, nothing saved."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from patients.models import Patient, Referral

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 17, 30, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_body_over_a_megabyte_is_refused(as_navigator, alice):
    response = as_navigator.post(
        "/api/v1/referrals/",
        {
            "patient": alice.pk,
            "referring_oncologist": "Dr. Park",
            "primary_cancer": "lung",
            "sites": "brain",
            "symptoms": "x" * (1024 * 1024 + 1),
        },
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not Referral.objects.exists()


def test_no_page_is_longer_than_200_rows(as_navigator, db):
    Patient.objects.bulk_create(
        Patient(mrn=f"M{i}", first_name="A", last_name="B", birth_date="1950-01-01")
        for i in range(250)
    )
    body = as_navigator.get("/api/v1/patients/?limit=100000").json()
    assert body["count"] == 250
    assert len(body["results"]) == 200


@pytest.mark.parametrize(
    ("path", "body", "field", "words"),
    [
        (
            "/api/v1/referrals/",
            {"received_at": "2024-01-01T09:00:00-05:00"},
            "received_at",
            "more than a year ago",
        ),
        (
            "/api/v1/itineraries/search/",
            {"date_from": "2026-01-05", "date_to": "2026-01-09"},
            "date_from",
            "in the past",
        ),
        (
            "/api/v1/itineraries/search/",
            {"date_from": "2027-04-05", "date_to": "2027-04-09"},
            "date_to",
            "a year ahead",
        ),
        (
            "/api/v1/appointments/",
            {"start": "2027-06-07T09:00:00-04:00"},
            "start",
            "more than a year ahead",
        ),
    ],
)
def test_dates_far_in_the_past_or_future_are_refused_with_a_reason(
    as_navigator, center, alice, path, body, field, words
):
    defaults = {
        "/api/v1/referrals/": {
            "patient": alice.pk,
            "referring_oncologist": "Dr. Park",
            "primary_cancer": "lung",
            "sites": "brain",
        },
        "/api/v1/itineraries/search/": {
            "patient": alice.pk,
            "specialties": ["neurosurgery", "pain_medicine"],
        },
        "/api/v1/appointments/": {
            "patient": alice.pk,
            "clinician": center.first("pain_medicine").pk,
        },
    }[path]
    response = as_navigator.post(path, {**defaults, **body})
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert words in response.json()["message"]
