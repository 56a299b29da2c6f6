from django.contrib import admin

from notifications.models import Alert, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "template", "status", "attempts", "send_after"]
    list_filter = ["channel", "status", "template"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "text", "created_at", "acknowledged_at"]
    list_filter = ["kind"]
