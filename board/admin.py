"""The board's set-up for admins: meeting series (members, quorum, capacity) and the
meetings generated from them. Cases and recommendations are made in the pages."""

from django.contrib import admin

from board.models import Meeting, Series


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "weekday",
        "start_time",
        "end_time",
        "time_zone",
        "location",
        "case_capacity",
        "active",
    ]
    list_filter = ["active", "weekday", "location"]
    list_select_related = ["location"]
    search_fields = ["name"]
    autocomplete_fields = ["location"]
    filter_horizontal = ["members"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["series", "date", "start", "status", "location", "case_capacity"]
    list_filter = ["series", "status"]
    list_select_related = ["series", "location"]
    search_fields = ["series__name"]
    date_hierarchy = "date"
    ordering = ["-date"]
    autocomplete_fields = ["location"]
    readonly_fields = ["uid", "sequence"]
