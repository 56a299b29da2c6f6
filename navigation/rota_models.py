"""Who is on call: a rota per specialty, handing over at a local time in its location's
zone, and one-off cover shifts that take precedence over it. Imported by
`navigation.models`."""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeOperators
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


def specialties() -> list[tuple[str, str]]:
    """`navigation.models.Specialty`, read when Django asks (that module imports this)."""
    from navigation.models import Specialty

    return list(Specialty.choices)


class OnCallRota(models.Model):
    """Members take shifts in turn: each `shift_days` days long, from `handover` (local
    time at `location`) to the next handover, starting on `starts_on`."""

    name = models.CharField(max_length=120)
    specialty = models.CharField(max_length=24, choices=specialties)
    location = models.ForeignKey(
        "navigation.Location",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where on-call assessments happen; its zone sets the handover.",
    )
    handover = models.TimeField(help_text="Local time at the location.")
    shift_days = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(14)]
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["specialty", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_days__gte=1) & models.Q(shift_days__lte=14),
                name="rota_shift_1_14_days",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def member_ids(self) -> list[int]:
        return [m.clinician_id for m in self.members.all()]


class OnCallRotaMember(models.Model):
    rota = models.ForeignKey(OnCallRota, on_delete=models.CASCADE, related_name="members")
    clinician = models.ForeignKey("navigation.Clinician", on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["rota", "position", "id"]

    def __str__(self) -> str:
        return f"{self.clinician} in {self.rota}"


class OnCallShift(models.Model):
    """A one-off shift (cover, a swap): for its hours it replaces the rota of its
    specialty. Two of one specialty never overlap (a handover may touch)."""

    specialty = models.CharField(max_length=24, choices=specialties)
    clinician = models.ForeignKey(
        "navigation.Clinician", on_delete=models.CASCADE, related_name="on_call_shifts"
    )
    location = models.ForeignKey("navigation.Location", on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_ends_after_start"
            ),
            ExclusionConstraint(
                name="one_cover_shift_per_specialty",
                expressions=[
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                    ("specialty", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.clinician} on call {self.start:%Y-%m-%d %H:%M}"
