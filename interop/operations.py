"""The `Parameters` of `$find` and `$book`, read into the services' own inputs.

The REST API's serializers still hold the rules (dates, windows, pins, visits); a
problem they find is reported under the FHIR parameter's name.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from rest_framework.exceptions import ValidationError

from interop import mapping
from interop.params import Invalid, reference_id
from navigation.models import Clinician
from navigation.serializers import ItineraryBookSerializer, ItinerarySearchSerializer
from navigation.services import ItinerarySearch, VisitRequest
from patients.models import Patient, Referral
from patients.selectors import patient_list, referral_list
from tumorboard.errors import _flatten

FIND_PARAMETERS = {
    # FHIR parameter: (our field, value[x] types accepted)
    "patient": ("patient", ("valueReference", "valueString")),
    "start": ("date_from", ("valueDate",)),
    "end": ("date_to", ("valueDate",)),
    "specialty": ("specialties", ("valueCodeableConcept", "valueCoding", "valueCode")),
    "practitioner": ("clinicians", ("valueReference",)),
    "max-wait": ("max_total_wait", ("valueInteger",)),
    "earliest-arrival": ("earliest_arrival", ("valueTime",)),
    "latest-departure": ("latest_departure", ("valueTime",)),
    "_count": ("limit", ("valueInteger", "valuePositiveInt")),
    "referral": ("referral", ("valueReference",)),
}
REPEATING = {"specialty", "practitioner"}
BOOK_PARAMETERS = ("appointment", "appt-resource")  # ours, and Argonaut's name


def _parameters(body, allowed) -> dict[str, list[dict]]:
    """`Parameters.parameter` by name; a body that is not Parameters is refused."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise Invalid("The body must be a FHIR Parameters resource.", "Parameters")
    found: dict[str, list[dict]] = {}
    for index, parameter in enumerate(body.get("parameter") or []):
        name = parameter.get("name") if isinstance(parameter, dict) else None
        if name not in allowed:
            raise Invalid(
                f"Unknown parameter “{name}”; this operation takes {', '.join(allowed)}.",
                f"Parameters.parameter[{index}]",
            )
        found.setdefault(name, []).append(parameter)
    return found


def _value(parameter: dict, name: str, types: tuple[str, ...]):
    for kind in types:
        if kind in parameter:
            return kind, parameter[kind]
    raise Invalid(f"Parameter “{name}” needs a {' or '.join(types)}.", name)


def _patient(value, name: str, user) -> Patient:
    ref = value.get("reference", "") if isinstance(value, dict) else str(value)
    patient = patient_list(user=user).filter(pk=reference_id(ref, "Patient", name)).first()
    if patient is None:
        raise Invalid(f"No patient “{ref}”.", name)
    return patient


def _specialty(kind: str, value, base: str) -> str:
    if kind == "valueCode":
        codings = [{"code": value}]
    elif kind == "valueCoding":
        codings = [value]
    else:
        codings = value.get("coding", []) if isinstance(value, dict) else []
    for coding in codings:
        found = mapping.specialty_from_coding(coding.get("system"), coding.get("code"), base)
        if found:
            return found
    raise Invalid(f"{value} is not a specialty we schedule.", "specialty")


def _from_serializer(error: ValidationError, names: dict[str, str]) -> Invalid:
    field, problems = next(iter(_flatten(error.detail).items()))
    top = field.split(".")[0].split("[")[0]
    name = names.get(top, field)
    return Invalid(f"{name}: {problems[0]}", name)


def find_input(body, *, user, base: str) -> tuple[Patient, Referral | None, ItinerarySearch]:
    given = _parameters(body, tuple(FIND_PARAMETERS))
    for name in ("patient", "start", "end"):
        if name not in given:
            raise Invalid(f"Parameter “{name}” is required.", name)
    if "specialty" not in given and "referral" not in given:
        raise Invalid(
            "Name a “specialty”, or give the “referral” to suggest the specialties.", "specialty"
        )
    data: dict = {"specialties": [], "clinicians": {}}
    patient = None
    for name, parameters in given.items():
        field, types = FIND_PARAMETERS[name]
        if len(parameters) > 1 and name not in REPEATING:
            raise Invalid(f"Parameter “{name}” is given more than once.", name)
        for parameter in parameters:
            kind, value = _value(parameter, name, types)
            if name == "patient":
                patient = _patient(value, name, user)
                data["patient"] = patient.pk
            elif name == "specialty":
                data["specialties"].append(_specialty(kind, value, base))
            elif name == "practitioner":
                ref = value.get("reference", "") if isinstance(value, dict) else ""
                clinician = Clinician.objects.filter(
                    pk=reference_id(ref, "Practitioner", name), active=True
                ).first()
                if clinician is None:
                    raise Invalid(f"No practitioner “{ref}” sees patients.", name)
                if clinician.specialty in data["clinicians"]:
                    specialty = mapping.SPECIALTY_LABEL[clinician.specialty].lower()
                    raise Invalid(
                        f"Two practitioners are pinned for {specialty}; each specialty is seen "
                        f"once.",
                        name,
                    )
                data["clinicians"][clinician.specialty] = clinician.pk
            elif name == "referral":
                ref = value.get("reference", "") if isinstance(value, dict) else ""
                data["referral"] = reference_id(ref, "ServiceRequest", name)
            else:
                data[field] = value
    serializer = ItinerarySearchSerializer(data=data)
    if not serializer.is_valid():
        raise _from_serializer(
            ValidationError(serializer.errors),
            {field: name for name, (field, _) in FIND_PARAMETERS.items()},
        )
    valid = serializer.validated_data
    window = None
    if valid.get("earliest_arrival") or valid.get("latest_departure"):
        window = (valid.get("earliest_arrival"), valid.get("latest_departure"))
    referral = valid.get("referral")
    return (
        patient,
        referral,
        ItinerarySearch(
            specialties=tuple(valid["specialties"]),
            first=valid["date_from"],
            last=valid["date_to"],
            max_total_wait=valid["max_total_wait"],
            window=window,
            pins=valid.get("clinicians"),
            limit=valid["limit"],
        ),
    )


def _instant(period, path: str) -> tuple[datetime, datetime]:
    try:
        start = datetime.fromisoformat(period["start"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(period["end"].replace("Z", "+00:00"))
    except (TypeError, KeyError, ValueError, AttributeError):
        raise Invalid(f"{path} needs a start and an end instant.", path) from None
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid(f"{path} needs times with a zone offset, e.g. Z.", path)
    minutes, rest = divmod((end - start).total_seconds(), 60)
    if rest or minutes <= 0:
        raise Invalid(f"{path} must end a whole number of minutes after it starts.", path)
    return start, end


def _referral(appointment: dict, patient: Patient, user) -> Referral | None:
    """The referral the Appointment is `basedOn`, one of the patient's own, if any."""
    based_on = appointment.get("basedOn") or []
    if not isinstance(based_on, list) or len(based_on) > 1:
        raise Invalid(
            "Appointment.basedOn holds at most one ServiceRequest.", "Appointment.basedOn"
        )
    if not based_on:
        return None
    ref = based_on[0].get("reference", "") if isinstance(based_on[0], dict) else ""
    pk = reference_id(ref, "ServiceRequest", "Appointment.basedOn")
    referral = referral_list(user=user, now=timezone.now()).filter(pk=pk, patient=patient).first()
    if referral is None:
        raise Invalid(
            f"Appointment.basedOn: “{ref}” is not a referral of this patient.",
            "Appointment.basedOn",
        )
    return referral


def book_input(body, *, user) -> tuple[Patient, Referral | None, list[VisitRequest]]:
    """The proposed Appointment's patient, the referral it is based on, and a visit per
    Practitioner with a period."""
    given = _parameters(body, BOOK_PARAMETERS)
    resources = [p for name in BOOK_PARAMETERS for p in given.get(name, [])]
    if len(resources) != 1:
        raise Invalid(
            "Give exactly one parameter “appointment” with the Appointment.", "appointment"
        )
    appointment = resources[0].get("resource")
    if not isinstance(appointment, dict) or appointment.get("resourceType") != "Appointment":
        raise Invalid("Parameter “appointment” must hold an Appointment resource.", "appointment")
    if appointment.get("status", "proposed") not in ("proposed", "pending", "booked"):
        raise Invalid(
            f"An Appointment that is {appointment['status']} cannot be booked.",
            "Appointment.status",
        )
    patients, visits = [], []
    for index, participant in enumerate(appointment.get("participant") or []):
        path = f"Appointment.participant[{index}]"
        ref = (participant.get("actor") or {}).get("reference", "")
        if ref.split("/")[-2:-1] == ["Patient"]:
            patients.append(_patient(ref, f"{path}.actor", user))
        elif ref.split("/")[-2:-1] == ["Practitioner"]:
            start, end = _instant(participant.get("period"), f"{path}.period")
            visits.append(
                {
                    "clinician": reference_id(ref, "Practitioner", f"{path}.actor"),
                    "start": start.isoformat(),
                    "minutes": int((end - start).total_seconds() // 60),
                }
            )
    if len(patients) != 1:
        raise Invalid(
            "The Appointment needs exactly one Patient participant.", "Appointment.participant"
        )
    if not visits:
        raise Invalid(
            "The Appointment needs a Practitioner participant with a period for each visit.",
            "Appointment.participant",
        )
    serializer = ItineraryBookSerializer(data={"patient": patients[0].pk, "visits": visits})
    if not serializer.is_valid():
        raise _from_serializer(
            ValidationError(serializer.errors), {"visits": "Appointment.participant"}
        )
    return (
        patients[0],
        _referral(appointment, patients[0], user),
        [
            VisitRequest(clinician=v["clinician"], start=v["start"], minutes=v.get("minutes"))
            for v in serializer.validated_data["visits"]
        ],
    )
