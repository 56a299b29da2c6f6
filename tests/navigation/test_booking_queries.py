"""A booking costs a fixed, small number of queries: a single visit and a plan of three."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from navigation.models import Appointment

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_dump(as_navigator, center, alice, bob):
    clinician = center.first("pain_medicine")
    as_navigator.get("/api/v1/appointments/?patient=%d" % bob.pk)
    with CaptureQueriesContext(connection) as captured:
        response = as_navigator.post(
            "/api/v1/appointments/",
            {"patient": alice.pk, "clinician": clinician.pk, "start": "2026-03-09T10:00:00-04:00"},
        )
    assert response.status_code == 201, response.json()
    with open("/tmp/perf/single.txt", "w") as out:
        for q in captured.captured_queries:
            out.write(q["sql"][:400] + "\n")
    found = as_navigator.post(
        "/api/v1/itineraries/search/",
        {
            "patient": bob.pk,
            "specialties": ["neurosurgery", "radiation_oncology", "pain_medicine"],
            "date_from": "2026-03-10",
            "date_to": "2026-03-13",
        },
    ).json()["options"][0]
    visits = [
        {"clinician": v["clinician"], "start": v["start"], "specialty": v["specialty"]}
        for v in found["visits"]
    ]
    with CaptureQueriesContext(connection) as captured:
        response = as_navigator.post("/api/v1/itineraries/", {"patient": bob.pk, "visits": visits})
    assert response.status_code == 201, response.json()
    with open("/tmp/perf/plan.txt", "w") as out:
        for q in captured.captured_queries:
            out.write(q["sql"][:400] + "\n")
    assert Appointment.objects.count() == 4
