"""IHE ITI Scheduling as a client written to the IG uses it: an EHR, authenticated with
SMART Backend Services and knowing nothing of our REST API, posts the patient and the
referral, finds options with the IG's parameter names (GET and POST), holds one and books
it by reference, reads it back, and cancels it; the booking leaves as an SIU^S12 the hospital's
MLLP listener ACKs. And the findings of issue 17, one test each."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from interop.models import Proposal
from navigation.models import Appointment
from notifications.models import Message
from notifications.services import messages_send
from patients.models import Patient, Referral
from tests.interop.fhir_check import check, ok, outcome_of
from tests.interop.mllp_listener import Listener
from tests.interop.smart_client import SmartClient

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)
T = int(NOW.timestamp())
SITE = "https://tumorboard.example.org"
BASE = f"{SITE}/fhir/R4/"
FHIR = "application/fhir+json"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ehr(tmp_path, db):
    client = SmartClient(
        tmp_path, "system/Patient.cr system/ServiceRequest.cr system/Appointment.cruds"
    )
    return client.login(
        now=T, scope="system/Patient.cr system/ServiceRequest.cr system/Appointment.cruds"
    )


def post(client, path, body, **headers):
    return client.post(f"/fhir/R4/{path}", json.dumps(body), content_type=FHIR, **headers)


def finding(code, **value):
    return {
        "resourceType": "Observation",
        "id": code.replace("_", "-"),
        "status": "final",
        "code": {"coding": [{"system": f"{BASE}CodeSystem/referral-finding", "code": code}]},
        **value,
    }


PATIENT = {
    "resourceType": "Patient",
    "identifier": [{"system": f"{BASE}NamingSystem/mrn", "value": "MRN-EHR-1"}],
    "name": [{"family": "Ehrlich", "given": ["Eva"]}],
    "birthDate": "1958-05-01",
}


def referral_for(patient_id, **extra):
    return {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{patient_id}"},
        "requester": {"display": "Dr. Referring Oncologist"},
        "contained": [
            finding("primary_cancer", valueCodeableConcept={"coding": [{"code": "lung"}]}),
            finding("sites", valueString="brain"),
            finding("pain_score", valueInteger=2),
        ],
        "supportingInfo": [
            {"reference": "#primary-cancer"},
            {"reference": "#sites"},
            {"reference": "#pain-score"},
        ],
        **extra,
    }


def test_an_ihe_client_posts_a_referral_finds_holds_books_reads_and_cancels(ehr, center, settings):
    listener = Listener().start()
    settings.HL7_MLLP_ENDPOINT = listener.endpoint
    try:
        created = post(ehr, "Patient", PATIENT, HTTP_IF_NONE_EXIST="identifier=MRN-EHR-1")
        patient = ok(created, 201)
        assert created["Location"].endswith(f"Patient/{patient['id']}")
        again = ok(post(ehr, "Patient", PATIENT, HTTP_IF_NONE_EXIST="identifier=MRN-EHR-1"))
        assert again["id"] == patient["id"] and Patient.objects.count() == 1
        order = ok(post(ehr, "ServiceRequest", referral_for(patient["id"])), 201)
        referral = Referral.objects.get(pk=order["id"])
        assert referral.sites == "brain" and referral.urgency == order_urgency(order)

        found = ok(
            ehr.get(
                "/fhir/R4/Appointment/$find",
                {
                    "start": "2026-03-09",
                    "end": "2026-03-13T20:00:00-04:00",
                    "patient-reference": f"Patient/{patient['id']}",
                    "referral-identifier": order["id"],
                    "_count": "3",
                },
            )
        )
        assert found["type"] == "searchset" and found["total"] == 3
        proposal = found["entry"][0]["resource"]
        # the referral's case (brain) suggests neurosurgery, radiation oncology, palliative
        codes = {c["coding"][0]["code"] for c in proposal["specialty"]}
        assert codes == {"neurosurgery", "radiation_oncology", "palliative_care"}
        assert proposal["requestedPeriod"] == [{"start": "2026-03-09", "end": "2026-03-13"}]
        assert any(p["actor"]["reference"].startswith("Location/") for p in proposal["participant"])

        reference = {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "appointment-reference",
                    "valueReference": {"reference": f"Appointment/{proposal['id']}"},
                }
            ],
        }
        held = ok(post(ehr, "Appointment/$hold", reference))
        assert held["type"] == "searchset"
        (pending,) = [e["resource"] for e in held["entry"] if e["search"]["mode"] == "match"]
        assert (pending["id"], pending["status"]) == (proposal["id"], "pending")
        assert Appointment.objects.filter(status="held").count() == 3  # taken for others

        booked = ok(post(ehr, "Appointment/$book", reference))
        assert booked["type"] == "searchset"
        visits = [e["resource"] for e in booked["entry"]]
        assert {v["status"] for v in visits} == {"booked"} and len(visits) == 3
        assert all(
            {"system": f"{BASE}NamingSystem/proposal", "value": proposal["id"]} in v["identifier"]
            for v in visits
        )
        first = visits[0]
        assert ok(ehr.get(f"/fhir/R4/Appointment/{first['id']}")) == first
        by_identifier = ok(
            ehr.get("/fhir/R4/Appointment", {"identifier": first["identifier"][0]["value"]})
        )
        assert [e["resource"]["id"] for e in by_identifier["entry"]] == [first["id"]]

        twice = post(
            ehr,
            "Appointment/$book",
            {
                "resourceType": "Parameters",
                "parameter": [
                    {
                        "name": "appointment-reference",
                        "valueString": f"Appointment/{proposal['id']}",
                    }
                ],
            },
        )
        assert "booked already" in outcome_of(twice, 409, "conflict")

        cancelled = ok(
            post(
                ehr,
                "Appointment/$book",
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {
                            "name": "appointment-resource",
                            "resource": {**first, "status": "cancelled"},
                        }
                    ],
                },
            )
        )
        assert cancelled["entry"][0]["resource"]["status"] == "cancelled"
        second = visits[1]
        patched = ehr.patch(
            f"/fhir/R4/Appointment/{second['id']}",
            json.dumps([{"op": "replace", "path": "/status", "value": "cancelled"}]),
            content_type="application/json-patch+json",
        )
        assert ok(patched)["status"] == "cancelled"
        third = visits[2]
        put = ehr.put(
            f"/fhir/R4/Appointment/{third['id']}",
            json.dumps({**third, "status": "cancelled"}),
            content_type=FHIR,
        )
        assert ok(put)["status"] == "cancelled"

        rows = Message.objects.filter(channel="hl7").order_by("id")
        messages_send(ids=[m.pk for m in rows], now=NOW)
        events = [str(m.segment("MSH")[9]).split("^")[1] for m in listener.received]
        assert events == ["S12", "S12", "S12", "S15", "S15", "S15"]
        assert all(m.status == "sent" for m in rows.all())
    finally:
        listener.stop()


def order_urgency(order):
    return {"stat": "emergency", "urgent": "urgent", "routine": "routine"}[order["priority"]]


def test_a_referral_from_the_ehr_is_triaged_like_one_taken_in_the_browser(ehr, alice):
    body = referral_for(
        alice.pk,
        contained=[
            finding("primary_cancer", valueCodeableConcept={"coding": [{"code": "breast"}]}),
            finding("sites", valueString="spine"),
            finding("suspected_mescc", valueBoolean=True),
            finding("neuro_status", valueString="progressing_deficit"),
        ],
        supportingInfo=[{"reference": "#primary-cancer"}],
    )
    order = ok(post(ehr, "ServiceRequest", body), 201)
    assert order["priority"] == "stat"  # suspected MESCC with a progressing deficit
    assert Referral.objects.get(pk=order["id"]).urgency == "emergency"


def test_a_bad_finding_is_a_400_naming_the_observation(ehr, alice):
    body = referral_for(alice.pk)
    body["contained"][2]["valueInteger"] = 14
    response = post(ehr, "ServiceRequest", body)
    assert "from 0 (none) to 10" in outcome_of(response, 400, "invalid")
    assert response.json()["issue"][0]["expression"] == ["ServiceRequest.contained[2]"]
    body["contained"] = body["contained"][1:]
    response = post(ehr, "ServiceRequest", body)
    assert "primary_cancer" in outcome_of(response, 400, "invalid")
    assert not Referral.objects.exists()


def test_a_patient_is_matched_on_the_mrn_first(ehr, alice):
    body = {**PATIENT, "identifier": [{"system": f"{BASE}NamingSystem/mrn", "value": "MRN-ALICE"}]}
    assert ok(post(ehr, "Patient", body))["id"] == str(alice.pk)
    assert Patient.objects.count() == 1


# --- the findings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "", 501),  # a transaction Bundle
        ("post", "Encounter", 404),
        ("post", "Appointment/15/$book", 501),
        ("delete", "Appointment/$hold-nothing", 405),
        ("get", "Encounter/1", 404),
    ],
)
def test_finding_1_every_request_under_fhir_answers_an_operation_outcome(
    as_navigator, method, path, status
):
    body = json.dumps({"resourceType": "Bundle", "type": "transaction"})
    if method == "get":
        response = as_navigator.get(f"/fhir/R4/{path}")
    else:
        response = getattr(as_navigator, method)(f"/fhir/R4/{path}", body, content_type=FHIR)
    if status == 405:
        assert response.status_code in (404, 405)
    else:
        outcome_of(response, status, "not-supported")


def test_finding_1_a_post_without_a_session_is_not_a_csrf_page(client, db):
    response = client.post("/fhir/R4/Encounter", "{}", content_type=FHIR)
    assert response.status_code == 404 and response["Content-Type"] == FHIR
    response = client.post("/fhir/R5/Patient", "{}", content_type=FHIR)
    assert response["Content-Type"] == FHIR


def test_finding_2_find_with_a_referral_and_no_specialty_suggests_them(
    as_navigator, center, alice, nina
):
    from patients.services import referral_create

    referral = referral_create(patient=alice, sites="spine", pain_score=6, created_by=nina, now=NOW)
    found = ok(
        as_navigator.post(
            "/fhir/R4/Appointment/$find",
            json.dumps(
                {
                    "resourceType": "Parameters",
                    "parameter": [
                        {
                            "name": "patient-reference",
                            "valueReference": {"reference": f"Patient/{alice.pk}"},
                        },
                        {"name": "start", "valueDateTime": "2026-03-09T00:00:00-05:00"},
                        {"name": "end", "valueDateTime": "2026-03-13T00:00:00-05:00"},
                        {
                            "name": "referral",
                            "valueReference": {"reference": f"ServiceRequest/{referral.pk}"},
                        },
                    ],
                }
            ),
            content_type=FHIR,
        )
    )
    codes = {c["coding"][0]["code"] for c in found["entry"][0]["resource"]["specialty"]}
    assert codes == {"pain_medicine", "palliative_care"}


def test_finding_3_find_takes_the_ig_parameters_and_honours_a_required_location(
    as_navigator, center, alice
):
    surgeon = center.first("neurosurgery")
    query = {
        "patient-reference": f"Patient/{alice.pk}",
        "start": "2026-03-09",
        "end": "2026-03-13",
        "specialty": "http://snomed.info/sct|394610002",
        "practitioner": f"Practitioner/{surgeon.pk}",
        "location-reference": f"Location/{center.tower.pk}",
        "visit-type": f"{BASE}CodeSystem/specialty|rehabilitation",
        "reason": "http://snomed.info/sct|94225005",
    }
    found = ok(as_navigator.get("/fhir/R4/Appointment/$find", query))
    assert found["total"] > 0
    for entry in found["entry"][: found["total"]]:
        places = [
            p["actor"]["reference"]
            for p in entry["resource"]["participant"]
            if p["actor"]["reference"].startswith("Location/")
        ]
        assert places == [f"Location/{center.tower.pk}"]
    bad = as_navigator.get(
        "/fhir/R4/Appointment/$find", {**query, "location-reference": "Location/999"}
    )
    assert outcome_of(bad, 400, "invalid") == "No location “Location/999”."


def test_finding_4_a_proposal_has_an_id_kept_for_a_while(as_navigator, center, alice, frozen):
    query = {
        "patient-reference": f"Patient/{alice.pk}",
        "start": "2026-03-09",
        "end": "2026-03-13",
        "specialty": "pain_medicine",
        "_count": "1",
    }
    proposal = ok(as_navigator.get("/fhir/R4/Appointment/$find", query))["entry"][0]["resource"]
    assert Proposal.objects.filter(pk=proposal["id"]).exists()
    frozen.shift(16 * 60)
    late = post(
        as_navigator,
        "Appointment/$book",
        {
            "resourceType": "Parameters",
            "parameter": [
                {
                    "name": "appointment-reference",
                    "valueReference": {"reference": f"Appointment/{proposal['id']}"},
                }
            ],
        },
    )
    assert "run $find again" in outcome_of(late, 400, "invalid")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    "participant",
    [["x"], "x", [{"actor": "Patient/1"}], [{"actor": {"reference": 7}}], [None]],
)
def test_finding_7_a_malformed_book_is_a_400_not_a_500(as_navigator, center, participant):
    body = {
        "resourceType": "Parameters",
        "parameter": [
            {
                "name": "appointment-resource",
                "resource": {
                    "resourceType": "Appointment",
                    "status": "proposed",
                    "participant": participant,
                },
            }
        ],
    }
    outcome_of(post(as_navigator, "Appointment/$book", body), 400, "invalid")


def test_finding_8_search_takes_identifier_count_zero_and_lenient_extras(
    as_navigator, center, alice
):
    empty = ok(as_navigator.get("/fhir/R4/Appointment", {"_count": "0", "patient": alice.pk}))
    assert empty["total"] == 0 and "entry" not in empty
    strict = as_navigator.get("/fhir/R4/Appointment", {"_summary": "true", "_sort": "date"})
    outcome_of(strict, 400, "invalid")
    lenient = as_navigator.get(
        "/fhir/R4/Appointment",
        {"_summary": "true", "_elements": "status", "_sort": "date", "_lastUpdated": "ge2026"},
        HTTP_PREFER="handling=lenient",
    )
    assert check(lenient.json())["type"] == "searchset"
    nothing = ok(as_navigator.get("/fhir/R4/Appointment", {"identifier": "urn:uuid:nope"}))
    assert nothing["total"] == 0
