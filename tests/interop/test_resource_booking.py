"""An EHR books rooms, machines and interpreters through FHIR (issue 16's tryout): a
required Device, room or interpreter participant is booked exactly or refused naming it;
`$find` takes a visit type (SRS planning, awake craniotomy pre-op) and proposes the
resources the visits take; a booked visit shows its visit type."""

import json
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from navigation.models import (
    Appointment,
    AppointmentResource,
    AvailabilityTemplate,
    Clinician,
    Resource,
    VisitType,
)
from tests.interop.fhir_check import ok, outcome_of

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 6, 18, 45, tzinfo=NY)  # Friday evening; Monday is 2026-03-09
SITE = "https://tumorboard.example.org"
VISIT_TYPES = f"{SITE}/fhir/R4/CodeSystem/visit-type"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def open_weekdays(resource, location, start=8, end=17):
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            resource=resource,
            weekday=weekday,
            start_time=time(start),
            end_time=time(end),
            location=location,
            valid_from=date(2026, 1, 1),
        )
    return resource


@pytest.fixture
def kit(center):
    """Two MRIs and a procedure room in the Tower, a CT simulator in the Pavilion, a
    Spanish interpreter; an MRI for the neuroradiology new-patient visit, SRS planning
    (CT simulator) and awake craniotomy pre-op (procedure room)."""
    mri = open_weekdays(
        Resource.objects.create(
            name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
        ),
        center.tower,
    )
    mri2 = open_weekdays(
        Resource.objects.create(
            name="MRI 1.5T-1", kind="equipment", equipment="mri_1_5t", location=center.tower
        ),
        center.tower,
    )
    ct = open_weekdays(
        Resource.objects.create(
            name="CT sim 1", kind="equipment", equipment="ct_simulator", location=center.pavilion
        ),
        center.pavilion,
    )
    room = open_weekdays(
        Resource.objects.create(
            name="Procedure suite",
            kind="equipment",
            equipment="procedure_room",
            location=center.tower,
        ),
        center.tower,
    )
    lucia = open_weekdays(
        Resource.objects.create(
            name="Lucía Ortega", kind="interpreter", languages=["es"], location=center.tower
        ),
        center.tower,
    )
    VisitType.objects.filter(specialty="neuroradiology").update(needs=["mri"])
    srs = VisitType.objects.create(
        specialty="radiation_oncology",
        name="SRS planning",
        minutes=60,
        new_patient=False,
        needs=["ct_simulator"],
    )
    awake = VisitType.objects.create(
        specialty="neurosurgery",
        name="Awake craniotomy pre-op",
        minutes=45,
        new_patient=False,
        needs=["procedure_room"],
    )
    return type(
        "Kit",
        (),
        dict(mri=mri, mri2=mri2, ct=ct, room=room, lucia=lucia, srs=srs, awake=awake),
    )


def post(client, operation: str, body) -> object:
    return client.post(
        f"/fhir/R4/Appointment/${operation}", json.dumps(body), content_type="application/fhir+json"
    )


def parameters(*parameter) -> dict:
    return {"resourceType": "Parameters", "parameter": list(parameter)}


def find(client, patient, *extra, day="2026-03-09") -> dict:
    return ok(
        post(
            client,
            "find",
            parameters(
                {"name": "patient", "valueReference": {"reference": f"Patient/{patient.pk}"}},
                {"name": "start", "valueDate": day},
                {"name": "end", "valueDate": day},
                *extra,
            ),
        )
    )


def neuroradiology_visit(center, patient, *extra) -> dict:
    """What the integrator sent: one neuroradiology visit at 09:00 Monday, by hand."""
    reader = center.first("neuroradiology")
    return parameters(
        {
            "name": "appointment-resource",
            "resource": {
                "resourceType": "Appointment",
                "status": "proposed",
                "participant": [
                    {"actor": {"reference": f"Patient/{patient.pk}"}, "status": "accepted"},
                    {
                        "actor": {"reference": f"Practitioner/{reader.pk}"},
                        "status": "accepted",
                        "period": {"start": "2026-03-09T13:00:00Z", "end": "2026-03-09T14:00:00Z"},
                    },
                    *extra,
                ],
            },
        }
    )


def required(ref: str) -> dict:
    return {"actor": {"reference": ref}, "required": "required", "status": "needs-action"}


def taken(appointment_id: int) -> list[str]:
    return list(
        AppointmentResource.objects.filter(appointment_id=appointment_id).values_list(
            "resource__name", flat=True
        )
    )


def test_a_required_device_is_booked_exactly(as_navigator, center, alice, kit):
    body = neuroradiology_visit(center, alice, required(f"Device/{kit.mri2.pk}"))
    booked = ok(post(as_navigator, "book", body))["entry"][0]["resource"]
    actors = [p["actor"]["reference"] for p in booked["participant"]]
    assert f"Device/{kit.mri2.pk}" in actors and f"Device/{kit.mri.pk}" not in actors
    assert taken(int(booked["id"])) == ["MRI 1.5T-1"]  # not the lower id, MRI 3T-1


def test_a_required_device_the_visit_does_not_take_is_refused_naming_it(
    as_navigator, center, alice, kit
):
    body = neuroradiology_visit(center, alice, required(f"Device/{kit.ct.pk}"))
    response = post(as_navigator, "book", body)
    text = outcome_of(response, 422, "business-rule")
    assert text.startswith(f"Appointment.participant[2]: Device/{kit.ct.pk} (CT sim 1)")
    assert "the neuroradiology (imaging) visit (New patient, needs an MRI scanner" in text
    assert response.json()["issue"][0]["expression"] == ["Appointment.participant[2]"]
    assert not Appointment.objects.exists()
    interpreter = neuroradiology_visit(
        center, alice, required(f"Practitioner/interpreter-{kit.lucia.pk}")
    )
    text = outcome_of(post(as_navigator, "book", interpreter), 422, "business-rule")
    assert "the patient needs no interpreter" in text


def test_an_unknown_required_device_is_a_400_naming_it(as_navigator, center, alice, kit):
    response = post(
        as_navigator, "book", neuroradiology_visit(center, alice, required("Device/999"))
    )
    assert outcome_of(response, 400, "invalid") == (
        "Appointment.participant[2]: no machine “Device/999”."
    )
    assert response.json()["issue"][0]["expression"] == ["Appointment.participant[2].actor"]
    room_as_device = neuroradiology_visit(center, alice, required(f"Device/{kit.room.pk}"))
    assert "no machine" in outcome_of(post(as_navigator, "book", room_as_device), 400, "invalid")
    assert not Appointment.objects.exists()


def test_a_required_device_taken_then_is_a_409_naming_it_and_nothing_is_booked(
    as_navigator, center, bob, alice, kit
):
    ok(
        post(
            as_navigator,
            "book",
            neuroradiology_visit(center, bob, required(f"Device/{kit.mri2.pk}")),
        )
    )
    reader = Clinician.objects.create(
        name="Dr. Second Reader", specialty="neuroradiology", home_location=center.tower
    )
    for weekday in range(5):
        AvailabilityTemplate.objects.create(
            clinician=reader,
            weekday=weekday,
            start_time=time(8),
            end_time=time(17),
            location=center.tower,
            valid_from=date(2026, 1, 1),
        )
    body = neuroradiology_visit(center, alice, required(f"Device/{kit.mri2.pk}"))
    body["parameter"][0]["resource"]["participant"][1]["actor"]["reference"] = (
        f"Practitioner/{reader.pk}"
    )
    response = post(as_navigator, "book", body)
    text = outcome_of(response, 409, "conflict")
    assert text.startswith("Appointment.participant[2]: ") and "MRI 1.5T-1" in text
    assert response.json()["issue"][0]["expression"] == ["Appointment.participant[2]"]
    assert not Appointment.objects.filter(patient=alice).exists()
    body["parameter"][0]["resource"]["participant"].pop()  # no scanner named: the free one
    booked = ok(post(as_navigator, "book", body))["entry"][0]["resource"]
    assert taken(int(booked["id"])) == ["MRI 3T-1"]


def test_a_required_interpreter_and_room_are_honoured(as_navigator, center, alice, kit):
    alice.interpreter_language = "es"
    alice.save()
    other = open_weekdays(
        Resource.objects.create(
            name="Pedro Alves", kind="interpreter", languages=["es", "pt"], location=center.tower
        ),
        center.tower,
    )
    surgeon = center.first("neurosurgery")
    body = parameters(
        {
            "name": "appointment-resource",
            "resource": {
                "resourceType": "Appointment",
                "status": "proposed",
                "appointmentType": {"coding": [{"system": VISIT_TYPES, "code": str(kit.awake.pk)}]},
                "participant": [
                    {"actor": {"reference": f"Patient/{alice.pk}"}, "status": "accepted"},
                    {
                        "actor": {"reference": f"Practitioner/{surgeon.pk}"},
                        "status": "accepted",
                        "period": {"start": "2026-03-09T13:00:00Z", "end": "2026-03-09T13:45:00Z"},
                    },
                    required(f"Location/room-{kit.room.pk}"),
                    required(f"Practitioner/interpreter-{other.pk}"),
                ],
            },
        }
    )
    booked = ok(post(as_navigator, "book", body))["entry"][0]["resource"]
    assert sorted(taken(int(booked["id"]))) == ["Pedro Alves", "Procedure suite"]
    assert booked["appointmentType"]["coding"][1] == {
        "system": VISIT_TYPES,
        "code": str(kit.awake.pk),
        "display": "Awake craniotomy pre-op",
    }
    assert booked["appointmentType"]["text"] == "Awake craniotomy pre-op (45 min)"
    assert "Awake craniotomy pre-op" in booked["description"]
    kind = f"{VISIT_TYPES}|{kit.awake.pk}"
    found = ok(as_navigator.get("/fhir/R4/Appointment", {"appointment-type": kind}))
    assert [e["resource"]["id"] for e in found["entry"]] == [booked["id"]]
    other = f"{VISIT_TYPES}|{kit.srs.pk}"
    assert ok(as_navigator.get("/fhir/R4/Appointment", {"appointment-type": other}))["total"] == 0


def test_find_takes_a_visit_type_and_proposes_its_resources_which_book_by_reference(
    as_navigator, center, alice, kit
):
    alice.interpreter_language = "es"
    alice.save()
    found = find(
        as_navigator,
        alice,
        {"name": "visit-type", "valueString": str(kit.srs.pk)},
        {
            "name": "appointment-type",
            "valueCoding": {"system": VISIT_TYPES, "code": str(kit.awake.pk)},
        },
    )
    proposal = found["entry"][0]["resource"]
    actors = [p["actor"]["reference"] for p in proposal["participant"]]
    assert f"Device/{kit.ct.pk}" in actors
    assert f"Location/room-{kit.room.pk}" in actors
    assert f"Practitioner/interpreter-{kit.lucia.pk}" in actors
    translator = next(
        p for p in proposal["participant"] if p["actor"]["reference"].startswith("Practitioner/int")
    )
    assert translator["type"][0]["coding"][0]["code"] == "TRANS" and "period" in translator
    kinds = sorted(c["text"] for c in proposal["serviceType"])
    assert kinds == ["Awake craniotomy pre-op (45 min)", "SRS planning (60 min)"]

    booked = ok(
        post(
            as_navigator,
            "book",
            parameters({"name": "appointment-reference", "valueString": proposal["id"]}),
        )
    )
    types = {a["resource"]["appointmentType"]["text"] for a in booked["entry"]}
    assert types == {"Awake craniotomy pre-op (45 min)", "SRS planning (60 min)"}
    visits = Appointment.objects.order_by("start")
    assert {v.visit_type for v in visits} == {kit.srs, kit.awake}
    assert sorted(AppointmentResource.objects.values_list("resource__name", flat=True)) == [
        "CT sim 1",
        "Lucía Ortega",
        "Lucía Ortega",
        "Procedure suite",
    ]


def test_a_proposal_sent_back_books_its_visit_types_and_resources(as_navigator, center, alice, kit):
    found = find(as_navigator, alice, {"name": "visit-type", "valueString": str(kit.srs.pk)})
    proposal = found["entry"][0]["resource"]
    booked = ok(
        post(as_navigator, "book", parameters({"name": "appointment", "resource": proposal}))
    )
    (appointment,) = [e["resource"] for e in booked["entry"]]
    assert appointment["appointmentType"]["coding"][1]["code"] == str(kit.srs.pk)
    assert f"Device/{kit.ct.pk}" in [p["actor"]["reference"] for p in appointment["participant"]]


def test_find_refuses_an_unknown_visit_type_naming_the_parameter(as_navigator, center, alice, kit):
    response = post(
        as_navigator,
        "find",
        parameters(
            {"name": "patient", "valueReference": {"reference": f"Patient/{alice.pk}"}},
            {"name": "start", "valueDate": "2026-03-09"},
            {"name": "end", "valueDate": "2026-03-09"},
            {"name": "visit-type", "valueString": "999"},
        ),
    )
    assert "there is no visit type 999" in outcome_of(response, 400, "invalid")
    assert response.json()["issue"][0]["expression"] == ["visit-type"]


def test_a_held_proposal_sent_back_with_another_scanner_is_a_409(as_navigator, center, alice, kit):
    found = find(as_navigator, alice, {"name": "specialty", "valueCode": "neuroradiology"})
    proposal = found["entry"][0]["resource"]
    scanners = [p for p in proposal["participant"] if p["actor"]["reference"].startswith("Device/")]
    assert [p["actor"]["reference"] for p in scanners] == [f"Device/{kit.mri.pk}"]
    reference = parameters({"name": "appointment-reference", "valueString": proposal["id"]})
    ok(post(as_navigator, "hold", reference))
    other = [
        {**p, "actor": {"reference": f"Device/{kit.mri2.pk}"}} if p in scanners else p
        for p in proposal["participant"]
    ]
    index = next(i for i, p in enumerate(other) if p["actor"]["reference"].startswith("Device/"))
    body = parameters({"name": "appointment", "resource": {**proposal, "participant": other}})
    response = post(as_navigator, "book", body)
    assert "is held with other rooms, machines or interpreter" in outcome_of(
        response, 409, "conflict"
    )
    assert response.json()["issue"][0]["expression"] == [f"Appointment.participant[{index}]"]
    other[index] = {**other[index], "required": "optional"}  # binds nothing: the held one
    booked = ok(post(as_navigator, "book", body))["entry"][0]["resource"]
    assert taken(int(booked["id"])) == ["MRI 3T-1"]
