"""Referrals in from the EHR: a FHIR Patient and ServiceRequest read into the same services
the browser's forms use (patients.services.patient_create, referral_create), so a referral
sent by the EHR is triaged exactly like one typed in.

The clinical picture travels as contained Observations the ServiceRequest lists in
`supportingInfo`: each one's `code` is one of our referral fields (system
`{base}CodeSystem/referral-finding`, e.g. primary_cancer, sites, pain_score,
neuro_status, suspected_mescc) and its value the field's value (valueCodeableConcept or
valueString for a code, valueInteger, valueBoolean). The REST API's serializer checks
them; a problem is a 400 naming the Observation.
"""

from __future__ import annotations

from datetime import datetime

from rest_framework.exceptions import ValidationError

from interop import mapping
from interop.params import Invalid, reference_id
from patients.models import Patient
from patients.selectors import patient_list
from patients.serializers import PatientSerializer, ReferralSerializer
from tumorboard.errors import _flatten

VALUE_TYPES = ("valueCodeableConcept", "valueString", "valueInteger", "valueBoolean", "valueCode")


def finding_system(base: str) -> str:
    return f"{base}CodeSystem/referral-finding"


def _bad(error: ValidationError, where: dict[str, str], default: str) -> Invalid:
    field, problems = next(iter(_flatten(error.detail).items()))
    top = field.split(".")[0]
    if top in where:
        return Invalid(f"{where[top]}: {problems[0]}", where[top])
    return Invalid(f"{default} ({top}): {problems[0]}", default)


def mrn_of(resource: dict, base: str) -> str | None:
    identifiers = resource.get("identifier") or []
    if not isinstance(identifiers, list):
        raise Invalid("Patient.identifier must be a list.", "Patient.identifier")
    for identifier in identifiers:
        if not isinstance(identifier, dict):
            raise Invalid("Patient.identifier holds objects.", "Patient.identifier")
        if identifier.get("system") in (mapping.mrn_system(base), None) or (
            (identifier.get("type") or {}).get("coding", [{}])[0].get("code") == "MR"
        ):
            value = identifier.get("value")
            if isinstance(value, str) and value:
                return value
    return None


def patient_fields(resource, base: str) -> dict:
    """The fields `patient_create` takes, from a FHIR Patient (MRN, name, birth date)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "Patient":
        raise Invalid("The body must be a Patient.", "Patient")
    mrn = mrn_of(resource, base)
    if not mrn:
        raise Invalid(
            f"Patient.identifier needs the MRN (system {mapping.mrn_system(base)}).",
            "Patient.identifier",
        )
    names = resource.get("name") or []
    name = names[0] if isinstance(names, list) and names and isinstance(names[0], dict) else {}
    given = name.get("given") or []
    data = {
        "mrn": mrn,
        "first_name": given[0] if isinstance(given, list) and given else "",
        "last_name": name.get("family", ""),
        "birth_date": resource.get("birthDate"),
    }
    serializer = PatientSerializer(data=data)
    if not serializer.is_valid():
        where = {"mrn": "Patient.identifier", "first_name": "Patient.name.given"}
        where |= {"last_name": "Patient.name.family", "birth_date": "Patient.birthDate"}
        raise _bad(ValidationError(serializer.errors), where, "Patient")
    return serializer.validated_data


def _finding(observation, index: int, base: str) -> tuple[str, object]:
    path = f"ServiceRequest.contained[{index}]"
    if not isinstance(observation, dict) or observation.get("resourceType") != "Observation":
        raise Invalid(f"{path} must be an Observation.", path)
    codings = (
        (observation.get("code") or {}).get("coding")
        if isinstance(observation.get("code"), dict)
        else None
    )
    if not isinstance(codings, list) or not codings or not isinstance(codings[0], dict):
        raise Invalid(f"{path}.code needs a coding.", f"{path}.code")
    coding = codings[0]
    if coding.get("system") != finding_system(base) or not isinstance(coding.get("code"), str):
        raise Invalid(f"{path}.code must be from {finding_system(base)}.", f"{path}.code")
    for kind in VALUE_TYPES:
        if kind in observation:
            value = observation[kind]
            if kind == "valueCodeableConcept":
                inner = (value or {}).get("coding") if isinstance(value, dict) else None
                if not isinstance(inner, list) or not inner or not isinstance(inner[0], dict):
                    raise Invalid(f"{path}.valueCodeableConcept needs a coding.", path)
                value = inner[0].get("code")
            return coding["code"], value
    raise Invalid(f"{path} needs a value.", path)


def referral_fields(resource, *, user, base: str) -> dict:
    """The fields `referral_create` takes, from a FHIR ServiceRequest: subject, requester
    (display: the referring oncologist), authoredOn (received), and the findings."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "ServiceRequest":
        raise Invalid("The body must be a ServiceRequest.", "ServiceRequest")
    subject = resource.get("subject")
    if not isinstance(subject, dict) or not isinstance(subject.get("reference"), str):
        raise Invalid("ServiceRequest.subject needs the Patient.", "ServiceRequest.subject")
    pk = reference_id(subject["reference"], "Patient", "ServiceRequest.subject")
    patient = patient_list(user=user).filter(pk=pk).first()
    if patient is None:
        raise Invalid(f"No patient “{subject['reference']}”.", "ServiceRequest.subject")
    requester = resource.get("requester")
    display = requester.get("display") if isinstance(requester, dict) else None
    data: dict = {"patient": patient.pk, "referring_oncologist": display}
    if resource.get("authoredOn") is not None:
        data["received_at"] = resource["authoredOn"]
    contained = resource.get("contained") or []
    if not isinstance(contained, list):
        raise Invalid("ServiceRequest.contained must be a list.", "ServiceRequest.contained")
    where: dict[str, str] = {
        "patient": "ServiceRequest.subject",
        "referring_oncologist": "ServiceRequest.requester.display",
        "received_at": "ServiceRequest.authoredOn",
    }
    for index, observation in enumerate(contained):
        field, value = _finding(observation, index, base)
        if field in data or field not in ReferralSerializer.Meta.fields:
            raise Invalid(
                f"ServiceRequest.contained[{index}]: “{field}” is not a finding we record "
                f"(or is given twice).",
                f"ServiceRequest.contained[{index}].code",
            )
        data[field] = value
        where[field] = f"ServiceRequest.contained[{index}]"
    serializer = ReferralSerializer(data=data, context={"now": None})
    if not serializer.is_valid():
        raise _bad(ValidationError(serializer.errors), where, "ServiceRequest.contained")
    return serializer.validated_data


def patient_by_mrn(mrn: str) -> Patient | None:
    return Patient.objects.filter(mrn=mrn).first()


def parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
