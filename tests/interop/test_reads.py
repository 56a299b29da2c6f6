"""Reads through FHIR: the CapabilityStatement, Patient, Practitioner, Location, Schedule;
the REST API's roles and audit."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.conftest import client_for, make_user
from tests.interop.fhir_check import ok, outcome_of
from tumorboard.audit import AuditEvent

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)
SITE = "https://tumorboard.example.org"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_anyone_may_read_what_the_server_supports(anonymous):
    statement = ok(anonymous.get("/fhir/R4/metadata"))
    assert statement["fhirVersion"] == "4.0.1"
    (rest,) = statement["rest"]
    served = {r["type"]: r for r in rest["resource"]}
    assert set(served) == {
        *("Appointment", "Device", "Location", "Patient", "Practitioner", "Schedule", "Slot"),
        *("ServiceRequest", "PractitionerRole"),
    }
    assert [op["name"] for op in served["Appointment"]["operation"]] == ["find", "hold", "book"]


def test_every_search_parameter_it_lists_is_accepted_and_no_other(as_navigator, anonymous):
    example = {"reference": "1", "date": "ge2026-03-09", "token": "1", "number": "1"}
    rest = anonymous.get("/fhir/R4/metadata").json()["rest"][0]
    for resource in rest["resource"]:
        if "searchParam" not in resource:
            assert as_navigator.get(f"/fhir/R4/{resource['type']}").status_code == 404
            continue
        for param in resource["searchParam"]:
            status = {"Slot": "free", "ServiceRequest": "active", "Device": "active"}.get(
                resource["type"], "booked"
            )
            tokens = {"status": status, "type": "mri_3t"}  # Device type: a machine type code
            value = tokens.get(param["name"], example[param["type"]])
            response = as_navigator.get(f"/fhir/R4/{resource['type']}", {param["name"]: value})
            ok(response)
        response = as_navigator.get(f"/fhir/R4/{resource['type']}", {"name": "x"})
        assert "Unknown search parameter “name”" in outcome_of(response, 400, "invalid")


@pytest.mark.parametrize(
    "path",
    ["Patient/1", "Patient", "Practitioner", "Schedule", "Slot", "Appointment", "Location/1"],
)
def test_without_a_token_it_asks_to_log_in(anonymous, path):
    response = anonymous.get(f"/fhir/R4/{path}")
    outcome_of(response, 401, "login")
    assert response["WWW-Authenticate"].startswith("Bearer")  # SMART first; Token works too


def test_an_expired_or_made_up_token_is_refused(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    outcome_of(anonymous.get("/fhir/R4/Practitioner"), 401, "login")


def test_someone_with_no_role_is_forbidden(as_outsider):
    outcome_of(as_outsider.get("/fhir/R4/Practitioner"), 403, "forbidden")


def test_a_patient_reads_their_own_record_and_the_read_is_audited(as_alice, alice):
    patient = ok(as_alice.get(f"/fhir/R4/Patient/{alice.pk}"))
    assert patient["name"] == [{"use": "official", "family": "Archer", "given": ["Alice"]}]
    assert patient["birthDate"] == "1961-04-02"
    assert patient["identifier"][0]["value"] == "MRN-ALICE"
    assert "telecom" not in patient and "gender" not in patient  # minimal demographics
    event = AuditEvent.objects.get()
    assert (event.username, event.action, event.patient_ids) == ("alice", "read", [alice.pk])
    assert event.path == f"/fhir/R4/Patient/{alice.pk}"


def test_a_patient_cannot_see_another_patient(as_alice, bob):
    outcome_of(as_alice.get(f"/fhir/R4/Patient/{bob.pk}"), 404, "not-found")
    assert ok(as_alice.get("/fhir/R4/Patient", {"identifier": "MRN-BOB"}))["total"] == 0
    assert not AuditEvent.objects.exists()


def test_a_patient_sees_no_clinic_schedules(as_alice, center):
    for path in ("Practitioner", "Schedule", "Slot", f"Location/{center.tower.pk}"):
        outcome_of(as_alice.get(f"/fhir/R4/{path}"), 403, "forbidden")


def test_staff_find_a_patient_by_mrn(as_navigator, alice, bob):
    base = f"{SITE}/fhir/R4/"  # SITE_URL, whatever host the client asked
    bundle = ok(as_navigator.get("/fhir/R4/Patient", {"identifier": "MRN-BOB"}))
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(bob.pk)]
    scoped = ok(
        as_navigator.get("/fhir/R4/Patient", {"identifier": f"{base}NamingSystem/mrn|MRN-BOB"})
    )
    assert scoped["total"] == 1
    other = ok(as_navigator.get("/fhir/R4/Patient", {"identifier": "urn:other|MRN-BOB"}))
    assert other["total"] == 0
    # Two searches found Bob and are audited; the one that found nobody is not.
    assert [e.patient_ids for e in AuditEvent.objects.all()] == [[bob.pk], [bob.pk]]


def test_a_practitioner_role_carries_the_specialty_coding_not_the_qualification(
    as_navigator, center
):
    surgeon = center.first("neurosurgery")
    practitioner = ok(as_navigator.get(f"/fhir/R4/Practitioner/{surgeon.pk}"))
    assert "qualification" not in practitioner
    assert practitioner["name"] == [{"text": "Dr. Nora Reyes"}]
    role = ok(as_navigator.get(f"/fhir/R4/PractitionerRole/{surgeon.pk}"))
    assert role["practitioner"]["reference"] == f"Practitioner/{surgeon.pk}"
    assert {"system": "http://snomed.info/sct", "code": "394610002"} in role["specialty"][0][
        "coding"
    ]
    found = ok(
        as_navigator.get(
            "/fhir/R4/PractitionerRole",
            {"specialty": "http://snomed.info/sct|394610002", "location": center.tower.pk},
        )
    )
    assert {e["resource"]["practitioner"]["display"] for e in found["entry"]} == {
        "Dr. Nora Reyes",
        "Dr. Paul Singh",
    }


def test_practitioners_are_searched_by_specialty_in_either_code_system(as_navigator, center):
    by_snomed = ok(
        as_navigator.get("/fhir/R4/Practitioner", {"specialty": "http://snomed.info/sct|394610002"})
    )
    by_ours = ok(as_navigator.get("/fhir/R4/Practitioner", {"specialty": "neurosurgery"}))
    names = {e["resource"]["name"][0]["text"] for e in by_snomed["entry"]}
    assert names == {"Dr. Nora Reyes", "Dr. Paul Singh"}
    assert by_ours["entry"] == by_snomed["entry"]


def test_each_clinician_has_one_schedule(as_navigator, center):
    bundle = ok(as_navigator.get("/fhir/R4/Schedule"))
    assert bundle["total"] == len(center.clinicians)
    surgeon = center.first("spine_surgery")
    (entry,) = ok(as_navigator.get("/fhir/R4/Schedule", {"actor": f"Practitioner/{surgeon.pk}"}))[
        "entry"
    ]
    schedule = entry["resource"]
    assert entry["fullUrl"] == f"http://testserver/fhir/R4/Schedule/{surgeon.pk}"
    assert schedule["actor"][0]["reference"] == f"Practitioner/{surgeon.pk}"
    assert ok(as_navigator.get(f"/fhir/R4/Schedule/{surgeon.pk}")) == schedule
    location = ok(as_navigator.get(f"/fhir/R4/{schedule['actor'][1]['reference']}"))
    assert location["name"] == "Tower"


def test_pages_link_to_the_next_until_the_last(as_navigator, center):
    seen, url, pages = [], "/fhir/R4/Practitioner?_count=4", 0
    while url:
        bundle = ok(as_navigator.get(url))
        assert bundle["total"] == len(center.clinicians)
        seen += [e["resource"]["id"] for e in bundle["entry"]]
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        url, pages = links.get("next"), pages + 1
    assert pages == 3
    assert sorted(seen, key=int) == sorted((str(c.pk) for c in center.clinicians.values()), key=int)


def test_a_bad_page_size_is_named(as_navigator):
    assert "_count" in outcome_of(
        as_navigator.get("/fhir/R4/Practitioner?_count=-1"), 400, "invalid"
    )


def test_a_specialist_reads_but_may_not_find_or_book(as_specialist, center):
    ok(as_specialist.get("/fhir/R4/Slot"))
    outcome_of(as_specialist.post("/fhir/R4/Appointment/$find", {}), 403, "forbidden")
    outcome_of(as_specialist.post("/fhir/R4/Appointment/$book", {}), 403, "forbidden")


def test_an_admin_reads_everything(ada, alice):
    ok(client_for(ada).get(f"/fhir/R4/Patient/{alice.pk}"))


def test_what_it_does_not_serve_is_an_operation_outcome(as_navigator):
    outcome_of(as_navigator.get("/fhir/R4/Observation/1"), 404, "not-supported")
    outcome_of(as_navigator.get("/fhir/R4/Patient/abc"), 404, "not-found")
    outcome_of(as_navigator.delete("/fhir/R4/Practitioner/1"), 405, "not-supported")
    outcome_of(as_navigator.options("/fhir/R4/Practitioner"), 405, "not-supported")


def test_a_clinician_with_a_login_is_still_only_a_specialist(center):
    user = make_user("ruth", "specialist")
    outcome_of(client_for(user).post("/fhir/R4/Appointment/$book", {}), 403, "forbidden")
