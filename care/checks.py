"""System check: the care clocks' targets name real modalities and are positive."""

from django.conf import settings
from django.core import checks


@checks.register()
def check_clock_targets(app_configs, **kwargs):
    from board.models import Modality

    errors = []
    unknown = set(settings.CARE_TREATMENT_DAYS_BY_MODALITY) - set(Modality.values)
    if unknown:
        errors.append(
            checks.Error(
                f"CARE_TREATMENT_DAYS_BY_MODALITY names no modality: {', '.join(sorted(unknown))}",
                id="care.E001",
                hint=f"Use the board's modality codes: {', '.join(Modality.values)}.",
            )
        )
    targets = {
        "CARE_BOARD_DAYS": settings.CARE_BOARD_DAYS,
        "CARE_TREATMENT_DAYS": settings.CARE_TREATMENT_DAYS,
        "CARE_TREATMENT_EMERGENCY_HOURS": settings.CARE_TREATMENT_EMERGENCY_HOURS,
        "CARE_POSTOP_SRS_DAYS": settings.CARE_POSTOP_SRS_DAYS,
        **{
            f"CARE_TREATMENT_DAYS_BY_MODALITY[{k}]": v
            for k, v in settings.CARE_TREATMENT_DAYS_BY_MODALITY.items()
        },
    }
    errors += [
        checks.Error(f"{name} must be at least 1, not {value}", id="care.E002")
        for name, value in targets.items()
        if value < 1
    ]
    return errors
