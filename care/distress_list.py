"""The NCCN Distress Thermometer's problem list, by its categories.

Source: NCCN Clinical Practice Guidelines in Oncology, Distress Management, version
2.2018, "NCCN Distress Thermometer and Problem List for Patients" (DIS-A): practical,
family, emotional, spiritual/religious and physical problems. The 2022 update (Donovan et
al., J Natl Compr Canc Netw 2022;20(1):96-98) keeps the five groups (family renamed social).
A score of 4 or more is the guideline's cut-off for referral (`DISTRESS_THRESHOLD`).
"""

from __future__ import annotations

PROBLEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "practical": (
        ("child_care", "child care"),
        ("housing", "housing"),
        ("insurance_financial", "insurance/financial"),
        ("transportation", "transportation"),
        ("work_school", "work/school"),
        ("treatment_decisions", "treatment decisions"),
    ),
    "family": (
        ("dealing_with_children", "dealing with children"),
        ("dealing_with_partner", "dealing with partner"),
        ("ability_to_have_children", "ability to have children"),
        ("family_health_issues", "family health issues"),
    ),
    "emotional": (
        ("depression", "depression"),
        ("fears", "fears"),
        ("nervousness", "nervousness"),
        ("sadness", "sadness"),
        ("worry", "worry"),
        ("loss_of_interest", "loss of interest in usual activities"),
    ),
    "spiritual": (("spiritual_religious", "spiritual/religious concerns"),),
    "physical": (
        ("appearance", "appearance"),
        ("bathing_dressing", "bathing/dressing"),
        ("breathing", "breathing"),
        ("urination", "changes in urination"),
        ("constipation", "constipation"),
        ("diarrhea", "diarrhea"),
        ("eating", "eating"),
        ("fatigue", "fatigue"),
        ("feeling_swollen", "feeling swollen"),
        ("fevers", "fevers"),
        ("getting_around", "getting around"),
        ("indigestion", "indigestion"),
        ("memory_concentration", "memory/concentration"),
        ("mouth_sores", "mouth sores"),
        ("nausea", "nausea"),
        ("nose", "nose dry/congested"),
        ("pain", "pain"),
        ("sexual", "sexual"),
        ("skin", "skin dry/itchy"),
        ("sleep", "sleep"),
        ("substance_use", "substance use"),
        ("tingling", "tingling in hands/feet"),
    ),
}

CHOICES = [item for items in PROBLEMS.values() for item in items]
CATEGORY = {code: category for category, items in PROBLEMS.items() for code, _ in items}
LABEL = dict(CHOICES)
