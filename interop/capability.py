"""The CapabilityStatement: exactly the interactions, search parameters and operations
that `interop.views` serve, nothing more."""

from __future__ import annotations

from interop.mapping import FHIR_VERSION

RELEASED = "2026-11-23"


def _param(name: str, kind: str, documentation: str) -> dict:
    return {"name": name, "type": kind, "documentation": documentation}


COUNT = _param("_count", "number", "Page size, 50 by default, at most 200.")
OFFSET = _param("_offset", "number", "Where the page starts (used by Bundle.link next).")


def _resource(kind: str, documentation: str, *params: dict, search: bool = True) -> dict:
    resource = {
        "type": kind,
        "documentation": documentation,
        "interaction": [{"code": "read"}] + ([{"code": "search-type"}] if search else []),
    }
    if search:
        resource["searchParam"] = [*params, COUNT, OFFSET]
    return resource


def capability_statement(base: str, systems: str) -> dict:
    appointment = _resource(
        "Appointment",
        "Booked visits. Status maps ours: booked, arrived (checked in), fulfilled "
        "(completed), cancelled, noshow. Patients see their own; specialists theirs.",
        _param("patient", "reference", "The patient, e.g. Patient/12."),
        _param("practitioner", "reference", "The clinician, e.g. Practitioner/3."),
        _param("date", "date", "The start, with prefixes eq, ge, gt, lt, le; may repeat."),
        _param("status", "token", "Appointment status codes, comma-separated."),
    )
    appointment["operation"] = [
        {"name": "find", "definition": f"{systems}OperationDefinition/Appointment-find"},
        {"name": "book", "definition": f"{systems}OperationDefinition/Appointment-book"},
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": RELEASED,
        "publisher": "Tumor board scheduling",
        "kind": "instance",
        "software": {"name": "Tumor board scheduling"},
        "implementation": {
            "description": "Brain and spine metastasis center: clinic schedules, free "
            "slots and same-day multi-specialist visits.",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "Unknown search parameters are refused (400), not ignored.",
                "security": {
                    "description": "Send `Authorization: Token <key>` with a key from POST "
                    "/api/v1/auth/token/; the same roles apply as in the REST API.",
                },
                "resource": [
                    appointment,
                    _resource("Location", "Clinics, buildings and rooms.", search=False),
                    _resource(
                        "Patient",
                        "Minimal demographics: MRN, name, birth date.",
                        _param("identifier", "token", "The MRN, optionally system|value."),
                        _param("_id", "token", "The patient's id."),
                    ),
                    _resource(
                        "Practitioner",
                        "Clinicians; the specialty is the qualification.",
                        _param("specialty", "token", "Our specialty code or SNOMED CT."),
                        _param("_id", "token", "The clinician's id."),
                    ),
                    _resource(
                        "Schedule",
                        "One per clinician: their clinic sessions.",
                        _param("actor", "reference", "The clinician, e.g. Practitioner/3."),
                        _param("_id", "token", "The schedule's id."),
                    ),
                    _resource(
                        "Slot",
                        "Derived from clinic sessions minus bookings (busy) and time off "
                        "(busy-unavailable); free time before now is not offered.",
                        _param("schedule", "reference", "The schedule(s), e.g. Schedule/3."),
                        _param(
                            "start",
                            "date",
                            "With ge, gt, lt, le; 7 days from today by default, at most 31 days.",
                        ),
                        _param("status", "token", "free, busy or busy-unavailable."),
                    ),
                ],
            }
        ],
    }
