"""Clinical scores and triage: pure functions, no ORM, no clock (time is an argument).

The rules are PRODUCT.md's workflow 1 and its "Facts the software needs": SINS,
Bilsky, the revised Tokuhashi score, and the urgency that sets the consult deadline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EMERGENCY = "emergency"
URGENT = "urgent"
ROUTINE = "routine"
URGENCY_RANK = {EMERGENCY: 0, URGENT: 1, ROUTINE: 2}
CONSULT_WINDOW = {
    EMERGENCY: timedelta(hours=24),
    URGENT: timedelta(hours=72),
    ROUTINE: timedelta(hours=72),
}
# PRODUCT.md, "Deadlines and the consult": at risk when under a third of the window is left
# (24 h of a 72-hour window, 8 h of an emergency's 24).
AT_RISK_SHARE = 3

# SINS components: the name a navigator picks -> its points.
SINS_LOCATION = {"junctional": 3, "mobile": 2, "semi_rigid": 1, "rigid": 0}
SINS_PAIN = {"mechanical": 3, "occasional": 1, "none": 0}
SINS_LESION = {"lytic": 2, "mixed": 1, "blastic": 0}
SINS_ALIGNMENT = {"subluxation": 4, "deformity": 2, "normal": 0}
SINS_COLLAPSE = {"over_50": 3, "under_50": 2, "none_over_50_involved": 1, "none": 0}
SINS_POSTEROLATERAL = {"bilateral": 3, "unilateral": 1, "none": 0}
SINS_COMPONENTS = {
    "sins_location": SINS_LOCATION,
    "sins_pain": SINS_PAIN,
    "sins_lesion": SINS_LESION,
    "sins_alignment": SINS_ALIGNMENT,
    "sins_collapse": SINS_COLLAPSE,
    "sins_posterolateral": SINS_POSTEROLATERAL,
}

BILSKY_GRADES = ("0", "1a", "1b", "1c", "2", "3")
HIGH_GRADE_BILSKY = {"2", "3"}

# Revised Tokuhashi: our primary-cancer list -> the score's primary-site points.
TOKUHASHI_PRIMARY = {
    "lung": 0,
    "other_unknown": 1,
    "melanoma": 2,
    "colon": 2,
    "myeloma": 2,
    "lymphoma": 2,
    "sarcoma": 2,
    "kidney": 3,
    "breast": 5,
    "prostate": 5,
    "thyroid": 5,
}
VISCERAL_METS = {"unremovable": 0, "removable": 1, "none": 2}
FRANKEL = {"A": 0, "B": 0, "C": 1, "D": 1, "E": 2}


@dataclass(frozen=True)
class Score:
    value: int
    category: str


def sins(
    *, location: str, pain: str, lesion: str, alignment: str, collapse: str, posterolateral: str
) -> Score:
    """Spinal Instability Neoplastic Score 0-18 and its category."""
    value = (
        SINS_LOCATION[location]
        + SINS_PAIN[pain]
        + SINS_LESION[lesion]
        + SINS_ALIGNMENT[alignment]
        + SINS_COLLAPSE[collapse]
        + SINS_POSTEROLATERAL[posterolateral]
    )
    if value <= 6:
        category = "stable"
    elif value <= 12:
        category = "potentially unstable"
    else:
        category = "unstable"
    return Score(value, category)


def sins_from(components: dict[str, str | None]) -> Score | None:
    """SINS when every component is known, else None (a partial score would mislead)."""
    if any(components.get(name) is None for name in SINS_COMPONENTS):
        return None
    known = {name.removeprefix("sins_"): str(components[name]) for name in SINS_COMPONENTS}
    return sins(**known)


def karnofsky_points(karnofsky: int) -> int:
    if karnofsky >= 80:
        return 2
    return 1 if karnofsky >= 50 else 0


def tokuhashi(
    *,
    karnofsky: int,
    extraspinal_bone_mets: int,
    vertebral_mets: int,
    visceral_mets: str,
    primary_cancer: str,
    frankel: str,
) -> Score:
    """Revised Tokuhashi score 0-15 and its expected-survival band."""
    extraspinal = 2 if extraspinal_bone_mets == 0 else 1 if extraspinal_bone_mets <= 2 else 0
    vertebral = 2 if vertebral_mets <= 1 else 1 if vertebral_mets == 2 else 0
    value = (
        karnofsky_points(karnofsky)
        + extraspinal
        + vertebral
        + VISCERAL_METS[visceral_mets]
        + TOKUHASHI_PRIMARY[primary_cancer]
        + FRANKEL[frankel]
    )
    if value <= 8:
        band = "under 6 months"
    elif value <= 11:
        band = "6 months or more"
    else:
        band = "a year or more"
    return Score(value, band)


@dataclass(frozen=True)
class ClinicalPicture:
    """What triage needs to know about a referral; plain data."""

    sites: str  # "brain", "spine" or "both"
    pain_score: int = 0
    neuro_status: str = "intact"  # intact | stable_deficit | new_deficit | progressing_deficit
    weakness: bool = False
    sensory_level: bool = False
    bladder_bowel_dysfunction: bool = False
    suspected_mescc: bool = False
    bilsky_grade: str | None = None
    sins_score: int | None = None
    sins_pain: str | None = None
    brain_symptomatic: bool = False
    mass_effect: bool = False
    hydrocephalus: bool = False
    uncontrolled_seizures: bool = False

    @property
    def spine(self) -> bool:
        return self.sites in ("spine", "both")

    @property
    def brain(self) -> bool:
        return self.sites in ("brain", "both")

    @property
    def new_neuro_deficit(self) -> bool:
        return (
            self.neuro_status in ("new_deficit", "progressing_deficit")
            or self.weakness
            or self.sensory_level
            or self.bladder_bowel_dysfunction
        )

    @property
    def spine_symptomatic(self) -> bool:
        return self.pain_score > 0 or self.neuro_status != "intact" or self.new_neuro_deficit


@dataclass(frozen=True)
class Triage:
    urgency: str
    reason: str
    consult_due_at: datetime


def urgency_of(case: ClinicalPicture) -> tuple[str, str]:
    """The urgency and the red flag that set it (the first that applies, gravest first)."""
    if case.new_neuro_deficit:
        return EMERGENCY, "new or progressing neurological deficit"
    if case.spine and case.suspected_mescc:
        return EMERGENCY, "suspected metastatic epidural spinal cord compression"
    if case.spine and case.bilsky_grade in HIGH_GRADE_BILSKY and case.spine_symptomatic:
        return EMERGENCY, f"symptomatic high-grade cord compression (Bilsky {case.bilsky_grade})"
    if (
        case.spine
        and case.sins_score is not None
        and case.sins_score >= 13
        and case.sins_pain == "mechanical"
        and case.pain_score >= 7
    ):
        return EMERGENCY, f"unstable spine (SINS {case.sins_score}) with severe mechanical pain"
    if case.brain and case.mass_effect:
        return EMERGENCY, "brain metastases with mass effect"
    if case.brain and case.hydrocephalus:
        return EMERGENCY, "brain metastases with hydrocephalus"
    if case.brain and case.uncontrolled_seizures:
        return EMERGENCY, "brain metastases with uncontrolled seizures"
    if case.spine and case.sins_pain == "mechanical":
        return URGENT, "symptomatic spine disease: mechanical pain"
    if case.spine and case.sins_score is not None and case.sins_score >= 7:
        return URGENT, f"symptomatic spine disease: SINS {case.sins_score}"
    if case.brain and case.brain_symptomatic:
        return URGENT, "symptomatic brain metastases"
    return ROUTINE, "no red flag: the 72-hour new-patient promise"


def triage(case: ClinicalPicture, *, received_at: datetime) -> Triage:
    """Urgency and consult deadline, in real elapsed hours from receipt (UTC arithmetic)."""
    if received_at.tzinfo is None:
        raise ValueError("received_at must be timezone-aware")
    urgency, reason = urgency_of(case)
    # Arithmetic on a zoned datetime is wall-clock arithmetic; in UTC it is real hours.
    return Triage(urgency, reason, received_at.astimezone(UTC) + CONSULT_WINDOW[urgency])


ON_TRACK = "on_track"
AT_RISK = "at_risk"
MET = "met"
BREACHED = "breached"


def meets_deadline(start: datetime, due_at: datetime) -> bool:
    """The one deadline rule (PRODUCT.md, "Rules settled"): a consult meets its deadline
    when it starts at or before `consult_due_at`. The engine, the SLA and the reports use it
    (`ReferralQuerySet.with_sla` is its SQL twin, held to it by a test)."""
    return start <= due_at


def option_after_deadline(
    *, first_start: datetime, due_at: datetime, consult_at: datetime | None
) -> bool:
    """Whether a same-day option whose first visit starts at `first_start` comes after a
    referral's consult deadline `due_at` while its consult is not booked (`consult_at`
    None): the page's flag and the API's `after_deadline`, by `meets_deadline`."""
    return consult_at is None and not meets_deadline(first_start, due_at)


def at_risk_from(*, received_at: datetime, due_at: datetime) -> datetime:
    """When a referral with no consult turns at risk: a third of its window before the
    deadline (72 h window: 24 h before; an emergency's 24 h: 8 h before)."""
    return due_at - (due_at - received_at) / AT_RISK_SHARE


def sla_status(
    *,
    received_at: datetime,
    due_at: datetime,
    now: datetime,
    consult_at: datetime | None,
    no_slot: bool = False,
) -> str:
    """met: a consult is booked at or before the deadline; breached: the deadline passed
    without one; at risk: a consult booked late, no slot can meet the deadline, or no
    consult and under a third of the window left; else on track. Times are aware."""
    if consult_at is not None and meets_deadline(consult_at, due_at):
        return MET
    if now >= due_at:
        return BREACHED
    if (
        consult_at is not None
        or no_slot
        or now > at_risk_from(received_at=received_at, due_at=due_at)
    ):
        return AT_RISK
    return ON_TRACK
