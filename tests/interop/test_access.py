"""Who may do what through FHIR, one table: the REST API's roles, unchanged."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.services import VisitRequest, appointment_book
from tests.conftest import client_for
from tests.interop.fhir_check import check

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "outsider", "alice", "bob", "specialist", "navigator", "admin")
# path template -> expected status per persona, in PERSONAS order
MATRIX = {
    "GET metadata": (200, 200, 200, 200, 200, 200, 200),
    "GET Patient/{alice}": (401, 403, 200, 404, 200, 200, 200),
    "GET Patient?identifier=MRN-ALICE": (401, 403, 200, 200, 200, 200, 200),
    "GET Practitioner": (401, 403, 403, 403, 200, 200, 200),
    "GET Practitioner/{surgeon}": (401, 403, 403, 403, 200, 200, 200),
    "GET Location/{tower}": (401, 403, 403, 403, 200, 200, 200),
    "GET Schedule": (401, 403, 403, 403, 200, 200, 200),
    "GET Schedule/{surgeon}": (401, 403, 403, 403, 200, 200, 200),
    "GET Slot?schedule={surgeon}&status=free": (401, 403, 403, 403, 200, 200, 200),
    "GET Appointment/{visit}": (401, 403, 200, 404, 200, 200, 200),
    "GET Appointment/{other_visit}": (401, 403, 404, 200, 404, 200, 200),  # Bob's, elsewhere
    "GET Appointment?patient={alice}": (401, 403, 200, 200, 200, 200, 200),
    "POST Appointment/$find": (401, 403, 403, 403, 403, 400, 400),
    "POST Appointment/$book": (401, 403, 403, 403, 403, 400, 400),
    "DELETE Practitioner/{surgeon}": (401, 403, 403, 403, 403, 405, 405),
}


@pytest.fixture
def clients(olivia, alice, bob, sam, nina, ada, anonymous):
    users = (None, olivia, alice.user, bob.user, sam, nina, ada)
    return dict(zip(PERSONAS, [anonymous, *(client_for(u) for u in users[1:])], strict=True))


def test_the_access_matrix(clients, center, alice, bob, sam, nina):
    surgeon = center.first("neurosurgery")
    surgeon.user = sam
    surgeon.save()
    with time_machine.travel(NOW, tick=False):
        visit = appointment_book(
            patient=alice,
            visit=VisitRequest(clinician=surgeon, start=datetime(2026, 3, 9, 9, tzinfo=NY)),
            by=nina,
            now=NOW,
        )
        other = appointment_book(
            patient=bob,
            visit=VisitRequest(
                clinician=center.first("pain_medicine"), start=datetime(2026, 3, 9, 9, tzinfo=NY)
            ),
            by=nina,
            now=NOW,
        )
    ids = {
        "alice": alice.pk,
        "surgeon": surgeon.pk,
        "tower": center.tower.pk,
        "visit": visit.pk,
        "other_visit": other.pk,
    }
    found = {}
    for row in MATRIX:
        method, path = row.split(" ")
        url = "/fhir/R4/" + path.format(**ids)
        statuses = []
        for persona in PERSONAS:
            body = json.dumps({"resourceType": "Parameters"}) if method == "POST" else None
            response = clients[persona].generic(
                method, url, body or "", content_type="application/fhir+json"
            )
            assert response["Content-Type"].startswith("application/fhir+json"), (row, persona)
            check(response.json())
            statuses.append(response.status_code)
        found[row] = tuple(statuses)
    assert found == MATRIX
