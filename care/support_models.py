"""What stands between a patient and their care, and how distressed they are: barriers to
care and NCCN Distress Thermometer screenings (Commission on Cancer standards 8.1 and 5.2;
PRODUCT.md, "Rules settled": care clocks). Imported by `care.models`."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from care import distress_list
from patients.models import validate_language_tag


class Barrier(models.Model):
    """A barrier to care: who found it and when, what was done, when it was resolved."""

    class Kind(models.TextChoices):
        TRANSPORT = "transport"
        LODGING = "lodging"
        FINANCIAL = "financial"
        LANGUAGE = "language", "language or interpreter"
        CAREGIVER = "caregiver"
        OTHER = "other"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="barriers"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.CharField(max_length=300, blank=True)
    language = models.CharField(
        max_length=35,
        blank=True,
        validators=[validate_language_tag],
        help_text="A language barrier: the BCP-47 tag the interpreter must speak; it becomes "
        "the patient's interpreter language, so every visit books an interpreter.",
    )
    found_at = models.DateTimeField()
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.TextField("what was done", blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "-found_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True)
                | models.Q(resolved_at__gte=models.F("found_at")),
                name="barrier_resolved_after_found",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} barrier of patient {self.patient_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    def clean(self) -> None:
        """The admin's form gets the service's rule: resolved no earlier than found."""
        if self.resolved_at and self.found_at and self.resolved_at < self.found_at:
            raise ValidationError(
                {"resolved_at": "The barrier cannot be resolved before it was found."}
            )


class DistressScreening(models.Model):
    """One NCCN Distress Thermometer: a 0-10 score and the problems ticked on its list."""

    class Occasion(models.TextChoices):
        FIRST_CONSULT = "first_consult", "first consult"
        BOARD_RECOMMENDATION = "board_recommendation", "after the board's recommendation"
        TREATMENT_START = "treatment_start", "start of treatment"
        FOLLOW_UP = "follow_up", "follow-up (set interval)"
        AS_INDICATED = "as_indicated", "as clinically indicated"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.CASCADE, related_name="distress_screenings"
    )
    referral = models.ForeignKey(
        "patients.Referral",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="distress_screenings",
    )
    occasion = models.CharField(max_length=24, choices=Occasion.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    problems = ArrayField(
        models.CharField(max_length=32, choices=distress_list.CHOICES), default=list, blank=True
    )
    notes = models.CharField(max_length=300, blank=True)
    screened_at = models.DateTimeField()
    screened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # At or above the threshold when taken: a psychosocial referral was asked for.
    referred = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "-screened_at", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=10), name="distress_0_10")
        ]

    def __str__(self) -> str:
        return f"Distress {self.score}/10 of patient {self.patient_id}"

    @property
    def problem_labels(self) -> list[str]:
        return [distress_list.LABEL.get(code, code) for code in self.problems]
