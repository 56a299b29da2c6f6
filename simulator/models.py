"""A simulation started from the dashboard: its parameters, its report and its plots."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SimulationRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    parameters = models.JSONField()
    report = models.JSONField(null=True, blank=True)  # {"parameters", "before", "after"}
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Simulation {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SimulationPlot(models.Model):
    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE, related_name="plots")
    name = models.CharField(max_length=32)
    png = models.BinaryField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "name"], name="one_plot_per_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name}.png of simulation {self.run_id}"
