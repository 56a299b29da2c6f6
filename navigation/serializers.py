from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from navigation.models import (
    Appointment,
    AvailabilityTemplate,
    Clinician,
    Location,
    Resource,
    Specialty,
    TimeOff,
    VisitType,
    check_resource_place,
)
from patients.models import Patient, Referral
from tumorboard.audit import AuditedSerializer
from tumorboard.serializers import StrictModelSerializer, StrictSerializer

MAX_RANGE_DAYS = 90
SPECIALTY_ERROR = {"invalid_choice": "“{input}” is not a specialty we schedule."}
VISIT_TYPES_HELP = (
    'The visit type per specialty, by id, e.g. {"radiation_oncology": 7} for “SRS '
    "planning”: its minutes and the rooms and machines it needs apply, and the booked "
    "visit carries it. A specialty left out gets its new-patient visit type. Each key is a "
    "specialty asked for; each type is of that specialty (see the visit types in the admin)."
)


def _name(specialty: str) -> str:
    return specialty.replace("_", " ")


def chosen_visit_types(
    raw: dict, specialties, found: dict[int, VisitType] | None = None
) -> dict[str, VisitType]:
    """`visit_types` as given (specialty -> visit type id), read into visit types (`found`:
    those already read, by id): each key one of `specialties`, each id a visit type of
    that specialty. Raises a ValidationError naming `visit_types.<specialty>` in plain
    words."""
    if found is None:
        found = VisitType.objects.in_bulk(list(raw.values())) if raw else {}
    out = {}
    for specialty, pk in raw.items():
        if specialty not in specialties:
            raise serializers.ValidationError(
                {
                    "visit_types": {
                        specialty: f"“{specialty}” is not among the specialties asked for; "
                        "choose visit types only for those."
                    }
                }
            )
        visit_type = found.get(pk)
        if visit_type is None:
            raise serializers.ValidationError(
                {"visit_types": {specialty: f"There is no visit type {pk}."}}
            )
        if visit_type.specialty != specialty:
            raise serializers.ValidationError(
                {
                    "visit_types": {
                        specialty: f"“{visit_type.name}” is a {_name(visit_type.specialty)} "
                        f"visit, not a {_name(specialty)} one."
                    }
                }
            )
        out[specialty] = visit_type
    return out


class LocationSerializer(StrictModelSerializer):
    buffers = serializers.SerializerMethodField()

    class Meta:
        model = Location
        fields = ["id", "name", "kind", "parent", "address", "time_zone", "buffers"]

    def get_buffers(self, location) -> dict[str, int]:
        """Minutes to walk to each other location, keyed by its id."""
        if "buffers" not in self.context:  # read once per response, not once per location
            from navigation.selectors import travel_buffers

            self.context["buffers"] = travel_buffers()
        out: dict[str, int] = {}
        for (a, b), minutes in self.context["buffers"].items():
            if location.pk in (a, b):
                out[str(b if a == location.pk else a)] = minutes
        return out


class ClinicianSerializer(StrictModelSerializer):
    specialty = serializers.ChoiceField(Specialty.choices, error_messages=SPECIALTY_ERROR)

    class Meta:
        model = Clinician
        fields = ["id", "name", "specialty", "home_location", "email", "active", "on_call"]


class ResourceSerializer(StrictModelSerializer):
    """A room, a machine or an interpreter (with the BCP-47 languages they cover)."""

    kind_label = serializers.CharField(read_only=True)

    class Meta:
        model = Resource
        fields = [
            "id",
            "name",
            "kind",
            "equipment",
            "kind_label",
            "location",
            "languages",
            "active",
        ]

    def validate(self, attrs):
        kind = attrs.get("kind", getattr(self.instance, "kind", None))
        equipment = attrs.get("equipment", getattr(self.instance, "equipment", ""))
        languages = attrs.get("languages", getattr(self.instance, "languages", []))
        if kind == Resource.Kind.EQUIPMENT and not equipment:
            raise serializers.ValidationError(
                {"equipment": "Say what the equipment is (e.g. mri_3t, ct_simulator)."}
            )
        if kind != Resource.Kind.EQUIPMENT and equipment:
            raise serializers.ValidationError({"equipment": "Only equipment has a subtype."})
        if kind == Resource.Kind.INTERPRETER and not languages:
            raise serializers.ValidationError(
                {"languages": "An interpreter covers at least one language (e.g. es)."}
            )
        if kind != Resource.Kind.INTERPRETER and languages:
            raise serializers.ValidationError({"languages": "Only interpreters have languages."})
        return attrs


def _one_owner(serializer, attrs) -> None:
    """A session or time off is a clinician's or a resource's: exactly one of the two."""
    clinician = attrs.get("clinician", getattr(serializer.instance, "clinician", None))
    resource = attrs.get("resource", getattr(serializer.instance, "resource", None))
    if bool(clinician) == bool(resource):
        raise serializers.ValidationError(
            {"clinician": "Give a clinician or a resource (one of the two)."}
        )


class AvailabilityTemplateSerializer(StrictModelSerializer):
    """A weekly session in the location's local time. A resource's sessions are at its own
    location (its zone): a room or machine does not move, and an interpreter's hours are
    kept on the wall clock of the place they work from."""

    class Meta:
        model = AvailabilityTemplate
        fields = [
            "id",
            "clinician",
            "resource",
            "weekday",
            "start_time",
            "end_time",
            "location",
            "valid_from",
            "valid_until",
        ]

    def validate(self, attrs):
        _one_owner(self, attrs)
        try:
            check_resource_place(
                attrs.get("resource", getattr(self.instance, "resource", None)),
                attrs.get("location", getattr(self.instance, "location", None)),
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_time": "The session must end after it starts."})
        until = attrs.get("valid_until")
        if until and until < attrs.get("valid_from", getattr(self.instance, "valid_from", until)):
            raise serializers.ValidationError({"valid_until": "valid_until is before valid_from."})
        return attrs


class TimeOffSerializer(StrictModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "clinician", "resource", "start", "end", "reason"]

    def validate(self, attrs):
        _one_owner(self, attrs)
        start = attrs.get("start", getattr(self.instance, "start", None))
        end = attrs.get("end", getattr(self.instance, "end", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end": "Time off must end after it starts."})
        return attrs


class TimeOffVisitSerializer(serializers.ModelSerializer):
    """A visit booked or held that a time off falls on (aware datetimes, UTC)."""

    class Meta:
        model = Appointment
        fields = ["id", "start", "end", "specialty", "clinician", "patient", "status"]
        read_only_fields = fields


class TimeOffAnswerSerializer(TimeOffSerializer):
    """Time off as saved, with the visits booked or held it falls on and, when there are
    any, a `warning` in words (the navigators are alerted to re-plan each)."""

    affected_visits = TimeOffVisitSerializer(many=True, read_only=True)
    warning = serializers.CharField(read_only=True, required=False)

    class Meta(TimeOffSerializer.Meta):
        fields = [*TimeOffSerializer.Meta.fields, "affected_visits", "warning"]


class ResourceRefSerializer(serializers.Serializer):
    """A resource a visit takes, by id with its name and what it is."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()


def resource_refs(ids, context: dict) -> list[dict]:
    """Resources by id, read once per response (cached in the serializer context), each
    as `ResourceRefSerializer` gives it (made once per response: a search's options name
    the same few resources again and again)."""
    if "resources" not in context:
        context["resources"] = {r.pk: r for r in Resource.objects.all()}
    found = context["resources"]
    refs = context.setdefault("resource_refs", {})
    for i in ids:
        if i in found and i not in refs:
            refs[i] = ResourceRefSerializer(found[i]).data
    return [dict(refs[i]) for i in ids if i in found]


class AppointmentSerializer(AuditedSerializer, serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.name", read_only=True)
    consult_note = serializers.SerializerMethodField()
    resources = serializers.SerializerMethodField()

    def get_resources(self, appointment) -> list[dict]:
        """The rooms, machines and interpreter the visit takes."""
        rows = appointment.resource_bookings.all()
        return [ResourceRefSerializer(row.resource).data for row in rows]

    def get_consult_note(self, appointment) -> str:
        """After a cancel: where the referral's consult went, or why it has none."""
        return getattr(appointment, "consult_note", "")

    class Meta:
        model = Appointment
        fields = [
            "id",
            "patient",
            "clinician",
            "clinician_name",
            "specialty",
            "visit_type",
            "location",
            "resources",
            "start",
            "end",
            "status",
            "referral",
            "itinerary",
            "is_consult",
            "encounter_class",
            "override",
            "override_reason",
            "consult_note",
            "uid",
            "sequence",
            "created_at",
        ]
        read_only_fields = fields


class AppointmentBookSerializer(StrictSerializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    clinician = serializers.PrimaryKeyRelatedField(queryset=Clinician.objects.filter(active=True))
    start = serializers.DateTimeField()
    minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)
    referral = serializers.PrimaryKeyRelatedField(
        queryset=Referral.objects.all(), required=False, allow_null=True
    )
    is_consult = serializers.BooleanField(default=False)
    override_reason = serializers.CharField(max_length=300, required=False, default="")

    def validate(self, attrs):
        referral = attrs.get("referral")
        if referral and referral.patient_id != attrs["patient"].pk:
            raise serializers.ValidationError({"referral": "This referral is for another patient."})
        if attrs["is_consult"] and not referral:
            raise serializers.ValidationError(
                {"referral": "A new-patient consult needs its referral."}
            )
        return attrs


class RescheduleSerializer(StrictSerializer):
    start = serializers.DateTimeField()
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=Clinician.objects.filter(active=True), required=False
    )
    reason = serializers.CharField(max_length=300, required=False, default="")
    resources = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        max_length=6,
        help_text="The rooms, machines and interpreter the visit takes at the new time: ids, "
        "or objects with an `id`; one of each kind it needs. Left out, it keeps its own where "
        "free then, else free ones are picked (the patient's interpreter of the day first).",
    )

    def validate_resources(self, value):
        return VisitInSerializer.validate_resources(self, value)  # type: ignore[arg-type]


class FreeTimeSerializer(serializers.Serializer):
    """A time to move a visit to (aware, in UTC) with a clinician at a location, and the
    rooms, machines and interpreter free then that the search picked."""

    clinician = serializers.IntegerField()
    clinician_name = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    location = serializers.IntegerField()
    resources = serializers.SerializerMethodField()

    def get_resources(self, time) -> list[dict]:
        return resource_refs(time["resources"], self.root.context)


class FreeTimesSerializer(serializers.Serializer):
    times = FreeTimeSerializer(many=True)


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=300, required=False, default="")


class StatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(["booked", "checked_in", "completed", "no_show"])
    reason = serializers.CharField(max_length=300, required=False, default="")


class PlanRulesSerializer(StrictSerializer):
    """The rules a plan is searched with; booking checks them again with the same code."""

    max_total_wait = serializers.IntegerField(
        default=90,
        min_value=0,
        max_value=600,
        error_messages={"min_value": "The longest wait cannot be below zero."},
        help_text="Minutes of waiting between visits at most (walking is not waiting).",
    )
    order = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField(), min_length=2, max_length=2),
        required=False,
        default=list,
        help_text='Pairs [a, b]: a is seen before b, e.g. [["neuroradiology", "neurosurgery"]].',
    )
    earliest_arrival = serializers.TimeField(
        required=False, help_text="Local time at the clinic (its own zone)."
    )
    latest_departure = serializers.TimeField(
        required=False, help_text="Local time at the clinic (its own zone)."
    )

    def plan_rules(self, data: dict):
        from navigation.services import PlanRules

        window = None
        if data.get("earliest_arrival") or data.get("latest_departure"):
            window = (data.get("earliest_arrival"), data.get("latest_departure"))
        return PlanRules(
            max_total_wait=data["max_total_wait"],
            order=tuple(tuple(pair) for pair in data["order"]),
            window=window,
        )


class ItinerarySearchSerializer(PlanRulesSerializer):
    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    referral = serializers.PrimaryKeyRelatedField(
        queryset=Referral.objects.all(), required=False, allow_null=True
    )
    specialties = serializers.ListField(
        child=serializers.ChoiceField(Specialty.choices, error_messages=SPECIALTY_ERROR),
        required=False,
        min_length=1,
        max_length=8,
        help_text="Defaults to the set the referral's case suggests.",
    )
    date_from = serializers.DateField(help_text="The clinics' local date.")
    date_to = serializers.DateField(help_text="The clinics' local date.")
    clinicians = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text="Pin a clinician per specialty."
    )
    visit_types = serializers.DictField(
        child=serializers.IntegerField(), required=False, help_text=VISIT_TYPES_HELP
    )
    limit = serializers.IntegerField(default=5, min_value=1, max_value=20)

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date is before the start date."})
        # "Today" is each clinic's own: the earliest date still current somewhere (UTC-12).
        today = (timezone.now() - timedelta(hours=12)).date()
        if attrs["date_from"] < today:
            raise serializers.ValidationError({"date_from": "The start date is in the past."})
        if attrs["date_to"] > today + timedelta(days=365):
            raise serializers.ValidationError({"date_to": "Search at most a year ahead."})
        if attrs["date_to"] - attrs["date_from"] > timedelta(days=MAX_RANGE_DAYS):
            raise serializers.ValidationError(
                {"date_to": f"Search at most {MAX_RANGE_DAYS} days at a time."}
            )
        referral = attrs.get("referral")
        if referral and referral.patient_id != attrs["patient"].pk:
            raise serializers.ValidationError({"referral": "This referral is for another patient."})
        if not attrs.get("specialties"):
            if not referral:
                raise serializers.ValidationError(
                    {"specialties": "Name the specialties, or give a referral to suggest them."}
                )
            from navigation.rules import suggested_specialties

            attrs["specialties"] = list(suggested_specialties(referral.clinical_picture()))
        if len(set(attrs["specialties"])) != len(attrs["specialties"]):
            raise serializers.ValidationError({"specialties": "A specialty is named twice."})
        for a, b in attrs["order"]:
            for name in (a, b):
                if name not in attrs["specialties"]:
                    raise serializers.ValidationError(
                        {
                            "order": f"“{name}” is in the order but not among the specialties "
                            f"asked for."
                        }
                    )
        arrival, departure = attrs.get("earliest_arrival"), attrs.get("latest_departure")
        if arrival and departure and departure <= arrival:
            raise serializers.ValidationError(
                {"latest_departure": "The latest departure is not after the earliest arrival."}
            )
        for specialty, clinician_id in attrs.get("clinicians", {}).items():
            clinician = Clinician.objects.filter(pk=clinician_id, active=True).first()
            if clinician is None:
                raise serializers.ValidationError({"clinicians": f"No clinician {clinician_id}."})
            if clinician.specialty != specialty:
                raise serializers.ValidationError(
                    {"clinicians": f"{clinician.name} is not in {specialty.replace('_', ' ')}."}
                )
            if specialty not in attrs["specialties"]:
                raise serializers.ValidationError(
                    {"clinicians": f"“{specialty}” is not among the specialties asked for."}
                )
        attrs["visit_types"] = chosen_visit_types(
            attrs.get("visit_types", {}), attrs["specialties"]
        )
        return attrs


class VisitOutSerializer(serializers.Serializer):
    specialty = serializers.CharField()
    clinician = serializers.IntegerField(source="clinician_id")
    location = serializers.IntegerField(source="location_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    resources = serializers.SerializerMethodField(
        help_text="The rooms, machines and interpreter the visit takes; post them back."
    )
    visit_type = serializers.SerializerMethodField(
        help_text="The id of the visit type searched with (the one chosen in `visit_types`, "
        "else the specialty's new-patient type; null when it has none); post it back."
    )

    def get_resources(self, visit) -> list[dict]:
        return resource_refs(visit.resources, self.root.context)

    def get_visit_type(self, visit) -> int | None:
        visit_type = self.root.context.get("visit_types", {}).get(visit.specialty)
        return visit_type.pk if visit_type else None


class OptionSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The clinics' local date.")
    total_wait = serializers.IntegerField(
        help_text="Minutes of waiting between visits (walking is not waiting)."
    )
    total_travel = serializers.IntegerField(help_text="Minutes walking between locations.")
    finish = serializers.DateTimeField()
    visits = VisitOutSerializer(many=True)
    after_deadline = serializers.SerializerMethodField(
        help_text="The option starts after the consult deadline of the referral searched for "
        "(whose consult is not booked yet); false without a referral."
    )

    def get_after_deadline(self, option) -> bool:
        from patients.clinical import option_after_deadline

        referral = self.context.get("referral")
        return referral is not None and option_after_deadline(
            first_start=min(v.start for v in option.visits),
            due_at=referral.consult_due_at,
            consult_at=referral.consult_at,
        )


class SearchOptionSerializer(OptionSerializer):
    """An option as the search ranks it, `{"option", "extra_trip"}` in."""

    extra_trip = serializers.BooleanField(
        help_text="The patient already has visits, none on this day: booking it adds a trip."
    )

    def to_representation(self, instance):
        # One OptionSerializer for the whole list: building one (and its visits' fields)
        # per option cost more than what it writes.
        if not hasattr(self, "_option"):
            self._option = OptionSerializer(context=self.context)
        option = self._option.to_representation(instance["option"])
        return {**option, "extra_trip": instance["extra_trip"]}


class SearchResultSerializer(serializers.Serializer):
    specialties = serializers.ListField(child=serializers.CharField())
    options = SearchOptionSerializer(many=True)
    reason = serializers.CharField(allow_null=True)
    missing_specialties = serializers.ListField(child=serializers.CharField())
    travel_burden = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why travel is hard for the patient (open transport or lodging barriers, a "
        "far home); with any, days the patient already comes in are ranked first.",
    )


class PreloadedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related field that takes its object from `context["preloaded"][field name]` when
    the parent read them all at once (`preload`), else reads it as DRF does (a missing
    one gets DRF's own error)."""

    def to_internal_value(self, data):
        found = self.context.get("preloaded", {}).get(self.field_name, {})
        pk = _whole(data)
        if pk is not None and pk in found:
            return found[pk]
        return super().to_internal_value(data)


def _whole(value) -> int | None:
    """An id as a whole number, from an int or a string of digits; else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def preload(serializer: serializers.Serializer, items) -> None:
    """Read the objects every item's related fields name, one query a field, into the
    serializer context (`PreloadedPrimaryKeyRelatedField` takes them from there), and the
    active resources their `resources` name."""
    if not isinstance(items, list):
        return
    items = [item for item in items if isinstance(item, dict)]
    preloaded = serializer.context.setdefault("preloaded", {})
    for name, field in serializer.fields.items():
        if isinstance(field, PreloadedPrimaryKeyRelatedField):
            ids = {pk for item in items if (pk := _whole(item.get(name))) is not None}
            if ids:
                preloaded[name] = {o.pk: o for o in field.get_queryset().filter(pk__in=ids)}
    ids = {
        pk
        for item in items
        if isinstance(item.get("resources"), list)
        for ref in item["resources"]
        if (pk := _whole(ref.get("id") if isinstance(ref, dict) else ref)) is not None
    }
    if ids:
        preloaded["resources"] = {r.pk: r for r in Resource.objects.filter(pk__in=ids, active=True)}


class VisitInSerializer(StrictSerializer):
    """A visit as the search returns it (location and end optional, checked if given: a
    visit lasts its visit type's minutes, so `end` or `minutes` may only repeat them)."""

    clinician = PreloadedPrimaryKeyRelatedField(queryset=Clinician.objects.filter(active=True))
    start = serializers.DateTimeField()
    specialty = serializers.ChoiceField(
        Specialty.choices, required=False, error_messages=SPECIALTY_ERROR
    )
    minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)
    location = PreloadedPrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, help_text="Must be the session's."
    )
    end = serializers.DateTimeField(required=False)
    resources = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        max_length=6,
        help_text="The resources the search returned for the visit: ids, or the objects as "
        "returned (their `id` is read). Left out, free ones are picked.",
    )
    visit_type = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The visit type's id as the search returned it (its specialty's); left "
        "out or null, the one `visit_types` names for the specialty, else the new-patient "
        "type.",
    )

    def validate_resources(self, value):
        ids = []
        for item in value:
            pk = item.get("id") if isinstance(item, dict) else item
            if not isinstance(pk, int) or isinstance(pk, bool):
                raise serializers.ValidationError("Each resource is an id (a whole number).")
            ids.append(pk)
        found = self.context.get("preloaded", {}).get("resources", {})
        if any(pk not in found for pk in ids):
            found = {r.pk: r for r in Resource.objects.filter(pk__in=ids, active=True)}
        missing = [pk for pk in ids if pk not in found]
        if missing:
            raise serializers.ValidationError(f"No active resource {missing[0]}.")
        if len(set(ids)) != len(ids):
            raise serializers.ValidationError("A resource is named twice.")
        return tuple(found[pk] for pk in ids)

    def validate(self, attrs):
        end = attrs.pop("end", None)
        if end is not None:
            minutes = (end - attrs["start"]).total_seconds() / 60
            if minutes != int(minutes) or not 5 <= minutes <= 480:
                raise serializers.ValidationError({"end": "The visit must last 5 to 480 minutes."})
            if attrs.get("minutes", minutes) != minutes:
                raise serializers.ValidationError({"end": "end and minutes disagree."})
            attrs["minutes"] = int(minutes)
            attrs["length_field"] = "end"  # a wrong length is named as the client gave it
        return attrs


class ItineraryBookSerializer(PlanRulesSerializer):
    """An option as the search returned it, with the rules it was searched with."""

    patient = serializers.PrimaryKeyRelatedField(queryset=Patient.objects.all())
    referral = serializers.PrimaryKeyRelatedField(
        queryset=Referral.objects.all(), required=False, allow_null=True
    )
    visits = VisitInSerializer(many=True, min_length=1, max_length=10)
    # Read back from a search option, and ignored: the booking computes its own figures.
    day = serializers.DateField(required=False, write_only=True)
    total_wait = serializers.IntegerField(required=False, write_only=True)
    total_travel = serializers.IntegerField(required=False, write_only=True)
    finish = serializers.DateTimeField(required=False, write_only=True)
    after_deadline = serializers.BooleanField(required=False, write_only=True)
    extra_trip = serializers.BooleanField(required=False, write_only=True)
    visit_types = serializers.DictField(
        child=serializers.IntegerField(),
        required=False,
        help_text=f"As searched with. {VISIT_TYPES_HELP} A visit's own `visit_type`, when "
        "given, must agree.",
    )

    def to_internal_value(self, data):
        if hasattr(data, "get"):  # the visits' clinicians, locations, resources: read once
            preload(self.fields["visits"].child, data.get("visits"))
        return super().to_internal_value(data)

    def validate(self, attrs):
        referral = attrs.get("referral")
        if referral and referral.patient_id != attrs["patient"].pk:
            raise serializers.ValidationError({"referral": "This referral is for another patient."})
        visits = attrs["visits"]
        specialties = [v.get("specialty") or v["clinician"].specialty for v in visits]
        raw = attrs.pop("visit_types", {})
        # every visit type named, read in one query
        found = VisitType.objects.in_bulk(
            [*raw.values(), *(v["visit_type"] for v in visits if v.get("visit_type"))]
        )
        chosen = chosen_visit_types(raw, specialties, found)
        for index, (visit, specialty) in enumerate(zip(visits, specialties, strict=True)):
            pk = visit.get("visit_type")
            own, named = found.get(pk) if pk is not None else None, chosen.get(specialty)
            if pk is not None and own is None:
                problem = f"There is no visit type {pk}."
            elif own is not None and own.specialty != specialty:
                problem = (
                    f"“{own.name}” is a {_name(own.specialty)} visit, not a {_name(specialty)} one."
                )
            elif own is not None and named is not None and own != named:
                problem = (
                    f"“{own.name}” disagrees with visit_types.{specialty} (“{named.name}”); "
                    "give one of the two."
                )
            else:
                visit["visit_type"] = own or named
                continue
            raise serializers.ValidationError({"visits": {index: {"visit_type": problem}}})
        return attrs


class HoldCreateSerializer(ItineraryBookSerializer):
    minutes = serializers.IntegerField(
        required=False, min_value=1, max_value=60, help_text="How long to hold (default 10)."
    )


class ItinerarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    referral = serializers.IntegerField(source="referral_id", allow_null=True)
    day = serializers.DateField()
    total_wait = serializers.IntegerField(
        source="total_wait_minutes", help_text="Minutes of waiting between visits."
    )
    total_travel = serializers.IntegerField(
        source="total_travel_minutes", help_text="Minutes walking between locations."
    )
    total_wait_minutes = serializers.IntegerField(help_text="Same as total_wait.")
    appointments = AppointmentSerializer(many=True, source="appointments.all")


class HoldSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient = serializers.IntegerField(source="patient_id")
    referral = serializers.IntegerField(source="referral_id", allow_null=True)
    status = serializers.CharField()
    expires_at = serializers.DateTimeField()
    itinerary = serializers.IntegerField(source="itinerary_id", allow_null=True)
    appointments = AppointmentSerializer(many=True, source="appointments.all")


class ConsultSlotSerializer(serializers.Serializer):
    clinician = serializers.IntegerField(source="clinician_id")
    specialty = serializers.CharField()
    location = serializers.IntegerField(source="location_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    late = serializers.BooleanField(help_text="Starts after the referral's deadline.")


class ConsultOptionsSerializer(serializers.Serializer):
    referral = serializers.IntegerField()
    consult_due_at = serializers.DateTimeField()
    meets_deadline = serializers.BooleanField()
    message = serializers.CharField()
    slots = ConsultSlotSerializer(many=True)


class FeedSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Subscribe to this URL in a calendar app.")


class OnCallAssessmentSerializer(StrictSerializer):
    """Book an emergency's consult as an on-call assessment, now, with whoever is on call."""

    encounter_class = serializers.ChoiceField(
        [("EMER", "emergency department"), ("IMP", "ward")],
        help_text="EMER: the emergency department; IMP: a ward (HL7 v3 ActCode).",
    )
    specialty = serializers.ChoiceField(
        Specialty.choices,
        required=False,
        error_messages=SPECIALTY_ERROR,
        help_text="Defaults to the first free of the consult specialties' on-call clinicians.",
    )
