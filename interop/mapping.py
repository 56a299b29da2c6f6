"""Our rows as FHIR R4 JSON, and FHIR codes back to ours: plain dicts, built by hand.

Pure: no ORM queries, settings or clock. `base` is the FHIR base URL our own code systems
and identifiers hang from (resources) or the client's (bundles' fullUrl); every time is an
aware datetime.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime

FHIR_VERSION = "4.0.1"
SNOMED = "http://snomed.info/sct"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

# Appointment.status (http://hl7.org/fhir/appointmentstatus) <-> ours, one to one.
APPOINTMENT_STATUS = {
    "booked": "booked",
    "checked_in": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
    "held": "pending",  # held for the patient while a navigator confirms (a hold)
}
APPOINTMENT_STATUS_FROM_FHIR = {fhir: ours for ours, fhir in APPOINTMENT_STATUS.items()}
# Every code of the value set: a search for one we never use matches nothing, not an error.
APPOINTMENT_STATUS_CODES = (
    "proposed",
    "pending",
    "booked",
    "arrived",
    "fulfilled",
    "cancelled",
    "noshow",
    "entered-in-error",
    "checked-in",
    "waitlist",
)
SLOT_FREE = "free"
SLOT_BUSY = "busy"
SLOT_UNAVAILABLE = "busy-unavailable"
SLOT_STATUS_CODES = ("busy", "free", "busy-unavailable", "busy-tentative", "entered-in-error")

# Practice-setting codes (c80-practice-codes) where SNOMED CT has the specialty itself or
# its parent (neuroradiology is radiology); pain medicine, spine surgery and psychosocial
# care carry only our own code.
SNOMED_SPECIALTY = {
    "neurosurgery": "394610002",
    "radiation_oncology": "419815003",
    "medical_oncology": "394593009",
    "neuroradiology": "394914008",
    "pathology": "394915009",
    "palliative_care": "394806003",
    "rehabilitation": "394602003",
}
SPECIALTY_LABEL = {
    "neurosurgery": "Neurosurgery",
    "spine_surgery": "Spine surgery",
    "radiation_oncology": "Radiation oncology",
    "medical_oncology": "Medical oncology",
    "neuroradiology": "Neuroradiology (imaging)",
    "pathology": "Pathology",
    "pain_medicine": "Pain medicine",
    "palliative_care": "Palliative care",
    "rehabilitation": "Rehabilitation",
    "psychosocial": "Psychosocial care",
}


def specialty_system(base: str) -> str:
    return f"{base}CodeSystem/specialty"


def visit_type_system(base: str) -> str:
    """Our visit types (e.g. "SRS planning"): the code is the visit type's id."""
    return f"{base}CodeSystem/visit-type"


def equipment_system(base: str) -> str:
    """Our machine types (Device.type): mri_3t, ct_simulator, ..."""
    return f"{base}CodeSystem/equipment"


def mrn_system(base: str) -> str:
    return f"{base}NamingSystem/mrn"


def instant(moment: datetime) -> str:
    """A FHIR instant in UTC with seconds, e.g. 2026-03-09T13:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def appointment_status(ours: str) -> str:
    return APPOINTMENT_STATUS[ours]


def appointment_status_from_fhir(code: str) -> str | None:
    """Our status for a FHIR code, or None for a valid code we never use."""
    if code not in APPOINTMENT_STATUS_CODES:
        raise ValueError(f"“{code}” is not an appointment status (appointmentstatus).")
    return APPOINTMENT_STATUS_FROM_FHIR.get(code)


def specialty_concept(specialty: str, base: str) -> dict:
    codings = [{"system": specialty_system(base), "code": specialty}]
    if specialty in SNOMED_SPECIALTY:
        codings.append({"system": SNOMED, "code": SNOMED_SPECIALTY[specialty]})
    return {"coding": codings, "text": SPECIALTY_LABEL[specialty]}


def specialty_from_coding(system: str | None, code: str | None, base: str) -> str | None:
    """Our specialty for one of our codes or a SNOMED CT practice code, else None."""
    if system in (None, specialty_system(base)) and code in SPECIALTY_LABEL:
        return code
    if system in (None, SNOMED):
        return next((ours for ours, sct in SNOMED_SPECIALTY.items() if sct == code), None)
    return None


def reference(kind: str, pk, display: str | None = None) -> dict:
    ref = {"reference": f"{kind}/{pk}"}
    if display:
        ref["display"] = display
    return ref


# --- resources -----------------------------------------------------------------------


def patient_resource(patient, base: str) -> dict:
    """Minimal demographics: MRN, name, birth date (we record no gender)."""
    resource = {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "identifier": [
            {
                "use": "usual",
                "type": {"coding": [{"system": V2_0203, "code": "MR"}], "text": "MRN"},
                "system": mrn_system(base),
                "value": patient.mrn,
            }
        ],
        "active": True,
        "name": [{"use": "official", "family": patient.last_name, "given": [patient.first_name]}],
        "birthDate": patient.birth_date.isoformat(),
    }
    if patient.status == "deceased":
        resource["deceasedBoolean"] = True
    return resource


def practitioner_resource(clinician, base: str) -> dict:
    """The person (or suite): name and whether active. The specialty is the
    PractitionerRole's (qualification is for degrees and licences)."""
    return {
        "resourceType": "Practitioner",
        "id": str(clinician.pk),
        "active": clinician.active,
        "name": [{"text": clinician.name}],
    }


def practitioner_role_resource(clinician, base: str) -> dict:
    """One role per clinician (same id): their specialty, where they see patients, and
    their Schedule's clinic sessions as availability."""
    return {
        "resourceType": "PractitionerRole",
        "id": str(clinician.pk),
        "active": clinician.active,
        "practitioner": reference("Practitioner", clinician.pk, clinician.name),
        "specialty": [specialty_concept(clinician.specialty, base)],
        "location": [reference("Location", clinician.home_location_id)],
    }


def location_resource(location) -> dict:
    resource = {
        "resourceType": "Location",
        "id": str(location.pk),
        "status": "active",
        "name": location.name,
        "mode": "instance",
    }
    if location.address:
        resource["address"] = {"text": location.address}
    if location.parent_id:
        resource["partOf"] = reference("Location", location.parent_id)
    return resource


def schedule_resource(clinician, base: str) -> dict:
    """One Schedule per clinician: their clinic sessions, wherever held."""
    return {
        "resourceType": "Schedule",
        "id": str(clinician.pk),
        "active": clinician.active,
        "specialty": [specialty_concept(clinician.specialty, base)],
        "actor": [
            reference("Practitioner", clinician.pk, clinician.name),
            reference("Location", clinician.home_location_id),
        ],
        "comment": f"Clinic sessions of {clinician.name}.",
    }


def slot_id(clinician_id: int, start: datetime, end: datetime) -> str:
    """Derived slots have no row: the id says whose and when (UTC), e.g.
    7-20260309T120000-20260309T130000Z. The times are the slot's own (cut from the clinic
    session), so the id is stable while bookings and the clock move."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    return f"{clinician_id}-{start:%Y%m%dT%H%M%S}-{end:%Y%m%dT%H%M%S}Z"


def parse_slot_id(value: str) -> tuple[int, datetime, datetime] | None:
    try:
        clinician, start, end = value.split("-")
        return (
            int(clinician),
            datetime.strptime(start, "%Y%m%dT%H%M%S").replace(tzinfo=UTC),
            datetime.strptime(end.removesuffix("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=UTC),
        )
    except ValueError:
        return None


V2_0276 = "http://terminology.hl7.org/CodeSystem/v2-0276"


def visit_type_concept(specialty: str, minutes: int, base: str) -> dict:
    """A specialty's new-patient visit as an appointmentType: HL7 v2-0276 ROUTINE and our
    specialty code (the code `$find`'s `visit-type` takes)."""
    return {
        "coding": [
            {"system": V2_0276, "code": "ROUTINE"},
            {"system": specialty_system(base), "code": specialty},
        ],
        "text": f"{SPECIALTY_LABEL[specialty]} new-patient visit ({minutes} min)",
    }


def visit_type_of(visit_type, specialty: str, minutes: int, base: str) -> dict:
    """A visit's kind as an appointmentType: our visit type (its id in our visit-type code
    system, the code `$find`'s `visit-type` takes) when it has one, with v2-0276 ROUTINE,
    and, for a new-patient type, our specialty code (what `visit-type` took before)."""
    if visit_type is None:
        return visit_type_concept(specialty, minutes, base)
    codings = [
        {"system": V2_0276, "code": "ROUTINE"},
        {
            "system": visit_type_system(base),
            "code": str(visit_type.pk),
            "display": visit_type.name,
        },
    ]
    if visit_type.new_patient:
        codings.append({"system": specialty_system(base), "code": specialty})
    return {"coding": codings, "text": f"{visit_type.name} ({minutes} min)"}


def visit_type_from_coding(system: str | None, code: str | None, base: str) -> int | None:
    """The visit type id one coding names: our visit-type system's code, or a bare number
    (no system); else None (a specialty code, or another system's)."""
    if not isinstance(code, str) or not code.isdigit() or len(code) > 9:
        return None
    return int(code) if system in (None, visit_type_system(base)) else None


def slot_resource(span, base: str) -> dict:
    """A bookable slot (`interop.slots.SlotSpan`): one visit of its specialty's type."""
    minutes = int((span.end - span.start).total_seconds() // 60)
    return {
        "resourceType": "Slot",
        "id": slot_id(span.clinician_id, span.start, span.end),
        "specialty": [specialty_concept(span.specialty, base)],
        "appointmentType": visit_type_concept(span.specialty, minutes, base),
        "schedule": reference("Schedule", span.clinician_id),
        "status": span.status,
        "start": instant(span.start),
        "end": instant(span.end),
    }


# Our resources in FHIR: a room (or a procedure room) is a Location inside its location, a
# machine a Device there, an interpreter a Practitioner who speaks their languages and
# joins a visit as its translator (participant type TRANS). Their ids carry the kind so
# they never collide with clinics' and clinicians' ids.
PLACES = ("procedure_room",)
BCP47 = "urn:ietf:bcp:47"


def resource_reference(resource) -> dict:
    """Location/room-N, Device/N or Practitioner/interpreter-N, with its name."""
    if resource.kind == "interpreter":
        return reference("Practitioner", f"interpreter-{resource.pk}", resource.name)
    if resource.kind == "room" or resource.equipment in PLACES:
        return reference("Location", f"room-{resource.pk}", resource.name)
    return reference("Device", resource.pk, resource.name)


def resource_fhir(resource, base: str) -> dict:
    """A room as a Location (physical type room, part of its location), a machine as a
    Device at its location, an interpreter as a Practitioner with the languages they
    speak (`communication`, BCP-47)."""
    kind, pk = resource_reference(resource)["reference"].split("/")
    status = "active" if resource.active else "inactive"
    if kind == "Practitioner":
        return {
            "resourceType": "Practitioner",
            "id": pk,
            "active": resource.active,
            "name": [{"text": resource.name}],
            "communication": [
                {"coding": [{"system": BCP47, "code": code}], "text": code}
                for code in resource.languages
            ],
        }
    if kind == "Location":
        return {
            "resourceType": "Location",
            "id": pk,
            "status": status,
            "name": resource.name,
            "mode": "instance",
            "type": [{"text": resource.kind_label}],
            "physicalType": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/location-physical-type",
                        "code": "ro",
                        "display": "Room",
                    }
                ]
            },
            "partOf": reference("Location", resource.location_id),
        }
    return {
        "resourceType": "Device",
        "id": pk,
        "status": status,
        "deviceName": [{"name": resource.name, "type": "user-friendly-name"}],
        "type": {
            "coding": [
                {
                    "system": equipment_system(base),
                    "code": resource.equipment,
                    "display": resource.kind_label,
                }
            ],
            "text": resource.kind_label,
        },
        "location": reference("Location", resource.location_id),
    }


def _participant(
    actor: dict, status: str, *, performer: bool = False, period=None, translator: bool = False
) -> dict:
    out: dict = {}
    if performer:
        out["type"] = [
            {"coding": [{"system": PARTICIPATION_TYPE, "code": "PPRF"}], "text": "performer"}
        ]
    if translator:
        out["type"] = [
            {"coding": [{"system": PARTICIPATION_TYPE, "code": "TRANS"}], "text": "translator"}
        ]
    out.update(actor=actor, required="required", status=status)
    if period:
        out["period"] = {"start": instant(period[0]), "end": instant(period[1])}
    return out


def appointment_resource(appointment, base: str, proposal: str | None = None) -> dict:
    """A booked visit: who, where, when, its visit type (`appointmentType`) and its status;
    never the case's clinical detail. `proposal`: the id of the `$find` proposal it was
    booked from, as a second identifier."""
    patient = appointment.patient
    identifiers = [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{appointment.uid}"}]
    if proposal:
        identifiers.append({"system": f"{base}NamingSystem/proposal", "value": proposal})
    minutes = int((appointment.end - appointment.start).total_seconds() // 60)
    visit_type = appointment.visit_type
    description = f"{SPECIALTY_LABEL[appointment.specialty]} visit"
    if visit_type is not None and not visit_type.new_patient:
        description += f": {visit_type.name}"
    return {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "meta": {"lastUpdated": instant(appointment.updated_at)},
        "identifier": identifiers,
        "status": appointment_status(appointment.status),
        "specialty": [specialty_concept(appointment.specialty, base)],
        "appointmentType": visit_type_of(visit_type, appointment.specialty, minutes, base),
        "description": description,
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "minutesDuration": minutes,
        "created": instant(appointment.created_at),
        **_based_on(appointment.referral_id),
        "participant": [
            _participant(
                reference("Patient", patient.pk, f"{patient.first_name} {patient.last_name}"),
                "accepted" if appointment.patient_confirmed_at else "needs-action",
            ),
            _participant(
                reference("Practitioner", appointment.clinician_id, appointment.clinician.name),
                "accepted",
                performer=True,
            ),
            _participant(
                reference("Location", appointment.location_id, appointment.location.name),
                "accepted",
            ),
            *(
                _participant(
                    resource_reference(row.resource),
                    "accepted",
                    translator=row.resource.kind == "interpreter",
                )
                for row in appointment.resource_bookings.all()
            ),
        ],
    }


# A referral is an order for a new-patient consult: its urgency is the request's priority
# and the consult deadline ends its occurrence period. No diagnosis, no clinical picture.
REFERRAL_STATUS = {"open": "active", "closed": "completed"}
REFERRAL_PRIORITY = {"emergency": "stat", "urgent": "urgent", "routine": "routine"}


def service_request_resource(referral) -> dict:
    """A referral as the ServiceRequest an Appointment is `basedOn`."""
    return {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"lastUpdated": instant(referral.updated_at)},
        "status": REFERRAL_STATUS[referral.status],
        "intent": "order",
        "priority": REFERRAL_PRIORITY[referral.urgency],
        "code": {"text": "New patient consult"},
        "subject": reference("Patient", referral.patient_id),
        "authoredOn": instant(referral.received_at),
        "occurrencePeriod": {
            "start": instant(referral.received_at),
            "end": instant(referral.consult_due_at),
        },
    }


def _based_on(referral_id: int | None) -> dict:
    return {"basedOn": [reference("ServiceRequest", referral_id)]} if referral_id else {}


def proposed_appointment(
    option,
    patient_id: int,
    names: dict[int, str],
    base: str,
    referral_id: int | None = None,
    *,
    pk: str | None = None,
    locations: dict[int, str] | None = None,
    requested: tuple | None = None,
    resources: dict | None = None,
    types: dict | None = None,
) -> dict:
    """One same-day option of the engine as a proposed Appointment: it spans the day's
    visits; each practitioner's `period` is their visit and each Location where one
    happens is a participant; `requestedPeriod` is the window asked for (dates, clinic
    time, as dates). `id` is the proposal's, for `$hold` and `$book` by reference.
    `resources` (by id): the rooms, machines and interpreter the visits take, each a
    participant with its visit's period (`resource_reference`, as booked Appointments
    have them); `types` (by specialty): the visit types, one `serviceType` per visit."""
    resource: dict = {"resourceType": "Appointment"}
    if pk:
        resource["id"] = pk
    resource.update(
        {
            "status": "proposed",
            **_based_on(referral_id),
            "specialty": [specialty_concept(v.specialty, base) for v in option.visits],
            "description": f"Same-day visits on {option.day.isoformat()}, "
            f"{option.total_wait} minutes of waiting between them",
            "start": instant(option.visits[0].start),
            "end": instant(option.finish),
            "minutesDuration": int((option.finish - option.visits[0].start).total_seconds() // 60),
        }
    )
    if types is not None:
        resource["serviceType"] = [
            visit_type_of(
                types.get(v.specialty),
                v.specialty,
                int((v.end - v.start).total_seconds() // 60),
                base,
            )
            for v in option.visits
        ]
    if requested:
        resource["requestedPeriod"] = [
            {"start": requested[0].isoformat(), "end": requested[1].isoformat()}
        ]
    seen: list[int] = []
    for v in option.visits:
        if v.location_id not in seen:
            seen.append(v.location_id)
    resource["participant"] = [
        _participant(reference("Patient", patient_id), "needs-action"),
        *(
            _participant(
                reference("Practitioner", v.clinician_id, names.get(v.clinician_id)),
                "needs-action",
                performer=True,
                period=(v.start, v.end),
            )
            for v in option.visits
        ),
        *(
            _participant(reference("Location", loc, (locations or {}).get(loc)), "needs-action")
            for loc in seen
        ),
        *(
            _participant(
                resource_reference(taken),
                "needs-action",
                period=(v.start, v.end),
                translator=taken.kind == "interpreter",
            )
            for v in option.visits
            for rid in v.resources
            if (taken := (resources or {}).get(rid)) is not None
        ),
    ]
    return resource


# --- bundles and outcomes ------------------------------------------------------------


def searchset(
    resources: Iterable[dict],
    *,
    base: str,
    total: int | None,
    links: dict[str, str],
    outcome: dict | None = None,
) -> dict:
    """A searchset Bundle; resources with an id get their URL as fullUrl, others a uuid."""
    entries = []
    for resource in resources:
        full_url = (
            f"{base}{resource['resourceType']}/{resource['id']}"
            if "id" in resource
            else f"urn:uuid:{uuid.uuid4()}"
        )
        entries.append({"fullUrl": full_url, "resource": resource, "search": {"mode": "match"}})
    if outcome:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": outcome,
                "search": {"mode": "outcome"},
            }
        )
    bundle: dict = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    bundle["link"] = [{"relation": relation, "url": url} for relation, url in links.items()]
    if entries:  # FHIR JSON has no empty arrays
        bundle["entry"] = entries
    return bundle


def collection(resources: Iterable[dict], *, base: str) -> dict:
    entries = [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r} for r in resources
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        **({"entry": entries} if entries else {}),
    }


def operation_outcome(diagnostics: str, code: str, severity: str = "error", expression=None):
    issue = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
