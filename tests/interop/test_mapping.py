"""The pure mapping: status codes both ways, specialty codings, slot ids, date searches."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from interop import mapping, params
from navigation.models import Appointment, Specialty

BASE = "https://tumorboard.example.org/fhir/R4/"
NY = ZoneInfo("America/New_York")


def test_each_of_our_statuses_maps_to_fhir_and_back():
    for ours in Appointment.Status.values:
        fhir = mapping.appointment_status(ours)
        assert fhir in mapping.APPOINTMENT_STATUS_CODES
        assert mapping.appointment_status_from_fhir(fhir) == ours


def test_the_fhir_statuses_map_as_the_issue_says():
    assert {
        code: mapping.appointment_status_from_fhir(code)
        for code in ("booked", "arrived", "fulfilled", "cancelled", "noshow")
    } == {
        "booked": "booked",
        "arrived": "checked_in",
        "fulfilled": "completed",
        "cancelled": "cancelled",
        "noshow": "no_show",
    }


def test_a_fhir_status_we_never_use_matches_nothing_and_a_made_up_one_is_refused():
    assert mapping.appointment_status_from_fhir("proposed") is None
    assert mapping.appointment_status_from_fhir("waitlist") is None
    with pytest.raises(ValueError, match="not an appointment status"):
        mapping.appointment_status_from_fhir("done")


def test_every_specialty_has_our_code_and_reads_back_from_each_of_its_codings():
    for specialty in Specialty.values:
        concept = mapping.specialty_concept(specialty, BASE)
        assert concept["coding"][0] == {"system": f"{BASE}CodeSystem/specialty", "code": specialty}
        for coding in concept["coding"]:
            found = mapping.specialty_from_coding(coding["system"], coding["code"], BASE)
            assert found == specialty


def test_neurosurgery_carries_its_snomed_practice_code():
    concept = mapping.specialty_concept("neurosurgery", BASE)
    assert {"system": "http://snomed.info/sct", "code": "394610002"} in concept["coding"]


def test_a_slot_id_reads_back_to_whose_and_when():
    start = datetime(2026, 3, 9, 8, tzinfo=NY)
    end = datetime(2026, 3, 9, 10, 30, tzinfo=NY)
    slot_id = mapping.slot_id(7, start, end)
    assert slot_id == "7-20260309T120000-20260309T143000Z"
    assert mapping.parse_slot_id(slot_id) == (7, start, end)
    assert mapping.parse_slot_id("7-yesterday") is None


def test_a_plain_date_is_the_whole_clinic_day():
    after, before = params.date_bounds(["ge2026-03-09", "lt2026-03-10"], "start", NY)
    assert after == datetime(2026, 3, 9, 4, tzinfo=UTC)  # midnight EDT
    assert before == datetime(2026, 3, 10, 4, tzinfo=UTC)
    assert params.date_bounds(["2026-03-09"], "start", NY) == (after, before)


def test_gt_and_le_of_a_date_mean_after_and_through_that_day():
    after, before = params.date_bounds(["gt2026-03-06", "le2026-03-09"], "start", NY)
    assert after == datetime(2026, 3, 7, 5, tzinfo=UTC)
    assert before == datetime(2026, 3, 10, 4, tzinfo=UTC)


def test_a_date_time_needs_its_offset():
    after, _ = params.date_bounds(["ge2026-03-09T13:30:00Z"], "start", NY)
    assert after == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)
    with pytest.raises(params.Invalid, match="time zone offset"):
        params.date_bounds(["ge2026-03-09T13:30:00"], "start", NY)


@pytest.mark.parametrize("value", ["next-monday", "sa2026-03-09", "ge2026-02-30"])
def test_an_unreadable_date_names_the_parameter(value):
    with pytest.raises(params.Invalid) as caught:
        params.date_bounds([value], "date", NY)
    assert caught.value.expression == "date"
    assert value.removeprefix("sa").removeprefix("ge") in caught.value.message or "prefix" in (
        caught.value.message
    )


def test_a_reference_may_be_an_id_a_relative_or_an_absolute_url():
    for value in ("12", "Patient/12", f"{BASE}Patient/12"):
        assert params.reference_id(value, "Patient", "patient") == 12
    with pytest.raises(params.Invalid, match="must refer to a Patient"):
        params.reference_id("Practitioner/12", "Patient", "patient")
