"""The NOMS picture of a case (neurologic, oncologic, mechanical, systemic), computed from
the referral with patients.clinical's scores. Pure: a referral object in, plain data out.

PRODUCT.md, "Facts the software needs": the radiosensitivity table and NOMS in one line.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from patients.clinical import HIGH_GRADE_BILSKY

RADIOSENSITIVE = "radiosensitive"
MODERATELY = "moderately radiosensitive"
RADIORESISTANT = "radioresistant"
UNKNOWN = "unknown"

# Histology (our primary-cancer list, refined by the case's histology) -> sensitivity.
SENSITIVITY = {
    "lymphoma": RADIOSENSITIVE,
    "myeloma": RADIOSENSITIVE,
    "seminoma": RADIOSENSITIVE,
    "breast": MODERATELY,
    "prostate": MODERATELY,
    "ovarian": MODERATELY,
    "neuroendocrine": MODERATELY,
    "small_cell_lung": MODERATELY,
    "kidney": RADIORESISTANT,
    "melanoma": RADIORESISTANT,
    "sarcoma": RADIORESISTANT,
    "thyroid": RADIORESISTANT,
    "colon": RADIORESISTANT,
    "non_small_cell_lung": RADIORESISTANT,
    "hepatocellular": RADIORESISTANT,
}
# Histologies a case can name where the primary cancer alone does not tell.
HISTOLOGIES = (
    "small_cell_lung",
    "non_small_cell_lung",
    "seminoma",
    "ovarian",
    "neuroendocrine",
    "hepatocellular",
)


def radiosensitivity(*, primary_cancer: str, histology: str = "") -> str:
    """Lung without its histology is unknown: small-cell and non-small-cell differ."""
    return SENSITIVITY.get(histology or primary_cancer, UNKNOWN)


@dataclass(frozen=True)
class Noms:
    neurologic: dict
    oncologic: dict
    mechanical: dict
    systemic: dict
    suggestion: tuple[str, ...]

    def as_dict(self) -> dict:
        data = asdict(self)
        data["suggestion"] = list(self.suggestion)
        return data

    def summary(self) -> dict:
        """One line per axis and the suggestion: what an agenda shows."""
        axes = ("neurologic", "oncologic", "mechanical", "systemic")
        return {axis: getattr(self, axis)["summary"] for axis in axes} | {
            "suggestion": list(self.suggestion)
        }


def _neurologic(referral) -> dict:
    picture = referral.clinical_picture()
    grade = referral.bilsky_grade
    high = grade in HIGH_GRADE_BILSKY
    deficit = picture.new_neuro_deficit or referral.neuro_status != "intact"
    words = [
        f"Bilsky {grade} ({'high' if high else 'low'} grade)" if grade else "Bilsky not graded"
    ]
    words.append("neurological deficit" if deficit else "neurologically intact")
    return {
        "bilsky_grade": grade,
        "high_grade_compression": high if grade else None,
        "deficit": deficit,
        "neuro_status": referral.neuro_status,
        "frankel_grade": referral.frankel_grade,
        "summary": ", ".join(words),
    }


def _oncologic(referral, histology: str) -> dict:
    sensitivity = radiosensitivity(primary_cancer=referral.primary_cancer, histology=histology)
    name = (histology or referral.primary_cancer).replace("_", " ")
    return {
        "primary_cancer": referral.primary_cancer,
        "histology": histology,
        "radiosensitivity": sensitivity,
        "summary": f"{name}: {sensitivity}"
        + (" (small-cell or non-small-cell?)" if sensitivity == UNKNOWN and name == "lung" else ""),
    }


def _mechanical(referral) -> dict:
    score = referral.sins()
    mechanical_pain = referral.sins_pain == "mechanical"
    if score is None:
        summary = "SINS incomplete" if referral.sites != "brain" else "no spine disease"
    else:
        summary = f"SINS {score.value} ({score.category})"
    return {
        "sins": score.value if score else None,
        "sins_category": score.category if score else None,
        "mechanical_pain": mechanical_pain,
        "surgical_opinion": bool(score and score.value >= 7),
        "summary": summary + (", mechanical pain" if mechanical_pain else ""),
    }


def _systemic(referral, comorbidities: str) -> dict:
    score = referral.tokuhashi()
    words = []
    if referral.ecog is not None:
        words.append(f"ECOG {referral.ecog}")
    if referral.karnofsky is not None:
        words.append(f"KPS {referral.karnofsky}")
    words.append(f"Tokuhashi {score.value}: {score.category}" if score else "Tokuhashi incomplete")
    if comorbidities:
        words.append(comorbidities)
    return {
        "ecog": referral.ecog,
        "karnofsky": referral.karnofsky,
        "tokuhashi": score.value if score else None,
        "expected_survival": score.category if score else None,
        "comorbidities": comorbidities,
        "summary": "; ".join(words),
    }


def suggestion(*, neurologic: dict, oncologic: dict, mechanical: dict, systemic: dict):
    """NOMS in one line per axis: what the framework points to, for the board to weigh."""
    lines = []
    sins = mechanical["sins"]
    if sins is not None and (sins >= 13 or (sins >= 7 and mechanical["mechanical_pain"])):
        lines.append("Mechanical instability: stabilization, whatever the rest.")
    elif sins is not None and sins >= 7:
        lines.append(f"Potentially unstable (SINS {sins}): surgical opinion.")
    sensitivity = oncologic["radiosensitivity"]
    if sensitivity in (RADIOSENSITIVE, MODERATELY):
        lines.append("Radiosensitive: conventional radiation, whatever the compression grade.")
    elif sensitivity == RADIORESISTANT and neurologic["high_grade_compression"]:
        lines.append("Radioresistant with high-grade compression: separation surgery, then SRS.")
    elif sensitivity == RADIORESISTANT:
        lines.append("Radioresistant with low-grade or no compression: SRS/SBRT.")
    else:
        lines.append("Radiosensitivity unknown: confirm the histology.")
    if systemic["expected_survival"] == "under 6 months":
        lines.append("Expected survival under 6 months: weigh surgery against life expectancy.")
    ecog, kps = systemic["ecog"], systemic["karnofsky"]
    if (ecog is not None and ecog >= 3) or (kps is not None and kps < 50):
        lines.append("Poor performance status: can the patient tolerate treatment?")
    return tuple(lines)


def noms_of(referral, *, histology: str = "", comorbidities: str = "") -> Noms:
    """The NOMS picture of a referral (None-safe: what is not assessed says so)."""
    parts = {
        "neurologic": _neurologic(referral),
        "oncologic": _oncologic(referral, histology),
        "mechanical": _mechanical(referral),
        "systemic": _systemic(referral, comorbidities),
    }
    return Noms(**parts, suggestion=suggestion(**parts))
