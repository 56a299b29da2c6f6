"""`$book`'s rooms, machines and interpreters: an Appointment's Device, Location room-N and
Practitioner interpreter-N participants, and the visit types it names, read into the
visits booked (`VisitRequest.resources`, `VisitRequest.visit_type`).

A required one is booked exactly, or the booking is refused naming the participant: an
id we do not have (400), a resource no visit of the Appointment takes (422), one taken
then (409, as the REST API says). An optional one binds nothing: free ones are picked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from interop import mapping
from interop.params import Invalid
from navigation.models import Resource, VisitType
from navigation.services import VisitRequest
from navigation.services.booking import visit_types
from navigation.services.resources import NEED_LABELS, visit_needs
from patients.models import Patient
from tumorboard.errors import DomainError

# FHIR kind of a reference -> (its id prefix, what we call it, which resources it names)
KINDS = {
    "Device": ("", "machine"),
    "Location": ("room-", "room"),
    "Practitioner": ("interpreter-", "interpreter"),
}


@dataclass(frozen=True)
class ResourceAsk:
    """One resource participant: the resource, the visits it is for (a `period`, or None:
    every visit that takes one of its kind), whether it binds, and where it was given."""

    resource: Resource
    period: tuple[datetime, datetime] | None
    required: bool
    path: str


def is_resource(ref: str) -> bool:
    """Whether a participant's reference names one of our rooms, machines or interpreters
    (Device/N, Location/room-N, Practitioner/interpreter-N)."""
    kind, _, tail = ref.rstrip("/").rpartition("/")
    kind = kind.rpartition("/")[2]
    if kind == "Device":
        return True
    return kind in KINDS and bool(KINDS[kind][0]) and tail.startswith(KINDS[kind][0])


def resource_ask(participant: dict, ref: str, path: str, period) -> ResourceAsk:
    """The resource a participant names, of the kind its reference says; else 400 naming
    `{path}.actor`."""
    kind, _, tail = ref.rstrip("/").rpartition("/")
    kind = kind.rpartition("/")[2]
    prefix, label = KINDS[kind]
    pk = tail.removeprefix(prefix)
    if not pk.isdigit():
        raise Invalid(
            f"{path}: “{ref}” is not a {label} reference such as {kind}/{prefix}12.",
            f"{path}.actor",
        )
    resource = Resource.objects.filter(pk=int(pk)).first()
    if resource is None or mapping.resource_reference(resource)["reference"] != f"{kind}/{tail}":
        raise Invalid(f"{path}: no {label} “{ref}”.", f"{path}.actor")
    if not resource.active:
        raise Invalid(f"{path}: {ref} ({resource.name}) is retired.", f"{path}.actor")
    required = participant.get("required", "required")
    if required not in ("required", "optional", "information-only"):
        raise Invalid(
            f"{path}.required is required, optional or information-only.", f"{path}.required"
        )
    return ResourceAsk(resource, period, required == "required", path)


def chosen_types(
    appointment: dict, specialties: list[str], base: str, proposed: dict | None = None
) -> dict[str, VisitType]:
    """The visit types an Appointment names, by specialty: codings of our visit-type
    system in `appointmentType` and `serviceType` (each for the visit of its specialty),
    else the ones its `$find` proposal was found with (`proposed`: specialty -> id).
    400 naming the element for an unknown id, or one of a specialty with no visit."""
    named: dict[str, tuple[int, str]] = {}
    concepts = [("Appointment.appointmentType", appointment.get("appointmentType"))]
    service = appointment.get("serviceType")
    if isinstance(service, list):
        concepts += [(f"Appointment.serviceType[{i}]", c) for i, c in enumerate(service)]
    for path, concept in concepts:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        for coding in codings if isinstance(codings, list) else []:
            if not isinstance(coding, dict) or coding.get("system") != mapping.visit_type_system(
                base
            ):
                continue
            pk = mapping.visit_type_from_coding(coding.get("system"), coding.get("code"), base)
            if pk is None:
                raise Invalid(f"{path}: “{coding.get('code')}” is not a visit type id.", path)
            named.setdefault(f"{pk}", (pk, path))
    found = VisitType.objects.in_bulk([pk for pk, _ in named.values()]) if named else {}
    out: dict[str, VisitType] = {}
    for pk, path in named.values():
        visit_type = found.get(pk)
        if visit_type is None:
            raise Invalid(f"{path}: there is no visit type {pk}.", path)
        if visit_type.specialty not in specialties:
            raise Invalid(
                f"{path}: “{visit_type.name}” is a "
                f"{mapping.SPECIALTY_LABEL[visit_type.specialty].lower()} visit, and the "
                f"Appointment has none.",
                path,
            )
        if out.get(visit_type.specialty, visit_type) != visit_type:
            raise Invalid(f"{path}: two visit types for one visit.", path)
        out[visit_type.specialty] = visit_type
    if proposed:
        missing = {s: pk for s, pk in proposed.items() if s not in out and pk}
        for visit_type in VisitType.objects.in_bulk(list(missing.values())).values():
            out.setdefault(visit_type.specialty, visit_type)
    return out


def with_resources(
    visits: list[VisitRequest],
    asks: list[ResourceAsk],
    *,
    patient: Patient,
    chosen: dict[str, VisitType],
) -> tuple[list[VisitRequest], dict[int, str]]:
    """The visits with their visit types and the required resources pinned: each to the
    visits (in its period, if any) whose needs take one of its kind; the kinds a visit's
    required participants leave out are picked free at booking. Returns the visits and,
    by resource id, the participant that asked for it (for naming it in a refusal).
    DomainError (422) naming the participant when no visit takes it, or two participants
    ask for the same kind at one visit."""
    specialties = [v.specialty or v.clinician.specialty for v in visits]
    visits = [
        replace(v, visit_type=chosen[s]) if s in chosen else v
        for v, s in zip(visits, specialties, strict=True)
    ]
    required = [a for a in asks if a.required]
    if not required:
        return visits, {}
    types = visit_types(specialties, chosen)
    needs = visit_needs(specialties=specialties, types=types, patient=patient)
    pinned: list[dict[int, Resource]] = [{} for _ in visits]  # group position -> resource
    for ask in required:
        hits = 0
        for index, (visit, specialty) in enumerate(zip(visits, specialties, strict=True)):
            if ask.period and not ask.period[0] <= visit.start < ask.period[1]:
                continue
            for position, group in enumerate(needs.groups.get(specialty, ())):
                if ask.resource.pk not in group:
                    continue
                other = pinned[index].get(position)
                if other is not None and other != ask.resource:
                    raise DomainError(
                        f"{ask.path}: the {_label(specialty)} visit takes one "
                        f"{ask.resource.kind_label}, and {_ref(other)} is asked for it too.",
                        field=ask.path,
                        code="resources_repeated",
                    )
                pinned[index][position] = ask.resource
                hits += 1
        if not hits and ask.resource.kind == Resource.Kind.INTERPRETER:
            language = patient.interpreter_language
            why = (
                f"does not cover the patient's language ({language})"
                if language
                else "is not needed: the patient needs no interpreter"
            )
            raise DomainError(
                f"{ask.path}: {_ref(ask.resource)} {why}. Nothing was booked.",
                field=ask.path,
                code="wrong_resource",
            )
        if not hits:
            raise DomainError(
                f"{ask.path}: {_ref(ask.resource)} is not a resource "
                f"{_what_visits(visits, specialties, types, ask)}. Nothing was booked.",
                field=ask.path,
                code="wrong_resource",
            )
    out = []
    for visit, specialty, mine in zip(visits, specialties, pinned, strict=True):
        if not mine:
            out.append(visit)
            continue
        groups = needs.groups.get(specialty, ())
        out.append(
            replace(
                visit,
                resources=tuple(mine[p] for p in sorted(mine)),
                pick_others=len(mine) < len(groups),
            )
        )
    return out, {a.resource.pk: a.path for a in required}


def _label(specialty: str) -> str:
    return mapping.SPECIALTY_LABEL[specialty].lower()


def _ref(resource: Resource) -> str:
    return f"{mapping.resource_reference(resource)['reference']} ({resource.name})"


def _what_visits(visits, specialties, types, ask: ResourceAsk) -> str:
    """“the neuroradiology visit (New patient) takes; it needs an MRI scanner”."""
    said = []
    for visit, specialty in zip(visits, specialties, strict=True):
        if ask.period and not ask.period[0] <= visit.start < ask.period[1]:
            continue
        visit_type = types.get(specialty)
        needs = [NEED_LABELS.get(n, n) for n in (visit_type.needs if visit_type else [])]
        kind = f"{visit_type.name}, " if visit_type else ""
        said.append(
            f"the {_label(specialty)} visit ({kind}needs "
            f"{' and '.join(needs) if needs else 'no room or machine'})"
        )
    if not said:
        return "for any visit: no visit of the Appointment falls in its period"
    return "any visit of the Appointment takes: " + "; ".join(said)


@contextmanager
def named_participants(paths: dict[int, str], visits: list[VisitRequest]) -> Iterator[None]:
    """A booking refusal about a pinned resource (taken: 409; not free then, or not one
    the visit takes: 422) names the participant that asked for it, not the REST field."""
    try:
        yield
    except DomainError as error:
        if paths:
            clash = (error.extra or {}).get("clash") or {}
            path = paths.get(clash.get("resource"))
            if path is None and (error.field or "").endswith("resources"):
                index = _visit_index(error.field or "")
                mine = visits[index].resources or () if index < len(visits) else ()
                path = next((paths[r.pk] for r in mine if r.pk in paths), None)
            if path is not None:
                error.field = path
                error.message = f"{path}: {error.message}"
        raise


def _visit_index(field: str) -> int:
    """The visit a REST field names (visits.2.resources -> 2; a plan of one: 0)."""
    parts = field.split(".")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else 0
