from django.contrib import admin

from simulator.models import SimulationRun


@admin.register(SimulationRun)
class SimulationRunAdmin(admin.ModelAdmin):
    list_display = ("id", "status", "created_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = ("status", "parameters", "report", "error", "started_at", "finished_at")
