"""`Appointment/$hold` (IHE ITI-116) as SMART Backend Services clients use it: a held
proposal is taken for everyone else, is booked by its holder only, and lapses after
HOLD_MINUTES; each refusal is an OperationOutcome naming the proposal's hold."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import Appointment, Hold
from tests.interop.fhir_check import check, ok, outcome_of
from tests.interop.smart_client import SmartClient

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)
T = int(NOW.timestamp())
SCOPES = "system/Patient.r system/Appointment.cruds"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def ehr_client(tmp_path):
    return SmartClient(tmp_path, SCOPES).login(now=T, scope=SCOPES)


@pytest.fixture
def ehr(tmp_path, db):
    return ehr_client(tmp_path)


@pytest.fixture
def other_ehr(tmp_path, db):
    return ehr_client(tmp_path)


def operation(client, name: str, *parameter):
    body = {"resourceType": "Parameters", "parameter": list(parameter)}
    return client.post(
        f"/fhir/R4/Appointment/${name}", json.dumps(body), content_type="application/fhir+json"
    )


def reference(proposal: dict) -> dict:
    return {
        "name": "appointment-reference",
        "valueReference": {"reference": f"Appointment/{proposal['id']}"},
    }


def find(client, patient) -> dict:
    query = {
        "patient-reference": f"Patient/{patient.pk}",
        "start": "2026-03-09",
        "end": "2026-03-13",
        "specialty": ["neurosurgery", "radiation_oncology"],
        "_count": "1",
    }
    return ok(client.get("/fhir/R4/Appointment/$find", query))["entry"][0]["resource"]


def fatal_not_found(response) -> str:
    """The IG's refusal of a hold: 409, one issue, fatal not-found."""
    assert response.status_code == 409, response.content
    (issue,) = check(response.json())["issue"]
    assert (issue["severity"], issue["code"]) == ("fatal", "not-found")
    return issue["diagnostics"]


def test_a_held_proposal_is_pending_and_taken_for_everyone_else(ehr, other_ehr, center, alice):
    proposal = find(ehr, alice)
    held = ok(operation(ehr, "hold", reference(proposal)))
    entry, note = held["entry"]
    assert (entry["resource"]["id"], entry["resource"]["status"]) == (proposal["id"], "pending")
    assert note["resource"]["issue"][0]["diagnostics"].startswith("Held until 2026-03-06T23:55:00Z")
    again = ok(operation(ehr, "hold", reference(proposal)))  # the holder asks twice
    assert again["entry"][0]["resource"]["status"] == "pending"
    assert Hold.objects.count() == 1

    text = fatal_not_found(operation(other_ehr, "hold", reference(proposal)))
    assert f"Appointment/{proposal['id']} is held by another client until" in text
    refused = operation(other_ehr, "book", reference(proposal))
    assert "only that client can book it" in outcome_of(refused, 409, "conflict")
    assert not Appointment.objects.filter(status="booked").exists()

    booked = ok(operation(ehr, "book", reference(proposal)))
    assert {e["resource"]["status"] for e in booked["entry"]} == {"booked"}
    assert Hold.objects.get().status == "confirmed"


def test_a_book_after_the_hold_expired_is_a_409_naming_the_hold(
    ehr, center, alice, frozen, settings
):
    settings.HOLD_MINUTES = 2  # shorter than the access token's 5 minutes
    proposal = find(ehr, alice)
    ok(operation(ehr, "hold", reference(proposal)))
    hold = Hold.objects.get()
    frozen.shift(3 * 60)
    late = outcome_of(operation(ehr, "book", reference(proposal)), 409, "conflict")
    assert late == (
        f"Appointment/{proposal['id']} was held until 2026-03-06T23:47:00Z (hold {hold.pk}); "
        f"the hold expired, its time was freed and nothing was booked. Run $find again."
    )
    assert not Appointment.objects.filter(status="booked").exists()


def test_time_taken_since_find_cannot_be_held(ehr, other_ehr, center, alice):
    proposal = find(ehr, alice)
    ok(operation(other_ehr, "book", reference(proposal)))  # booked by the other client
    text = fatal_not_found(operation(ehr, "hold", reference(proposal)))
    assert "was booked already" in text


def test_cancelling_a_held_proposal_frees_its_time(ehr, center, alice):
    proposal = find(ehr, alice)
    ok(operation(ehr, "hold", reference(proposal)))
    cancel = {
        "name": "appointment-resource",
        "resource": {**proposal, "status": "cancelled"},
    }
    cancelled = ok(operation(ehr, "book", cancel))
    assert cancelled["entry"][0]["resource"]["status"] == "cancelled"
    assert not Appointment.objects.exists() and Hold.objects.get().status == "released"


def test_hold_takes_only_a_proposal_reference(ehr, center, alice):
    response = operation(ehr, "hold", {"name": "appointment-resource", "resource": {}})
    assert "this operation takes appointment-reference" in outcome_of(response, 400, "invalid")
    response = operation(
        ehr, "hold", {"name": "appointment-reference", "valueString": "Appointment/4"}
    )
    assert "only proposals can be held" in outcome_of(response, 400, "invalid")
    response = operation(
        ehr, "hold", {"name": "appointment-reference", "valueReference": {"display": "mine"}}
    )
    diagnostics = outcome_of(response, 400, "invalid")
    assert "needs a reference such as Appointment/12" in diagnostics
