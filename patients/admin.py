from django.contrib import admin

from patients.models import Barrier, DistressScreening, Patient, Referral


@admin.register(Patient)
class PatientAdmin(admin.ModelAdmin):
    list_display = ["mrn", "last_name", "first_name", "status", "sms_consent"]
    search_fields = ["mrn", "last_name", "first_name"]
    list_filter = ["status", "sms_consent"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["id", "patient", "urgency", "received_at", "consult_due_at", "status"]
    list_filter = ["urgency", "status", "sites", "primary_cancer"]
    readonly_fields = ["urgency", "urgency_reason", "consult_due_at", "sins_score", "consult_at"]
    list_select_related = ["patient"]
    search_fields = ["patient__mrn", "patient__last_name"]
    date_hierarchy = "received_at"


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
