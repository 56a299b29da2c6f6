from django.contrib import admin

from interop.models import SmartClient


@admin.register(SmartClient)
class SmartClientAdmin(admin.ModelAdmin):
    list_display = ("name", "client_id", "scopes", "user", "active", "created_at")
    readonly_fields = ("client_id", "created_at")
    list_filter = ("active",)
