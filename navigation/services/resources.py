"""What a visit needs besides its clinician (PRODUCT.md, "Same-day plans"): the resources
its visit type names, and an interpreter at every visit for a patient who needs one.

One function turns both into the engine's resource groups, for search and booking alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from navigation.models import NEED_CHOICES, Appointment, Resource, VisitType
from patients.models import Patient, primary_language
from tumorboard.errors import Conflict, DomainError

NEED_LABELS = dict(NEED_CHOICES)
MRI = (Resource.Equipment.MRI_1_5T, Resource.Equipment.MRI_3T)

Groups = tuple[tuple[int, ...], ...]


def need_matches(need: str, resource: Resource) -> bool:
    """Whether `resource` can serve `need` (a NEED_CHOICES value): "room" any room, "mri"
    any MRI scanner, an equipment subtype that machine."""
    if need == "room":
        return resource.kind == Resource.Kind.ROOM
    if need == "mri":
        return resource.equipment in MRI
    return resource.kind == Resource.Kind.EQUIPMENT and resource.equipment == need


def needs_overlap(needs: Iterable[str]) -> bool:
    """Whether two needs of one visit could take the same resource ("mri" and "mri_3t",
    or a need listed twice): a visit takes one resource per need, all different."""
    needs = list(needs)
    mri = [n for n in needs if n == "mri" or n in MRI]
    return len(set(needs)) != len(needs) or ("mri" in mri and len(mri) > 1)


def language_name(tag: str) -> str:
    """ "Spanish (es)": the language's English name from CLDR, with its code."""
    from babel import Locale

    try:
        return f"{Locale.parse(tag, sep='-').get_display_name('en')} ({tag})"
    except (ValueError, TypeError):
        return tag


def interpreters_for(tag: str, resources: Iterable[Resource]) -> tuple[int, ...]:
    """The interpreters among `resources` covering `tag` (same primary language), by id."""
    want = primary_language(tag)
    return tuple(
        r.pk
        for r in resources
        if r.kind == Resource.Kind.INTERPRETER
        and any(primary_language(code) == want for code in r.languages)
    )


@dataclass(frozen=True)
class Needs:
    """Per specialty, the groups of resource ids its visit takes one of each (the engine's
    `ItineraryRequest.needs`), and the active resources they name."""

    groups: dict[str, Groups]
    resources: dict[int, Resource]

    @property
    def loaded(self) -> list[Resource]:
        """The resources any group names: the ones whose calendars a search must read."""
        ids = {rid for groups in self.groups.values() for group in groups for rid in group}
        return [self.resources[rid] for rid in sorted(ids)]


def visit_needs(
    *,
    specialties: Iterable[str],
    types: dict[str, VisitType | None],
    patient: Patient,
    field: str = "specialties",
    fields: Mapping[str, str] | None = None,
) -> Needs:
    """The resources each specialty's visit needs, for `patient`: one of each kind its
    visit type lists, and an interpreter for the patient's `interpreter_language`.

    Raises DomainError naming `field` (or `fields[specialty]`, where the caller's input
    chose that specialty's visit type, e.g. `visit_types.neurosurgery`) when a visit type
    needs a kind of resource that no location has, and `interpreter_language` when no
    interpreter covers the language."""
    specialties = list(specialties)
    if not patient.interpreter_language and not any(
        visit_type.needs for s in specialties if (visit_type := types.get(s))
    ):
        return Needs({}, {})  # nothing to take besides the clinicians: no read
    active = {r.pk: r for r in Resource.objects.filter(active=True).select_related("location")}
    interpreters: tuple[int, ...] = ()
    if patient.interpreter_language:
        interpreters = interpreters_for(patient.interpreter_language, active.values())
        if not interpreters:
            raise DomainError(
                f"No interpreter covers {language_name(patient.interpreter_language)}, the "
                "patient's interpreter language; add one, or change the patient's language.",
                field="interpreter_language",
                code="no_interpreter",
            )
    groups: dict[str, Groups] = {}
    for specialty in specialties:
        visit_type = types.get(specialty)
        needs = list(visit_type.needs) if visit_type else []
        found = []
        for need in needs:
            ids = tuple(pk for pk, r in active.items() if need_matches(need, r))
            if not ids:
                raise DomainError(
                    f"The {specialty.replace('_', ' ')} visit ({visit_type}) needs "
                    f"{NEED_LABELS.get(need, need)}, and no location has one.",
                    field=(fields or {}).get(specialty, field),
                    code="no_resource",
                )
            found.append(ids)
        if interpreters:
            found.append(interpreters)
        if found:
            groups[specialty] = tuple(found)
    return Needs(groups, active)


# What a resource's booked visits rely on: changing one under them would leave the visits
# booked on a room, machine or place they no longer have (the `in_use` 409 of a delete).
FIXED_WHILE_BOOKED = {
    "kind": "changing its kind",
    "equipment": "changing what the machine is",
    "location": "moving it to another location",
    "active": "deactivating it",
}
UPCOMING = (Appointment.Status.BOOKED, Appointment.Status.HELD)


def upcoming_visits(resource: Resource, *, now: datetime) -> QuerySet[Appointment]:
    """The visits not yet over at `now` (aware) that take `resource`, booked or held."""
    return Appointment.objects.filter(
        resource_bookings__resource=resource, status__in=UPCOMING, end__gt=now
    ).distinct()


def resource_change_check(resource: Resource, changes: Mapping[str, Any], *, now: datetime) -> None:
    """Refuse a change of `resource` (saved; `changes` the new field values, e.g. a
    serializer's validated data) that its visits not yet over at `now` (booked or held)
    rely on: its kind, equipment type, location, or being active (deactivating), or an
    interpreter's language a booked patient needs (primary language: `es-MX` needs `es`).
    A new name is fine: visits refer to the resource by id.

    Raises Conflict (409, code `in_use`) naming the field, with `visits` (how many) and
    `visit_ids` (the first 20) in the answer; nothing is written."""
    for field, meaning in FIXED_WHILE_BOOKED.items():
        if field not in changes:
            continue
        new = changes[field]
        old = getattr(resource, field if field != "location" else "location_id")
        if field == "location":
            new = getattr(new, "pk", new)
        if new == old or (field == "active" and new):
            continue
        visits = upcoming_visits(resource, now=now)
        _refuse_if_any(resource, field, visits, meaning)
    if "languages" in changes and resource.kind == Resource.Kind.INTERPRETER:
        kept = {primary_language(tag) for tag in changes["languages"] or []}
        visits = upcoming_visits(resource, now=now).exclude(patient__interpreter_language="")
        needing = [
            v.pk
            for v in visits.only("pk", "patient__interpreter_language").select_related("patient")
            if (need := v.patient.interpreter_language) and primary_language(need) not in kept
        ]
        lost = sorted({primary_language(t) for t in resource.languages} - kept)
        _refuse_if_any(
            resource,
            "languages",
            Appointment.objects.filter(pk__in=needing),
            f"removing {', '.join(language_name(t) for t in lost)}",
        )


def _refuse_if_any(
    resource: Resource, field: str, visits: QuerySet[Appointment], change: str
) -> None:
    ids = list(visits.order_by("start", "pk").values_list("pk", flat=True))
    if not ids:
        return
    count = len(ids)
    raise Conflict(
        f"{resource.name} has {count} visit{'s' if count != 1 else ''} booked or held ahead "
        f"that rely on it; {change} would leave them wrong. Move or cancel them first "
        "(or add a new resource); nothing was changed.",
        field=field,
        code="in_use",
        extra={"visits": count, "visit_ids": ids[:20]},
    )
