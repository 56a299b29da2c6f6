from django.contrib import admin

from care.models import Clock, Treatment


@admin.register(Treatment)
class TreatmentAdmin(admin.ModelAdmin):
    list_display = ["id", "referral", "modality", "started_at", "started_elsewhere"]
    list_filter = ["modality", "started_elsewhere"]
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(Clock)
class ClockAdmin(admin.ModelAdmin):
    """Derived from events (care.services.clocks_refresh): read only."""

    list_display = ["referral", "kind", "started_at", "due_at", "stopped_at"]
    list_filter = ["kind"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
