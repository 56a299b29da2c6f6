"""Which specialists a case needs: pure rules from PRODUCT.md workflows 2 and 3."""

from __future__ import annotations

from patients.clinical import EMERGENCY, HIGH_GRADE_BILSKY, ClinicalPicture

NEUROSURGERY = "neurosurgery"
SPINE_SURGERY = "spine_surgery"
RADIATION_ONCOLOGY = "radiation_oncology"
NEURORADIOLOGY = "neuroradiology"
SURGEONS = (NEUROSURGERY, SPINE_SURGERY)

DEFAULT_MINUTES = {
    "neurosurgery": 60,
    "spine_surgery": 60,
    "radiation_oncology": 45,
    "medical_oncology": 45,
    "neuroradiology": 60,
    "pathology": 30,
    "pain_medicine": 30,
    "palliative_care": 45,
    "rehabilitation": 45,
    "psychosocial": 45,
}


def consult_specialties(*, urgency: str, sites: str) -> tuple[str, ...]:
    """Who may see the new patient, by the sites involved: brain, neurosurgery or radiation
    oncology; spine, spine surgery or neurosurgery (an emergency, radiation oncology too:
    radiotherapy treats cord compression); both, any of the three. A brain-only case is
    never offered a spine surgeon."""
    if sites == "brain":
        return (NEUROSURGERY, RADIATION_ONCOLOGY)
    if sites == "spine":
        extra = (RADIATION_ONCOLOGY,) if urgency == EMERGENCY else ()
        return (SPINE_SURGERY, NEUROSURGERY, *extra)
    return (NEUROSURGERY, SPINE_SURGERY, RADIATION_ONCOLOGY)


def suggested_specialties(
    case: ClinicalPicture, *, planned_surgery: bool = False
) -> tuple[str, ...]:
    suggested: list[str] = []
    if case.spine and ((case.sins_score or 0) >= 7 or case.bilsky_grade in HIGH_GRADE_BILSKY):
        suggested.append(SPINE_SURGERY)
    if case.brain:
        suggested += [NEUROSURGERY, RADIATION_ONCOLOGY]
    if planned_surgery or case.new_neuro_deficit or case.neuro_status != "intact":
        suggested.append("rehabilitation")
    if case.pain_score >= 4:
        suggested.append("pain_medicine")
    suggested.append("palliative_care")  # offered to every new patient
    return tuple(dict.fromkeys(suggested))


def default_order(specialties: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Imaging before the surgeon who reads it, when both are on the list."""
    if NEURORADIOLOGY not in specialties:
        return ()
    return tuple((NEURORADIOLOGY, s) for s in SURGEONS if s in specialties)


def _name(specialty: str) -> str:
    return specialty.replace("_", " ")


def check_order(specialties: tuple[str, ...], order: tuple[tuple[str, str], ...]) -> None:
    """Refuse order pairs that name a specialty not asked for, or that contradict each
    other (a cycle, such as one asked against imaging before the surgeon who reads it).

    Raises DomainError on the field `order`, naming the pairs in words."""
    from tumorboard.errors import DomainError  # rules stay importable without Django set up

    for before, after in order:
        for name in (before, after):
            if name not in specialties:
                raise DomainError(
                    f"The order names {_name(name)}, which is not among the specialties asked.",
                    field="order",
                    code="order_unknown",
                )
    for before, after in order:
        if before == after:
            raise DomainError(
                f"The order pairs {_name(before)} with itself; a visit cannot come before itself.",
                field="order",
                code="order_conflict",
            )
    defaults = set(default_order(specialties))
    seen: dict[str, list[tuple[str, str]]] = {s: [] for s in specialties}
    for pair in order:
        seen[pair[0]].append(pair)

    def path(start: str, goal: str, trail: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
        for pair in seen[start]:
            if pair in trail:
                continue
            if pair[1] == goal:
                return [*trail, pair]
            found = path(pair[1], goal, [*trail, pair])
            if found:
                return found
        return None

    for specialty in specialties:
        cycle = path(specialty, specialty, [])
        if cycle:
            words = "; ".join(
                f"{_name(a)} before {_name(b)}"
                + (" (imaging before the surgeon who reads it)" if (a, b) in defaults else "")
                for a, b in cycle
            )
            raise DomainError(
                f"The visit order cannot be kept: {words}. Remove one of these pairs.",
                field="order",
                code="order_conflict",
            )
