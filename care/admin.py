"""Read-only: a treatment is recorded through `care.services.treatment_record` (its rules and
the clocks it moves), and a clock is derived from events, never typed."""

from django.contrib import admin

from care.models import Clock, Treatment


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Treatment)
class TreatmentAdmin(ReadOnly):
    list_display = ["id", "referral", "modality", "started_at", "started_elsewhere"]
    list_filter = ["modality", "started_elsewhere"]


@admin.register(Clock)
class ClockAdmin(ReadOnly):
    list_display = ["referral", "kind", "started_at", "due_at", "stopped_at"]
    list_filter = ["kind"]
