"""The `Parameters` of `$find` and `$book`, read into the services' own inputs.

The REST API's serializers still hold the rules (dates, windows, pins, visits); a
problem they find is reported under the FHIR parameter's name.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from interop import mapping
from interop import participants as participants_of
from interop.models import Proposal
from interop.params import Invalid, reference_id
from interop.slots import slot_get
from navigation import selectors
from navigation.models import Clinician, Location, Resource, VisitType
from navigation.serializers import ItineraryBookSerializer, ItinerarySearchSerializer
from navigation.services import ItinerarySearch, VisitRequest
from patients.models import Patient, Referral
from patients.selectors import patient_list, referral_list
from tumorboard.errors import Conflict, DomainError, _flatten

FIND_PARAMETERS = {
    # FHIR parameter: (our field, value[x] types accepted). IHE ITI Scheduling's names
    # (patient-reference, start/end as dateTime, specialty as a token, practitioner,
    # location-reference, visit-type, reason, referral-identifier) and ours before them.
    "patient": ("patient", ("valueReference", "valueString")),
    "patient-reference": ("patient", ("valueReference", "valueString")),
    "start": ("date_from", ("valueDate", "valueDateTime", "valueString")),
    "end": ("date_to", ("valueDate", "valueDateTime", "valueString")),
    "specialty": (
        "specialties",
        ("valueCodeableConcept", "valueCoding", "valueCode", "valueString"),
    ),
    "practitioner": ("clinicians", ("valueReference", "valueString")),
    "provider": ("clinicians", ("valueReference", "valueString")),
    "location-reference": ("location", ("valueReference", "valueString")),
    "location": ("location", ("valueReference", "valueString")),
    "visit-type": (
        "visit_type",
        ("valueCodeableConcept", "valueCoding", "valueCode", "valueString"),
    ),
    "appointment-type": (
        "visit_type",
        ("valueCodeableConcept", "valueCoding", "valueCode", "valueString"),
    ),
    "reason": ("reason", ("valueCodeableConcept", "valueCoding", "valueCode", "valueString")),
    "max-wait": ("max_total_wait", ("valueInteger", "valueString")),
    "earliest-arrival": ("earliest_arrival", ("valueTime", "valueString")),
    "latest-departure": ("latest_departure", ("valueTime", "valueString")),
    "_count": ("limit", ("valueInteger", "valuePositiveInt", "valueString")),
    "referral": ("referral", ("valueReference", "valueString")),
    "referral-identifier": ("referral", ("valueIdentifier", "valueString")),
}
REPEATING = {"specialty", "practitioner", "provider", "location-reference", "location"}
REPEATING |= {"visit-type", "appointment-type", "reason"}
PROPOSAL_MINUTES = 15
BOOK_PARAMETERS = ("appointment-reference", "appointment-resource", "appointment", "appt-resource")
HOLD_PARAMETERS = ("appointment-reference",)


def _parameters(body, allowed) -> dict[str, list[dict]]:
    """`Parameters.parameter` by name; a body that is not Parameters is refused."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise Invalid("The body must be a FHIR Parameters resource.", "Parameters")
    found: dict[str, list[dict]] = {}
    listed = body.get("parameter") or []
    if not isinstance(listed, list):
        raise Invalid("Parameters.parameter must be a list.", "Parameters.parameter")
    for index, parameter in enumerate(listed):
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


def query_parameters(query) -> dict:
    """A GET's query string as the Parameters a POST would send (every value a string)."""
    return {
        "resourceType": "Parameters",
        "parameter": [
            {"name": name, "valueString": value}
            for name in query
            for value in query.getlist(name)
            if name not in ("_format", "_pretty")
        ],
    }


def _ref(value, name: str, kind: str) -> str:
    """A reference parameter's text (valueReference or valueString); else a 400 naming
    `name` with an example of a `kind` reference."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("reference"), str):
        return value["reference"]
    raise Invalid(f"Parameter “{name}” needs a reference such as {kind}/12.", name)


def _patient(value, name: str, user) -> Patient:
    ref = _ref(value, name, "Patient")
    patient = patient_list(user=user).filter(pk=reference_id(ref, "Patient", name)).first()
    if patient is None:
        raise Invalid(f"No patient “{ref}”.", name)
    return patient


def _codings(kind: str, value, name: str) -> list[dict]:
    if kind == "valueString":
        if not isinstance(value, str):
            raise Invalid(f"Parameter “{name}” needs a token such as system|code.", name)
        system, bar, code = value.rpartition("|")
        return [{"system": system or None, "code": code}]
    if kind == "valueCode":
        if not isinstance(value, str):
            raise Invalid(f"Parameter “{name}” needs a code.", name)
        return [{"code": value}]
    if kind == "valueCoding":
        value = {"coding": [value]}
    codings = value.get("coding") if isinstance(value, dict) else None
    if not isinstance(codings, list) or not all(isinstance(c, dict) for c in codings):
        raise Invalid(f"Parameter “{name}” needs a CodeableConcept with codings.", name)
    return codings


def _specialty(kind: str, value, base: str, name: str = "specialty") -> str:
    for coding in _codings(kind, value, name):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(code, str) or not isinstance(system, str | None):
            continue
        found = mapping.specialty_from_coding(system, code, base)
        if found:
            return found
    raise Invalid(f"{name}: {value} is not a specialty we schedule.", name)


def _visit_type(kind: str, value, base: str, name: str) -> VisitType | None:
    """The visit type a token names (our visit-type code system, or a bare id), or None
    when it names none (a specialty code: the caller reads it so). An id we do not have is
    a 400 naming `name`."""
    for coding in _codings(kind, value, name):
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str | None):
            continue
        pk = mapping.visit_type_from_coding(system, code, base)
        if pk is None:
            continue
        found = VisitType.objects.filter(pk=pk).first()
        if found is None:
            raise Invalid(
                f"{name}: there is no visit type {pk} (our visit types are "
                f"{mapping.visit_type_system(base)}, by id).",
                name,
            )
        return found
    return None


def _date(kind: str, value, name: str):
    """A date, or a dateTime read as its date in clinic time."""
    from navigation.selectors import clinic_zone

    if not isinstance(value, str):
        raise Invalid(f"Parameter “{name}” needs a date such as 2026-03-09.", name)
    text = value[2:] if value[:2] in ("ge", "le", "eq", "gt", "lt") else value
    try:
        if "T" in text:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError
            return moment.astimezone(clinic_zone()).date().isoformat()
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise Invalid(
            f"Parameter “{name}”: “{value}” is not a date or a dateTime with its offset.", name
        ) from None


def _from_serializer(error: ValidationError, names: dict[str, str]) -> Invalid:
    field, problems = next(iter(_flatten(error.detail).items()))
    top = field.split(".")[0].split("[")[0]
    name = names.get(top, field)
    return Invalid(f"{name}: {problems[0]}", name)


class _Given(serializers.Field):
    """A value already read and checked (the patient): taken as it is."""

    def to_internal_value(self, data):
        return data


class _FindSerializer(ItinerarySearchSerializer):
    patient = _Given()


@dataclass(frozen=True)
class FindInput:
    patient: Patient
    referral: Referral | None
    search: ItinerarySearch
    locations: tuple[int, ...]  # required Location ids (any of them), empty for any
    visit_type_param: str = "visit-type"  # the parameter that chose the visit types


def find_input(body, *, user, base: str) -> FindInput:
    """`$find`'s Parameters (or a GET's query as Parameters) read and checked: the patient,
    the referral, the search and the Locations the visits must be at. With a referral and
    no specialty, the referral's clinical picture suggests the specialties (the REST
    API's rule, navigation.rules.suggested_specialties)."""
    given = _parameters(body, tuple(FIND_PARAMETERS))
    names = {FIND_PARAMETERS[n][0]: n for n in given}
    patients = given.get("patient", []) + given.get("patient-reference", [])
    if not patients:
        raise Invalid("Parameter “patient-reference” is required.", "patient-reference")
    if len(patients) > 1:
        first = "patient" if "patient" in given else "patient-reference"
        raise Invalid(f"Parameter “{first}” is given more than once.", first)
    for name in ("start", "end"):
        if name not in given:
            raise Invalid(f"Parameter “{name}” is required.", name)
    data: dict = {"specialties": [], "clinicians": {}, "visit_types": {}}
    patient = None
    locations: list[int] = []
    for name, parameters in given.items():
        field, types = FIND_PARAMETERS[name]
        if len(parameters) > 1 and name not in REPEATING:
            raise Invalid(f"Parameter “{name}” is given more than once.", name)
        for parameter in parameters:
            kind, value = _value(parameter, name, types)
            if field == "patient":
                patient = _patient(value, name, user)
            elif field == "specialties":
                for part in value.split(",") if kind == "valueString" else [value]:
                    data["specialties"].append(_specialty(kind, part, base, name))
            elif field == "clinicians":
                for ref in _ref(value, name, "Practitioner").split(","):
                    clinician = Clinician.objects.filter(
                        pk=reference_id(ref, "Practitioner", name), active=True
                    ).first()
                    if clinician is None:
                        raise Invalid(f"No practitioner “{ref}” sees patients.", name)
                    if clinician.specialty in data["clinicians"]:
                        label = mapping.SPECIALTY_LABEL[clinician.specialty].lower()
                        raise Invalid(
                            f"Two practitioners are pinned for {label}; each specialty is "
                            f"seen once.",
                            name,
                        )
                    data["clinicians"][clinician.specialty] = clinician.pk
            elif field == "location":
                for ref in _ref(value, name, "Location").split(","):
                    pk = reference_id(ref, "Location", name)
                    if not Location.objects.filter(pk=pk).exists():
                        raise Invalid(f"No location “{ref}”.", name)
                    locations.append(pk)
            elif field == "visit_type":
                # A visit type of ours (its id), or a specialty: its new-patient visit.
                for part in value.split(",") if kind == "valueString" else [value]:
                    chosen = _visit_type(kind, part, base, name)
                    if chosen is None:
                        data["specialties"].append(_specialty(kind, part, base, name))
                        continue
                    if data["visit_types"].get(chosen.specialty, chosen.pk) != chosen.pk:
                        raise Invalid(
                            f"{name}: two visit types of "
                            f"{mapping.SPECIALTY_LABEL[chosen.specialty].lower()}; each "
                            f"specialty is seen once.",
                            name,
                        )
                    data["specialties"].append(chosen.specialty)
                    data["visit_types"][chosen.specialty] = chosen.pk
                    names["visit_types"] = name
            elif field == "reason":
                _codings(kind, value, name)  # read, checked; triage comes from the referral
            elif field == "referral":
                if name == "referral-identifier":
                    text = value if isinstance(value, str) else (value or {}).get("value")
                    if not isinstance(text, str):
                        raise Invalid("referral-identifier needs a value.", name)
                    ref = text.rpartition("|")[2]
                else:
                    ref = _ref(value, name, "ServiceRequest")
                data["referral"] = reference_id(ref, "ServiceRequest", name)
            elif field in ("date_from", "date_to"):
                data[field] = _date(kind, value, name)
            else:
                data[field] = value
    data["specialties"] = list(dict.fromkeys(data["specialties"]))
    if not data["specialties"]:
        del data["specialties"]  # the referral suggests them, or the serializer says why
        if "referral" not in data:
            raise Invalid(
                "Name a “specialty”, or give the referral to suggest the specialties.",
                "specialty",
            )
    data["patient"] = patient  # read above, with the client's access: not read again
    serializer = _FindSerializer(data=data)
    if not serializer.is_valid():
        raise _from_serializer(ValidationError(serializer.errors), names)
    valid = serializer.validated_data
    window = None
    if valid.get("earliest_arrival") or valid.get("latest_departure"):
        window = (valid.get("earliest_arrival"), valid.get("latest_departure"))
    referral = valid.get("referral")
    if referral is not None and referral.patient_id != patient.pk:
        raise Invalid("The referral is not this patient's.", names.get("referral", "referral"))
    return FindInput(
        patient=patient,
        referral=referral,
        search=ItinerarySearch(
            specialties=tuple(valid["specialties"]),
            first=valid["date_from"],
            last=valid["date_to"],
            max_total_wait=valid["max_total_wait"],
            window=window,
            pins=valid.get("clinicians"),
            limit=valid["limit"],
            visit_types=valid["visit_types"] or None,
        ),
        locations=tuple(locations),
        visit_type_param=names.get("visit_types", "visit-type"),
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
    if not isinstance(ref, str):
        ref = ""
    pk = reference_id(ref, "ServiceRequest", "Appointment.basedOn")
    referral = referral_list(user=user, now=timezone.now()).filter(pk=pk, patient=patient).first()
    if referral is None:
        raise Invalid(
            f"Appointment.basedOn: “{ref}” is not a referral of this patient.",
            "Appointment.basedOn",
        )
    return referral


def _slot_visits(slots, now) -> list[dict]:
    """`Appointment.slot`: each referenced Slot of ours as the visit it books."""
    if slots is None:
        return []
    if not isinstance(slots, list):
        raise Invalid("Appointment.slot must be a list of Slot references.", "Appointment.slot")
    visits = []
    for index, item in enumerate(slots):
        path = f"Appointment.slot[{index}]"
        ref = item.get("reference") if isinstance(item, dict) else None
        if not isinstance(ref, str):
            raise Invalid(f"{path} needs a reference such as Slot/7-20260309T120000-….", path)
        kind, _, pk = ref.rstrip("/").rpartition("/")
        span = slot_get(pk, now=now) if kind.rpartition("/")[2] in ("", "Slot") else None
        if span is None:
            raise Invalid(
                f"{path}: “{ref}” is not one of our slots (search Slot?schedule=…).", path
            )
        visits.append(
            {
                "clinician": span.clinician_id,
                "start": span.start.isoformat(),
                "minutes": int((span.end - span.start).total_seconds() // 60),
            }
        )
    return visits


def at_place(location_id: int, wanted, parents: dict[int, int | None]) -> bool:
    """A visit at `location_id` is at one of the `wanted` Locations: there, or in a
    building one of them contains (the one rule of `$find`'s and `$book`'s Locations)."""
    return location_id in wanted or parents.get(location_id) in wanted


@dataclass(frozen=True)
class RequiredPlace:
    location: Location
    period: tuple[datetime, datetime] | None  # the visits it is for; None: every visit
    path: str


def _required_place(participant: dict, ref: str, path: str) -> RequiredPlace:
    location = Location.objects.filter(pk=reference_id(ref, "Location", f"{path}.actor")).first()
    if location is None:
        raise Invalid(f"{path}: no location “{ref}”.", f"{path}.actor")
    period = None
    if participant.get("period") is not None:
        period = _instant(participant["period"], f"{path}.period")
    return RequiredPlace(location, period, path)


def _at_required_places(
    visits: list[VisitRequest], places: list[RequiredPlace]
) -> list[VisitRequest]:
    """Each visit pinned to the session location a required Location participant asks for
    (booking re-checks it under its locks); a visit whose session is elsewhere is a 422
    naming the participant, never booked at another place."""
    if not places:
        return visits
    parents = dict(Location.objects.values_list("pk", "parent_id"))
    covering = selectors.sessions_covering(
        [(v.clinician, v.start, v.start + timedelta(minutes=v.minutes or 0)) for v in visits]
    )
    pinned = []
    for visit, found in zip(visits, covering, strict=True):
        mine = [p for p in places if p.period is None or p.period[0] <= visit.start < p.period[1]]
        if not mine or found is None:  # no place asked, or no session: booking says why
            pinned.append(visit)
            continue
        if not at_place(found[0], {p.location.pk for p in mine}, parents):
            names = " or ".join(f"Location/{p.location.pk} ({p.location.name})" for p in mine)
            raise DomainError(
                f"{mine[0].path}: {visit.clinician.name}'s session at "
                f"{mapping.instant(visit.start)} is at another location "
                f"(Location/{found[0]}), not the required {names}. Nothing was booked.",
                field=mine[0].path,
                code="wrong_location",
            )
        pinned.append(replace(visit, location_id=found[0]))
    return pinned


@dataclass(frozen=True)
class BookInput:
    patient: Patient
    referral: Referral | None
    visits: list[VisitRequest]
    proposal: Proposal | None = None  # when booked by reference
    existing: int | None = None  # an Appointment id: the $book is a change of it
    status: str = "booked"  # what the Appointment should become
    by_reference: bool = False  # the proposal's own visits, not a resource's
    # resource id -> the required participant that asked for it (`participants.py`)
    resource_paths: dict[int, str] = dataclasses.field(default_factory=dict)


def _one(given: dict, names: tuple[str, ...], what: str) -> tuple[str, dict]:
    found = [(n, p) for n in names for p in given.get(n, [])]
    if len(found) != 1:
        raise Invalid(f"Give exactly one “{names[0]}” ({what}).", names[0])
    return found[0]


def appointment_reference(
    body, names=("appointment-reference",), allowed=BOOK_PARAMETERS
) -> tuple[str, str] | None:
    """The ("Appointment", id) a by-reference operation names, or None."""
    given = _parameters(body, allowed)
    refs = [p for n in names for p in given.get(n, [])]
    if not refs:
        return None
    if len(refs) > 1:
        raise Invalid("Give one “appointment-reference”.", "appointment-reference")
    value = refs[0].get("valueReference", refs[0].get("valueString"))
    ref = _ref(value, "appointment-reference", "Appointment").rstrip("/")
    kind, _, pk = ref.rpartition("/")
    if kind.rpartition("/")[2] not in ("", "Appointment") or not pk:
        raise Invalid(
            f"“{ref}” is not an Appointment reference such as Appointment/abc.",
            "appointment-reference",
        )
    return "Appointment", pk


def proposal_get(pk: str, *, user, now) -> Proposal:
    """A proposal of `$find` still open (or held: its hold says how long), for a patient
    `user` may see; else 400 naming `appointment-reference`."""
    proposal = (
        Proposal.objects.filter(Q(expires_at__gt=now) | Q(hold__isnull=False), pk=pk)
        .select_related("patient", "referral", "hold")
        .first()
    )
    if proposal is None or not patient_list(user=user).filter(pk=proposal.patient_id).exists():
        raise Invalid(
            f"Appointment/{pk} is not a proposal of a recent $find (they last "
            f"{PROPOSAL_MINUTES} minutes); run $find again.",
            "appointment-reference",
        )
    return proposal


def proposal_visits(proposal: Proposal) -> list[VisitRequest]:
    """The visits a proposal would book, each at the Location it was proposed at (booking
    checks the session is still there), of the visit type it was found with, taking the
    rooms, machines and interpreter it proposed (booking checks they are still free)."""
    clinicians = Clinician.objects.select_related("home_location").in_bulk(
        [v["clinician"] for v in proposal.visits]
    )
    types = VisitType.objects.in_bulk(
        [v["visit_type"] for v in proposal.visits if v.get("visit_type")]
    )
    taken = Resource.objects.in_bulk([r for v in proposal.visits for r in v.get("resources") or ()])
    return [
        VisitRequest(
            clinician=clinicians[v["clinician"]],
            start=datetime.fromisoformat(v["start"]),
            minutes=v["minutes"],
            location_id=v.get("location"),
            visit_type=types.get(v.get("visit_type")),
            resources=tuple(taken[r] for r in v["resources"] if r in taken)
            if v.get("resources")
            else None,
        )
        for v in proposal.visits
    ]


def hold_input(body, *, user, now) -> Proposal:
    """`$hold`'s one `appointment-reference`: a proposal of a recent `$find`."""
    found = appointment_reference(body, allowed=HOLD_PARAMETERS)
    if found is None:
        raise Invalid("Parameter “appointment-reference” is required.", "appointment-reference")
    _, pk = found
    if pk.isdigit():
        raise Invalid(
            f"Appointment/{pk} is an appointment, not a proposal of $find; only proposals "
            f"can be held.",
            "appointment-reference",
        )
    return proposal_get(pk, user=user, now=now)


def book_input(body, *, user, now=None, base: str = "") -> BookInput:
    """`$book`: by reference (`appointment-reference`, IHE: a proposal of `$find`, or a
    booked Appointment to cancel), or by resource (`appointment-resource`, Argonaut's
    `appt-resource`, our `appointment`): the proposed Appointment, every Practitioner
    participant with a period a visit; a booked Appointment's id with status cancelled
    cancels it. Every shape is checked before use: 400 naming the element."""
    now = now or timezone.now()
    given = _parameters(body, BOOK_PARAMETERS)
    name, parameter = _one(given, BOOK_PARAMETERS, "the proposed Appointment")
    if name == "appointment-reference":
        _, pk = appointment_reference(body)
        if pk.isdigit():
            raise Invalid(
                f"Appointment/{pk} is already booked; to cancel it send it as "
                f"“appointment-resource” with status cancelled.",
                "appointment-reference",
            )
        proposal = proposal_get(pk, user=user, now=now)
        return BookInput(
            patient=proposal.patient,
            referral=proposal.referral,
            visits=[],
            proposal=proposal,
            by_reference=True,
        )
    appointment = parameter.get("resource")
    if not isinstance(appointment, dict) or appointment.get("resourceType") != "Appointment":
        raise Invalid(f"Parameter “{name}” must hold an Appointment resource.", name)
    status = appointment.get("status", "proposed")
    if not isinstance(status, str):
        raise Invalid("Appointment.status must be a code.", "Appointment.status")
    pk = appointment.get("id")
    if pk is not None and not isinstance(pk, str):
        raise Invalid("Appointment.id must be a string.", "Appointment.id")
    if status == "cancelled" and pk and pk.isdigit():
        return BookInput(
            patient=None, referral=None, visits=[], existing=int(pk), status="cancelled"
        )
    held = None
    if status == "cancelled" and pk:
        held = Proposal.objects.filter(pk=pk, hold__isnull=False).first()
    if held is not None:  # IHE: cancelling a held proposal frees its time
        proposal = proposal_get(pk, user=user, now=now)
        return BookInput(
            patient=proposal.patient,
            referral=None,
            visits=[],
            proposal=proposal,
            status="cancelled",
        )
    if status not in ("proposed", "pending", "booked"):
        raise Invalid(f"An Appointment that is {status} cannot be booked.", "Appointment.status")
    proposal = None
    if pk and not pk.isdigit():  # a proposal sent back: book what is sent, linked to it
        proposal = (
            Proposal.objects.filter(Q(expires_at__gt=now) | Q(hold__isnull=False), pk=pk)
            .select_related("hold")
            .first()
        )
    participants = appointment.get("participant")
    if not isinstance(participants, list):
        raise Invalid("Appointment.participant must be a list.", "Appointment.participant")
    visits = _slot_visits(appointment.get("slot"), now)
    by_slot = bool(visits)
    patients, performers, places = [], [], []
    asks: list[participants_of.ResourceAsk] = []
    for index, participant in enumerate(participants):
        path = f"Appointment.participant[{index}]"
        if not isinstance(participant, dict):
            raise Invalid(f"{path} must be an object with an actor.", path)
        actor = participant.get("actor")
        if not isinstance(actor, dict) or not isinstance(actor.get("reference"), str):
            raise Invalid(f"{path}.actor needs a reference.", f"{path}.actor")
        ref = actor["reference"]
        if participants_of.is_resource(ref):
            period = None
            if participant.get("period") is not None:
                period = _instant(participant["period"], f"{path}.period")
            asks.append(participants_of.resource_ask(participant, ref, path, period))
        elif ref.split("/")[-2:-1] == ["Patient"]:
            patients.append(_patient(ref, f"{path}.actor", user))
        elif ref.split("/")[-2:-1] == ["Location"]:
            if participant.get("required", "required") == "required":
                places.append(_required_place(participant, ref, path))
        elif ref.split("/")[-2:-1] == ["Practitioner"]:
            if by_slot and "period" not in participant:  # the slots say when
                performers.append((reference_id(ref, "Practitioner", f"{path}.actor"), path))
                continue
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
            "The Appointment needs a Practitioner participant with a period for each visit, "
            "or its Slots in Appointment.slot.",
            "Appointment.participant",
        )
    visits = list({(v["clinician"], v["start"], v["minutes"]): v for v in visits}.values())
    for clinician, path in performers:
        if clinician not in {v["clinician"] for v in visits}:
            raise Invalid(
                f"{path}: Practitioner/{clinician} has none of the Appointment's slots.",
                f"{path}.actor",
            )
    serializer = ItineraryBookSerializer(data={"patient": patients[0].pk, "visits": visits})
    if not serializer.is_valid():
        raise _from_serializer(
            ValidationError(serializer.errors), {"visits": "Appointment.participant"}
        )
    if proposal is not None and proposal.patient_id != patients[0].pk:
        proposal = None
    requested = _at_required_places(
        [
            VisitRequest(clinician=v["clinician"], start=v["start"], minutes=v.get("minutes"))
            for v in serializer.validated_data["visits"]
        ],
        places,
    )
    proposed = {}
    if proposal is not None:  # the visit types it was found with, by specialty
        specialty_of = {v.clinician.pk: v.clinician.specialty for v in requested}
        proposed = {
            specialty_of[v["clinician"]]: v.get("visit_type")
            for v in proposal.visits
            if v["clinician"] in specialty_of
        }
    requested, resource_paths = participants_of.with_resources(
        requested,
        asks,
        patient=patients[0],
        chosen=participants_of.chosen_types(
            appointment, [v.clinician.specialty for v in requested], base, proposed
        ),
    )
    if proposal is not None and proposal.hold_id is not None:
        own = proposal_visits(proposal)
        held = {(v.clinician.pk, v.start, v.minutes) for v in own}
        if {(v.clinician.pk, v.start, v.minutes) for v in requested} != held:
            raise Conflict(
                f"Appointment/{pk} is held with other times (hold {proposal.hold_id}); book "
                f"it by “appointment-reference”, or run $find again.",
                field="Appointment.participant",
            )
        kept = {r.pk for v in own for r in v.resources or ()}
        other = next((r for r in resource_paths if r not in kept), None)
        if other is not None:
            raise Conflict(
                f"{resource_paths[other]}: Appointment/{pk} is held with other rooms, machines "
                f"or interpreter (hold {proposal.hold_id}); book it by "
                f"“appointment-reference”, or run $find again.",
                field=resource_paths[other],
            )
    return BookInput(
        patient=patients[0],
        proposal=proposal,
        referral=_referral(appointment, patients[0], user),
        visits=requested,
        resource_paths=resource_paths,
    )
