"""The CapabilityStatement, and the one list of search parameters the views accept: what
it states is exactly what is served."""

from __future__ import annotations

from interop.mapping import FHIR_VERSION

RELEASED = "2026-11-23"
PAGING = (
    ("_count", "number", "Page size, 50 by default, at most 200."),
    ("_offset", "number", "Where the page starts (used by Bundle.link next)."),
)
# Resource type -> (what it is, its search parameters or None when it is read only).
RESOURCES = {
    "Appointment": (
        "Booked visits. Status maps ours: booked, arrived (checked in), fulfilled "
        "(completed), cancelled, noshow. Patients see their own; specialists theirs.",
        (
            ("patient", "reference", "The patient, e.g. Patient/12."),
            ("practitioner", "reference", "The clinician, e.g. Practitioner/3."),
            ("date", "date", "The start, with prefixes eq, ge, gt, lt, le; may repeat."),
            ("status", "token", "Appointment status codes, comma-separated."),
            ("specialty", "token", "Our specialty code or SNOMED CT, optionally system|code."),
            (
                "appointment-type",
                "token",
                "The visit type: our visit type's id (CodeSystem/visit-type, e.g. "
                "…/CodeSystem/visit-type|12, or 12), our specialty code (its visits), or "
                "v2-0276 ROUTINE for every visit.",
            ),
            ("_id", "token", "The appointment's id."),
            ("identifier", "token", "Its identifier, urn:ietf:rfc:3986|urn:uuid:…"),
        ),
    ),
    "Device": (
        "Machines a visit takes (MRI scanners, CT simulators, linacs), at their location; "
        "an Appointment names the one it takes as a participant.",
        (
            ("location", "reference", "Where the machine is, e.g. Location/2."),
            (
                "type",
                "token",
                "The machine type, our equipment code (mri_1_5t, mri_3t, ct_simulator, "
                "linac), optionally with our system (CodeSystem/equipment)|code; another "
                "system matches nothing.",
            ),
            ("status", "token", "active or inactive."),
            ("_id", "token", "The machine's id."),
        ),
    ),
    "Location": (
        "Clinics, buildings and rooms; a bookable room (room-N) is part of its location.",
        None,
    ),
    "Patient": (
        "Minimal demographics: MRN, name, birth date.",
        (
            ("identifier", "token", "The MRN, optionally system|value."),
            ("_id", "token", "The patient's id."),
        ),
    ),
    "Practitioner": (
        "Clinicians (name); their specialty is in PractitionerRole. Interpreters "
        "(interpreter-N) with the languages they speak join visits as translators (TRANS).",
        (
            (
                "specialty",
                "token",
                "Our specialty code or SNOMED CT, optionally system|code (clinicians only).",
            ),
            (
                "communication",
                "token",
                "A language (BCP-47, e.g. es or urn:ietf:bcp:47|es): the interpreters who "
                "cover it (the same primary language). We record no clinician's languages.",
            ),
            ("_id", "token", "The clinician's id, or interpreter-N."),
        ),
    ),
    "PractitionerRole": (
        "One per clinician (same id): the specialty (ours and SNOMED CT) and the location.",
        (
            ("specialty", "token", "Our specialty code or SNOMED CT, optionally system|code."),
            ("practitioner", "reference", "The clinician, e.g. Practitioner/3."),
            ("location", "reference", "Where they see patients, e.g. Location/2."),
            ("_id", "token", "The role's id."),
        ),
    ),
    "Schedule": (
        "One per clinician: their clinic sessions.",
        (
            ("actor", "reference", "The clinician, e.g. Practitioner/3."),
            ("specialty", "token", "Our specialty code or SNOMED CT, optionally system|code."),
            ("_id", "token", "The schedule's id."),
        ),
    ),
    "ServiceRequest": (
        "Referrals: the new-patient consult ordered, its priority the triage urgency (stat, "
        "urgent, routine) and its occurrence ending at the consult deadline. An "
        "Appointment booked with $book and basedOn one is that referral's consult.",
        (
            ("patient", "reference", "The patient, e.g. Patient/12."),
            ("status", "token", "active (open) or completed (closed)."),
            ("_id", "token", "The referral's id."),
        ),
    ),
    "Slot": (
        "Bookable: clinic sessions cut into pieces of the clinician's new-patient visit on "
        "the 5-minute grid, busy when booked or held, busy-unavailable in time off; ids are "
        "stable. Book one with $book and Appointment.slot.",
        (
            ("schedule", "reference", "The schedule(s), e.g. Schedule/3."),
            ("start", "date", "With ge, gt, lt, le; 7 days from today by default, at most 31."),
            ("status", "token", "free, busy or busy-unavailable."),
        ),
    ),
}


def search_parameters(kind: str) -> tuple[str, ...]:
    """The names a search of `kind` accepts, paging included."""
    return tuple(name for name, _, _ in (*RESOURCES[kind][1], *PAGING))


def _resource(kind: str, systems: str) -> dict:
    documentation, search = RESOURCES[kind]
    resource = {
        "type": kind,
        "documentation": documentation,
        "interaction": [{"code": "read"}] + ([{"code": "search-type"}] if search else []),
    }
    if search:
        resource["searchParam"] = [
            {"name": name, "type": kind_, "documentation": text}
            for name, kind_, text in (*search, *PAGING)
        ]
    if kind in ("Patient", "ServiceRequest"):
        resource["interaction"].append({"code": "create"})
        if kind == "Patient":
            resource["conditionalCreate"] = True
    if kind == "Appointment":
        resource["interaction"] += [{"code": "update"}, {"code": "patch"}]
        ihe = "https://profiles.ihe.net/ITI/Scheduling/OperationDefinition/"
        resource["operation"] = [
            {
                "name": "find",
                "definition": f"{ihe}appointment-find",
                "documentation": f"`visit-type` (or `appointment-type`) names a visit type "
                f"of ours by its id in {systems}CodeSystem/visit-type (e.g. SRS planning, "
                f"awake craniotomy pre-op; a bare id works too), or a specialty code (its "
                f"new-patient visit); the visit takes that type's minutes, rooms and "
                f"machines. Each proposal lists the rooms (Location/room-N), machines "
                f"(Device/N) and interpreter (Practitioner/interpreter-N, type TRANS) its "
                f"visits take, with each visit's period, and the visit types as serviceType.",
            },
            {"name": "hold", "definition": f"{ihe}appointment-hold"},
            {
                "name": "book",
                "definition": f"{ihe}appointment-book",
                "documentation": "A required Device, Location room-N or Practitioner "
                "interpreter-N participant is booked exactly (for the visits in its period, "
                "or every visit that takes one of its kind); the kinds left out are picked "
                "free. An unknown one is a 400, one no visit takes a 422, one taken then a "
                "409, each naming the participant. Optional ones bind nothing. The visit "
                "types are our visit-type codes in appointmentType or serviceType (or the "
                "proposal's).",
            },
        ]
    return resource


def capability_statement(base: str, systems: str) -> dict:
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
                "documentation": "Unknown search parameters are refused (400), not ignored, "
                "unless the request says `Prefer: handling=lenient`.",
                "security": {
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/"
                            "oauth-uris",
                            "extension": [{"url": "token", "valueUri": f"{base}auth/token"}],
                        }
                    ],
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ]
                        }
                    ],
                    "description": "SMART Backend Services: a bearer token from auth/token "
                    "(client credentials, private_key_jwt; see .well-known/smart-configuration) "
                    "with system/ scopes (v2 cruds or v1 read/write). Or `Authorization: "
                    "Token <key>` from POST /api/v1/auth/token/. The same roles apply as in "
                    "the REST API.",
                },
                "resource": [_resource(kind, systems) for kind in RESOURCES],
            }
        ],
    }
