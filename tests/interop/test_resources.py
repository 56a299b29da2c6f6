"""Rooms, machines and interpreters in FHIR: a room is a Location inside its location, a
machine a Device, an interpreter a Practitioner who joins the visit as its translator."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from navigation.models import Appointment, AppointmentResource, Clinician, Resource
from tests.interop.fhir_check import ok

NY = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def test_a_visit_names_its_scanner_room_and_interpreter_as_participants(
    as_navigator, center, alice
):
    mri = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    room = Resource.objects.create(name="Procedure room 2", kind="room", location=center.tower)
    lucia = Resource.objects.create(
        name="Lucía Ortega", kind="interpreter", languages=["es"], location=center.pavilion
    )
    reader = center.first("neuroradiology")
    start = datetime(2026, 3, 9, 13, tzinfo=NY)
    visit = Appointment.objects.create(
        patient=alice,
        clinician=reader,
        specialty=reader.specialty,
        location=center.tower,
        start=start,
        end=start.replace(hour=14),
    )
    for taken in (mri, room, lucia):
        AppointmentResource.objects.create(
            appointment=visit, resource=taken, start=visit.start, end=visit.end
        )
    appointment = ok(as_navigator.get(f"/fhir/R4/Appointment/{visit.pk}"))
    actors = {p["actor"]["reference"]: p for p in appointment["participant"]}
    assert {f"Device/{mri.pk}", f"Location/room-{room.pk}"} <= set(actors)
    translator = actors[f"Practitioner/interpreter-{lucia.pk}"]
    assert translator["type"][0]["coding"][0]["code"] == "TRANS"
    device = ok(as_navigator.get(f"/fhir/R4/Device/{mri.pk}"))
    assert device["type"]["text"] == "MRI scanner 3 T"
    assert device["location"]["reference"] == f"Location/{center.tower.pk}"
    place = ok(as_navigator.get(f"/fhir/R4/Location/room-{room.pk}"))
    assert place["partOf"]["reference"] == f"Location/{center.tower.pk}"
    person = ok(as_navigator.get(f"/fhir/R4/Practitioner/interpreter-{lucia.pk}"))
    assert person["communication"][0]["coding"][0] == {"system": "urn:ietf:bcp:47", "code": "es"}
    assert as_navigator.get(f"/fhir/R4/Device/{lucia.pk}").status_code == 404


def test_an_ehr_finds_the_scanners_of_a_location_by_type(as_navigator, center):
    mri = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    Resource.objects.create(
        name="MRI 1.5T-1", kind="equipment", equipment="mri_1_5t", location=center.pavilion
    )
    retired = Resource.objects.create(
        name="CT sim old", kind="equipment", equipment="ct_simulator", location=center.tower
    )
    retired.active = False
    retired.save()
    Resource.objects.create(name="Procedure room 2", kind="room", location=center.tower)
    Resource.objects.create(
        name="Procedure suite", kind="equipment", equipment="procedure_room", location=center.tower
    )

    tower = ok(as_navigator.get(f"/fhir/R4/Device?location=Location/{center.tower.pk}"))
    assert tower["total"] == 2  # a room and a procedure room are Locations, not Devices
    found = ok(
        as_navigator.get(
            f"/fhir/R4/Device?location={center.tower.pk}&type=mri_3t,mri_1_5t&status=active"
        )
    )
    assert [e["resource"]["id"] for e in found["entry"]] == [str(mri.pk)]
    assert found["entry"][0]["resource"]["deviceName"][0]["name"] == "MRI 3T-1"

    wrong = as_navigator.get("/fhir/R4/Device?type=toaster")
    assert wrong.status_code == 400
    issue = wrong.json()["issue"][0]
    assert issue["expression"] == ["type"] and "toaster" in issue["diagnostics"]
    assert as_navigator.get("/fhir/R4/Device?colour=red").status_code == 400
    metadata = ok(as_navigator.get("/fhir/R4/metadata"))
    (device,) = [r for r in metadata["rest"][0]["resource"] if r["type"] == "Device"]
    assert {p["name"] for p in device["searchParam"]} >= {"location", "type", "status"}


def test_a_device_type_of_another_system_matches_nothing(as_navigator, center, settings):
    settings.SITE_URL = "https://tumorboard.example.org"
    mri = Resource.objects.create(
        name="MRI 3T-1", kind="equipment", equipment="mri_3t", location=center.tower
    )
    foreign = ok(as_navigator.get("/fhir/R4/Device?type=http://example.org/x|mri_3t"))
    assert foreign["total"] == 0
    ours = "https://tumorboard.example.org/fhir/R4/CodeSystem/equipment"
    found = ok(as_navigator.get("/fhir/R4/Device", {"type": f"{ours}|mri_3t"}))
    assert [e["resource"]["id"] for e in found["entry"]] == [str(mri.pk)]
    assert ok(as_navigator.get("/fhir/R4/Device?type=mri_3t"))["total"] == 1


def test_an_ehr_finds_the_interpreters_for_a_language(as_navigator, center):
    lucia = Resource.objects.create(
        name="Lucía Ortega", kind="interpreter", languages=["es-MX"], location=center.pavilion
    )
    Resource.objects.create(
        name="Ana Costa", kind="interpreter", languages=["pt-BR"], location=center.pavilion
    )
    spanish = ok(as_navigator.get("/fhir/R4/Practitioner?communication=es"))
    assert [e["resource"]["id"] for e in spanish["entry"]] == [f"interpreter-{lucia.pk}"]
    coded = ok(as_navigator.get("/fhir/R4/Practitioner?communication=urn:ietf:bcp:47|es"))
    assert coded["total"] == 1
    assert ok(as_navigator.get("/fhir/R4/Practitioner?communication=http://x|es"))["total"] == 0
    everyone = ok(as_navigator.get("/fhir/R4/Practitioner"))
    ids = [e["resource"]["id"] for e in everyone["entry"]]
    assert everyone["total"] == len(center.clinicians) + 2 and ids[-2:] == [
        f"interpreter-{lucia.pk}",
        f"interpreter-{lucia.pk + 1}",
    ]
    page = ok(as_navigator.get("/fhir/R4/Practitioner", {"_count": 5, "_offset": 8}))
    assert [e["resource"]["id"] for e in page["entry"]] == ids[8:]
    surgeons = ok(as_navigator.get("/fhir/R4/Practitioner?specialty=neurosurgery"))
    assert surgeons["total"] == 2
    by_id = ok(as_navigator.get(f"/fhir/R4/Practitioner?_id=interpreter-{lucia.pk}"))
    assert [e["resource"]["id"] for e in by_id["entry"]] == [f"interpreter-{lucia.pk}"]
    same_number = Clinician.objects.filter(pk=lucia.pk).first() or center.first("neurosurgery")
    one = ok(as_navigator.get(f"/fhir/R4/Practitioner?_id=Practitioner/{same_number.pk}"))
    assert [e["resource"]["id"] for e in one["entry"]] == [str(same_number.pk)]
    metadata = ok(as_navigator.get("/fhir/R4/metadata"))
    (practitioner,) = [r for r in metadata["rest"][0]["resource"] if r["type"] == "Practitioner"]
    assert "communication" in {p["name"] for p in practitioner["searchParam"]}
