"""Clinic set-up for admins: clinicians and resources (rooms, machines, interpreters) and
their sessions, time off and on-call, locations and the travel times between them, visit
types (and what they need) and holidays.

Session times are local to the session's location (`Location.time_zone`); time off is
stored in UTC and shown in the admin's zone, as Django's admin does for every datetime.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from navigation.models import (
    AvailabilityTemplate,
    ClinicHoliday,
    Clinician,
    ExtraSession,
    Location,
    OnCallRota,
    OnCallRotaMember,
    OnCallShift,
    Resource,
    TimeOff,
    TravelBuffer,
    VisitType,
)
from navigation.services.resources import resource_change_check
from navigation.services.time_off import time_off_alert, time_off_removed
from tumorboard.errors import DomainError


class AvailabilityTemplateInline(admin.TabularInline):
    model = AvailabilityTemplate
    extra = 0
    fields = ["weekday", "start_time", "end_time", "location", "valid_from", "valid_until"]
    autocomplete_fields = ["location"]


class ExtraSessionInline(admin.TabularInline):
    model = ExtraSession
    extra = 0
    fields = ["date", "start_time", "end_time", "location"]
    autocomplete_fields = ["location"]


class TimeOffAlerting(admin.ModelAdmin):
    """Time off saved over visits booked or held (here or inline) warns on the page and
    alerts the navigators to re-plan each visit, as the API does (`time_off_alert`)."""

    def time_off_saved(self, request, time_off: TimeOff) -> None:
        visits = time_off_alert(time_off, now=timezone.now())
        if visits:
            ids = ", ".join(str(v.pk) for v in visits)
            self.message_user(
                request,
                f"{time_off.clinician or time_off.resource}'s time off {time_off.pk} falls on "
                f"{len(visits)} visit(s) booked or held (appointments {ids}); they stay "
                "booked and the navigators were alerted to re-plan them.",
                messages.WARNING,
            )

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is TimeOff:
            for time_off in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                self.time_off_saved(request, time_off)
            for time_off in formset.deleted_objects:
                time_off_removed(time_off.pk or 0, now=timezone.now())


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0
    fields = ["start", "end", "reason"]


@admin.register(Clinician)
class ClinicianAdmin(TimeOffAlerting):
    list_display = ["name", "specialty", "home_location", "on_call", "active", "email"]
    list_filter = ["specialty", "on_call", "active", "home_location"]
    list_editable = ["on_call", "active"]
    list_select_related = ["home_location"]
    search_fields = ["name", "email"]
    autocomplete_fields = ["home_location", "user"]
    readonly_fields = ["calendar_token"]
    inlines = [AvailabilityTemplateInline, ExtraSessionInline, TimeOffInline]


class ResourceForm(forms.ModelForm):
    """A resource's change that its visits ahead rely on (kind, equipment, location,
    active, an interpreter's needed language) is a form error on that field, as the API's
    409 `in_use` (`resource_change_check`)."""

    class Meta:
        model = Resource
        fields = ["name", "kind", "equipment", "location", "languages", "active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            saved = Resource.objects.get(pk=self.instance.pk)
            changed = {name: cleaned[name] for name in self.changed_data if name in cleaned}
            try:
                resource_change_check(saved, changed, now=timezone.now())
            except DomainError as error:
                self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(Resource)
class ResourceAdmin(TimeOffAlerting):
    """Rooms, equipment and interpreters; their weekly sessions are at their own location."""

    form = ResourceForm

    def get_changelist_form(self, request, **kwargs):
        # `list_editable` (active) goes through the same check as the change page.
        return super().get_changelist_form(request, form=ResourceForm, **kwargs)

    list_display = ["name", "kind", "equipment", "location", "languages", "active"]
    list_filter = ["kind", "equipment", "location", "active"]
    list_editable = ["active"]
    list_select_related = ["location"]
    search_fields = ["name"]
    autocomplete_fields = ["location"]
    inlines = [AvailabilityTemplateInline, ExtraSessionInline, TimeOffInline]


class TravelBufferInline(admin.TabularInline):
    model = TravelBuffer
    fk_name = "from_location"
    extra = 0
    autocomplete_fields = ["to_location"]
    verbose_name = "travel time from here"
    verbose_name_plural = "travel times from here"


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "time_zone", "address"]
    list_filter = ["kind", "time_zone"]
    list_select_related = ["parent"]
    search_fields = ["name", "address"]
    autocomplete_fields = ["parent"]
    inlines = [TravelBufferInline]


@admin.register(TravelBuffer)
class TravelBufferAdmin(admin.ModelAdmin):
    list_display = ["from_location", "to_location", "minutes"]
    list_filter = ["from_location", "to_location"]
    list_select_related = ["from_location", "to_location"]
    search_fields = ["from_location__name", "to_location__name"]
    autocomplete_fields = ["from_location", "to_location"]


@admin.register(AvailabilityTemplate)
class AvailabilityTemplateAdmin(admin.ModelAdmin):
    list_display = [
        "clinician",
        "resource",
        "weekday_name",
        "start_time",
        "end_time",
        "location",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["weekday", "clinician__specialty", "location", "clinician"]
    list_select_related = ["clinician", "resource", "location"]
    search_fields = ["clinician__name", "resource__name", "location__name"]
    autocomplete_fields = ["clinician", "resource", "location"]
    ordering = ["clinician__name", "resource__name", "weekday", "start_time"]

    WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    @admin.display(description="weekday", ordering="weekday")
    def weekday_name(self, obj: AvailabilityTemplate) -> str:
        return self.WEEKDAYS[obj.weekday]


@admin.register(ExtraSession)
class ExtraSessionAdmin(admin.ModelAdmin):
    list_display = ["clinician", "resource", "date", "start_time", "end_time", "location"]
    list_filter = ["clinician__specialty", "location", "clinician"]
    list_select_related = ["clinician", "resource", "location"]
    search_fields = ["clinician__name", "resource__name", "location__name"]
    autocomplete_fields = ["clinician", "resource", "location"]
    date_hierarchy = "date"
    ordering = ["-date", "start_time"]


@admin.register(TimeOff)
class TimeOffAdmin(TimeOffAlerting):
    list_display = ["clinician", "resource", "start", "end", "reason"]
    list_filter = ["clinician__specialty", "clinician"]
    list_select_related = ["clinician", "resource"]
    search_fields = ["clinician__name", "resource__name", "reason"]
    autocomplete_fields = ["clinician", "resource"]
    date_hierarchy = "start"
    ordering = ["-start"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.time_off_saved(request, obj)

    def delete_model(self, request, obj):
        pk = obj.pk
        super().delete_model(request, obj)
        time_off_removed(pk, now=timezone.now())


@admin.register(VisitType)
class VisitTypeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "specialty",
        "minutes",
        "new_patient",
        "needs",
        "reminder_offsets_hours",
    ]
    list_filter = ["specialty", "new_patient"]
    search_fields = ["name"]


@admin.register(ClinicHoliday)
class ClinicHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "where"]
    list_filter = ["location"]
    list_select_related = ["location"]
    search_fields = ["name"]
    date_hierarchy = "date"
    ordering = ["-date"]

    @admin.display(description="location", ordering="location__name")
    def where(self, obj: ClinicHoliday) -> str:
        return obj.location.name if obj.location else "the whole center"


class OnCallRotaMemberInline(admin.TabularInline):
    model = OnCallRotaMember
    extra = 0
    fields = ["position", "clinician"]
    autocomplete_fields = ["clinician"]


@admin.register(OnCallRota)
class OnCallRotaAdmin(admin.ModelAdmin):
    """The on-call rota of a specialty: members take shifts in turn, handing over at a
    local time of the location (its zone), each shift `shift_days` days long."""

    list_display = [
        "name",
        "specialty",
        "location",
        "handover",
        "shift_days",
        "starts_on",
        "active",
    ]
    list_filter = ["specialty", "active"]
    autocomplete_fields = ["location"]
    inlines = [OnCallRotaMemberInline]


@admin.register(OnCallShift)
class OnCallShiftAdmin(admin.ModelAdmin):
    """One-off cover: for its hours it replaces the rota of its specialty."""

    list_display = ["clinician", "specialty", "start", "end", "location", "note"]
    list_filter = ["specialty"]
    autocomplete_fields = ["clinician", "location"]
    date_hierarchy = "start"
