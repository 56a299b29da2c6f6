from django.contrib import admin

from board.models import Meeting, Series


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    list_display = ["name", "weekday", "start_time", "end_time", "case_capacity", "active"]
    filter_horizontal = ["members"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["series", "date", "status", "case_capacity"]
    list_filter = ["series", "status"]
    readonly_fields = ["uid", "sequence"]
