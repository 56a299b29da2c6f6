"""Read-only: a treatment is recorded through `care.services.treatment_record` (its rules and
the clocks it moves), and a clock is derived from events, never typed."""

from django.contrib import admin

from care.models import Barrier, Clock, DistressScreening, Treatment


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


@admin.register(Barrier)
class BarrierAdmin(admin.ModelAdmin):
    list_display = ["patient", "kind", "found_at", "found_by", "resolved_at"]
    list_filter = ["kind", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["patient", "found_by"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "found_by", "resolved_by"]
    date_hierarchy = "found_at"


@admin.register(DistressScreening)
class DistressScreeningAdmin(admin.ModelAdmin):
    list_display = ["patient", "occasion", "score", "referred", "screened_at"]
    list_filter = ["occasion", "referred"]
    list_select_related = ["patient"]
    search_fields = ["patient__mrn", "patient__last_name"]
    raw_id_fields = ["patient", "referral", "screened_by"]
    readonly_fields = ["referred"]
    date_hierarchy = "screened_at"

    def has_add_permission(self, request) -> bool:
        return False  # recorded on the referral page or the API, which refer a high score
