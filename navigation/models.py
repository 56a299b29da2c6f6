"""Where and who (locations, clinicians, resources, availability) and the appointments
booked on them.

No clinician, no patient and no resource (room, equipment, interpreter) can hold two
overlapping live appointments: PostgreSQL exclusion constraints enforce it (btree_gist),
whatever the Python above them does. Only a navigator's audited emergency override is let
through (and an override never takes a resource).
"""

from __future__ import annotations

import secrets
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import ArrayField, DateTimeRangeField, RangeOperators
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from patients.models import Patient, Referral, validate_language_tag, validate_time_zone


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Specialty(models.TextChoices):
    NEUROSURGERY = "neurosurgery"
    SPINE_SURGERY = "spine_surgery", "spine surgery"
    RADIATION_ONCOLOGY = "radiation_oncology", "radiation oncology"
    MEDICAL_ONCOLOGY = "medical_oncology", "medical oncology"
    NEURORADIOLOGY = "neuroradiology", "neuroradiology (imaging)"
    PATHOLOGY = "pathology"
    PAIN_MEDICINE = "pain_medicine", "pain medicine"
    PALLIATIVE_CARE = "palliative_care", "palliative care"
    REHABILITATION = "rehabilitation"
    PSYCHOSOCIAL = "psychosocial", "psychosocial care"


# What a visit type may need besides its clinician: one resource of each listed. "mri" is
# any MRI scanner; an equipment subtype names one kind of machine; "room" any room.
NEED_CHOICES = [
    ("room", "a room"),
    ("mri", "an MRI scanner (1.5 T or 3 T)"),
    ("mri_1_5t", "an MRI scanner 1.5 T"),
    ("mri_3t", "an MRI scanner 3 T"),
    ("ct_simulator", "a CT simulator"),
    ("linac", "a linac / radiosurgery unit"),
    ("procedure_room", "a procedure room"),
]


class Location(models.Model):
    class Kind(models.TextChoices):
        CLINIC = "clinic"
        BUILDING = "building"
        ROOM = "room"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CLINIC)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    address = models.CharField(max_length=255, blank=True)
    time_zone = models.CharField(
        max_length=64, default="America/New_York", validators=[validate_time_zone]
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The location's zone: its clinic sessions, dates and grid are on its wall clock."""
        return ZoneInfo(self.time_zone)


class TravelBuffer(models.Model):
    """Minutes a patient needs to move between two locations (either direction)."""

    from_location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    to_location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveSmallIntegerField(validators=[MaxValueValidator(240)])

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["from_location", "to_location"], name="one_buffer_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_location=models.F("to_location")),
                name="buffer_between_two_places",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_location} ↔ {self.to_location}: {self.minutes} min"


class Clinician(models.Model):
    name = models.CharField(max_length=120)
    specialty = models.CharField(max_length=24, choices=Specialty.choices)
    home_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clinician",
    )
    email = models.EmailField(blank=True)
    active = models.BooleanField(default=True)
    on_call = models.BooleanField(
        default=False, help_text="Paged by email at once for every emergency referral."
    )
    # The secret in the clinician's subscribable feed URL; rotating it revokes the old one.
    calendar_token = models.CharField(max_length=64, unique=True, default=new_token)

    class Meta:
        ordering = ["specialty", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_specialty_display()})"


class VisitType(models.Model):
    """A kind of visit and its default length, e.g. neurosurgery new consult, 60 minutes."""

    specialty = models.CharField(max_length=24, choices=Specialty.choices)
    name = models.CharField(max_length=80)
    minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    new_patient = models.BooleanField(default=True)
    needs = ArrayField(
        models.CharField(max_length=24, choices=NEED_CHOICES),
        default=list,
        blank=True,
        size=4,
        help_text="Resources the visit needs besides its clinician, one of each (e.g. an MRI "
        "scanner); free over the same minutes as the clinician.",
    )
    reminder_offsets_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(336)]),
        default=list,
        blank=True,
        size=6,
        help_text="Hours before the visit to text a reminder; empty means the center's default.",
    )

    class Meta:
        ordering = ["specialty", "name"]
        constraints = [
            models.UniqueConstraint(fields=["specialty", "name"], name="unique_visit_type")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.minutes} min)"

    def clean(self) -> None:
        """Each need names a kind some active resource is (else nothing could be booked),
        and no two needs could take the same resource."""
        from navigation.services.resources import NEED_LABELS, need_matches, needs_overlap

        if needs_overlap(self.needs):
            raise ValidationError({"needs": "Two needs could take the same resource."})
        active = list(Resource.objects.filter(active=True))
        for need in self.needs:
            if not any(need_matches(need, r) for r in active):
                raise ValidationError(
                    {"needs": f"The visit needs {NEED_LABELS[need]}, and no location has one."}
                )


class Resource(models.Model):
    """A room, a piece of equipment or an interpreter a visit may need besides its clinician
    (PRODUCT.md, "Same-day plans"). Each is at a location: its weekly templates are on that
    location's wall clock, and a room or machine is where its visits happen. An interpreter
    goes to the patient's visits wherever they are and covers `languages` (BCP-47 codes)."""

    class Kind(models.TextChoices):
        ROOM = "room"
        EQUIPMENT = "equipment"
        INTERPRETER = "interpreter"

    class Equipment(models.TextChoices):
        MRI_1_5T = "mri_1_5t", "MRI scanner 1.5 T"
        MRI_3T = "mri_3t", "MRI scanner 3 T"
        CT_SIMULATOR = "ct_simulator", "CT simulator"
        LINAC = "linac", "linac / radiosurgery unit"
        PROCEDURE_ROOM = "procedure_room", "procedure room"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    equipment = models.CharField(
        max_length=24, choices=Equipment.choices, blank=True, help_text="For equipment only."
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="resources")
    languages = ArrayField(
        models.CharField(max_length=35, validators=[validate_language_tag]),
        default=list,
        blank=True,
        size=20,
        help_text="BCP-47 language codes an interpreter covers, e.g. es, pt-BR.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="equipment") & ~models.Q(equipment=""))
                | (~models.Q(kind="equipment") & models.Q(equipment="")),
                name="equipment_kind_has_a_subtype",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="interpreter") | models.Q(languages__len__gt=0),
                name="interpreter_has_languages",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.kind == self.Kind.EQUIPMENT) != bool(self.equipment):
            raise ValidationError(
                {"equipment": "Equipment says what it is (e.g. MRI 3 T); nothing else does."}
            )
        if (self.kind == self.Kind.INTERPRETER) != bool(self.languages):
            raise ValidationError(
                {"languages": "An interpreter covers at least one language; nothing else does."}
            )

    @property
    def kind_label(self) -> str:
        """What the resource is, in words: "MRI scanner 3 T", "room", "interpreter"."""
        return self.get_equipment_display() if self.equipment else str(self.kind)


def check_resource_place(resource: Resource | None, location: Location | None) -> None:
    """A resource's sessions are at its own location, on that location's wall clock (a room
    or machine does not move; an interpreter's hours are kept where they work from)."""
    if resource is not None and location is not None and location.pk != resource.location_id:
        raise ValidationError(
            {
                "location": f"{resource.name}'s sessions are at its own location, "
                f"{resource.location} ({resource.location.time_zone}), on its wall clock."
            }
        )


def _one_owner(name: str) -> models.CheckConstraint:
    """A session or time off belongs to one clinician or one resource, never both."""
    return models.CheckConstraint(
        condition=models.Q(clinician__isnull=True, resource__isnull=False)
        | models.Q(clinician__isnull=False, resource__isnull=True),
        name=name,
    )


class AvailabilityTemplate(models.Model):
    """A weekly clinic session in the location's local time, e.g. Tuesdays 08:00-12:00."""

    clinician = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.CASCADE, related_name="templates"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="templates"
    )
    weekday = models.PositiveSmallIntegerField(
        validators=[MaxValueValidator(6)], help_text="0 is Monday, 6 is Sunday."
    )
    start_time = models.TimeField()
    end_time = models.TimeField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["clinician", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="template_ends_after_start",
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_6"),
            _one_owner("template_has_one_owner"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.clinician or self.resource} weekday {self.weekday} "
            f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"
        )

    def clean(self) -> None:
        check_resource_place(self.resource, self.location if self.location_id else None)


class ExtraSession(models.Model):
    """A one-off clinic session outside the weekly template."""

    clinician = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.CASCADE, related_name="extra_sessions"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="extra_sessions"
    )
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="extra_ends_after_start",
            ),
            _one_owner("extra_session_has_one_owner"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician or self.resource} extra session {self.date}"

    def clean(self) -> None:
        check_resource_place(self.resource, self.location if self.location_id else None)


class TimeOff(models.Model):
    clinician = models.ForeignKey(
        Clinician, null=True, blank=True, on_delete=models.CASCADE, related_name="time_off"
    )
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="time_off"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="time_off_ends_after_start"
            ),
            _one_owner("time_off_has_one_owner"),
        ]
        # A calendar read asks for what ends after its first instant: years of past time
        # off are skipped in the index, not read and filtered.
        indexes = [
            models.Index(fields=["clinician", "end"], name="time_off_clinician_end"),
            models.Index(fields=["resource", "end"], name="time_off_resource_end"),
        ]

    def __str__(self) -> str:
        return f"{self.clinician or self.resource} off {self.start:%Y-%m-%d %H:%M}"


class ClinicHoliday(models.Model):
    """A day a location (or, with none, the whole center) holds no clinics."""

    date = models.DateField()
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


class Itinerary(models.Model):
    """Same-day visits booked together, all or nothing."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="itineraries")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="itineraries"
    )
    day = models.DateField()
    # PRODUCT.md: waiting is idle time between visits; walking is reported beside it.
    total_wait_minutes = models.PositiveIntegerField(default=0)
    total_travel_minutes = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Itinerary {self.pk} on {self.day}"


class Hold(models.Model):
    """Time a navigator holds while talking to the patient (PRODUCT.md, "Same-day plans").

    Its visits are Appointment rows with status `held`: the exclusion constraints treat them
    as taken, so nobody else can book them, until the holder confirms the hold into a booking
    or it expires (then its rows are deleted: a hold is not a visit the patient ever had).
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        CONFIRMED = "confirmed"
        RELEASED = "released"
        EXPIRED = "expired"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="holds")
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="holds"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField(db_index=True)
    max_total_wait = models.PositiveIntegerField(default=90)
    itinerary = models.OneToOneField(
        "Itinerary", null=True, blank=True, on_delete=models.PROTECT, related_name="hold"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Hold {self.pk} ({self.status})"


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


LIVE = models.Q(override=False) & ~models.Q(status="cancelled")
# A consult that was held, is booked, or happened; a no-show or a cancel frees the referral.
CONSULT_LIVE = ["held", "booked", "checked_in", "completed"]


class Appointment(models.Model):
    class EncounterClass(models.TextChoices):
        """Where the visit happens (HL7 v3 ActCode, as FHIR Encounter.class): a clinic
        visit, or an on-call assessment in the emergency department or on a ward."""

        AMBULATORY = "AMB", "clinic"
        EMERGENCY = "EMER", "emergency department"
        INPATIENT = "IMP", "ward"

    class Status(models.TextChoices):
        BOOKED = "booked"
        CHECKED_IN = "checked_in", "checked in"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        NO_SHOW = "no_show", "no-show"
        HELD = "held"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(Clinician, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    specialty = models.CharField(max_length=24, choices=Specialty.choices)
    visit_type = models.ForeignKey(VisitType, null=True, blank=True, on_delete=models.PROTECT)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    referral = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    itinerary = models.ForeignKey(
        Itinerary, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    hold = models.ForeignKey(
        Hold, null=True, blank=True, on_delete=models.SET_NULL, related_name="appointments"
    )
    is_consult = models.BooleanField(default=False, help_text="The new-patient consult.")
    encounter_class = models.CharField(
        max_length=4,
        choices=EncounterClass.choices,
        default=EncounterClass.AMBULATORY,
        help_text="A clinic visit, or an on-call assessment outside clinic templates.",
    )
    override = models.BooleanField(default=False)
    patient_confirmed_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.CharField(max_length=300, blank=True)
    # RFC 5545: one UID for the visit's life; SEQUENCE raised with every change.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appointment_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(override=False) | ~models.Q(override_reason=""),
                name="override_has_a_reason",
            ),
            # PRODUCT.md: a referral has at most one live consult, enforced here.
            models.UniqueConstraint(
                fields=["referral"],
                condition=models.Q(is_consult=True, status__in=CONSULT_LIVE),
                name="one_live_consult_per_referral",
            ),
            ExclusionConstraint(
                name="no_clinician_double_booking",
                expressions=[
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                    ("clinician", RangeOperators.EQUAL),
                ],
                condition=LIVE,
            ),
            ExclusionConstraint(
                name="no_patient_double_booking",
                expressions=[
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=LIVE,
            ),
        ]
        # Calendar reads (`selectors`) ask for visits ending after their first instant, with
        # overrides and holds too, which the constraints' partial indexes leave out: past
        # visits are skipped in these, not read and filtered.
        indexes = [
            models.Index(fields=["clinician", "end"], name="appointment_clinician_end"),
            models.Index(fields=["patient", "end"], name="appointment_patient_end"),
        ]

    def __str__(self) -> str:
        return f"Appointment {self.pk} ({self.specialty}, {self.start:%Y-%m-%d %H:%M})"


class AppointmentChange(models.Model):
    """History: every booking, reschedule, status change and cancel, never rewritten."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=24)
    old_start = models.DateTimeField(null=True)
    new_start = models.DateTimeField(null=True)
    old_status = models.CharField(max_length=16, blank=True)
    new_status = models.CharField(max_length=16, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} of appointment {self.appointment_id}"


class AppointmentResource(models.Model):
    """A resource taken by a visit, over the visit's minutes (FHIR Appointment.participant).

    `start`, `end` and `live` copy the appointment's (kept in step by the services that
    move or cancel it), so one exclusion constraint per resource sees booked and held
    visits alike; a held visit's rows go with it when the hold ends.
    """

    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, related_name="resource_bookings"
    )
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="bookings")
    start = models.DateTimeField()
    end = models.DateTimeField()
    live = models.BooleanField(default=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "resource"], name="one_row_per_visit_resource"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="resource_ends_after_start"
            ),
            ExclusionConstraint(
                name="no_resource_double_booking",
                expressions=[
                    (TsTzRange("start", "end"), RangeOperators.OVERLAPS),
                    ("resource", RangeOperators.EQUAL),
                ],
                condition=models.Q(live=True),
            ),
        ]
        indexes = [models.Index(fields=["resource", "end"], name="resource_booking_end")]

    def __str__(self) -> str:
        return f"{self.resource} for appointment {self.appointment_id}"


from navigation.rota_models import OnCallRota, OnCallRotaMember, OnCallShift  # noqa: E402, F401
