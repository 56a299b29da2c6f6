from django.contrib import admin

from patients.models import Patient, Referral


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
