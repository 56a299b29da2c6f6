from django.contrib import admin

from tumorboard.audit import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses edits anyway."""

    list_display = ["at", "username", "action", "method", "path", "status_code", "ip"]
    list_filter = ["action", "method"]
    search_fields = ["username", "path"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
