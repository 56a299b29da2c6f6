"""The agenda's shape: serializers that document it in the schema, and `agenda_data`,
which builds the same JSON by hand, fast (an agenda of 40 cases is read by every
specialist before each meeting; DRF's field machinery would be most of its time)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from board.serializers.meetings import MeetingSerializer, QuorumSerializer, quorum_data


class AgendaCaseSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    case = serializers.IntegerField(source="case.pk")
    patient = serializers.IntegerField(source="case.patient_id")
    patient_name = serializers.SerializerMethodField()
    mrn = serializers.CharField(source="case.patient.mrn")
    urgency = serializers.CharField(source="case.urgency")
    question = serializers.CharField(source="case.question")
    presenter = serializers.CharField(source="case.presenter.name", default=None)
    submitted_at = serializers.DateTimeField(source="case.submitted_at")
    planned_start = serializers.DateTimeField()
    planned_end = serializers.DateTimeField()
    ready = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    late = serializers.BooleanField(help_text="Submitted after the cutoff.")
    trial_screening = serializers.BooleanField(source="case.trial_screening")
    note = serializers.CharField(source="case.note")
    noms = serializers.SerializerMethodField()
    recommendation_version = serializers.IntegerField(
        source="case.recommendation_version", allow_null=True
    )
    recommendation_status = serializers.CharField(
        source="case.recommendation_status", allow_null=True
    )

    def get_patient_name(self, item) -> str:
        return f"{item.case.patient.first_name} {item.case.patient.last_name}"

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_noms(self, item):
        """One line per NOMS axis and the suggestion (the case shows the full picture)."""
        noms = item.case.noms()
        return noms.summary() if noms else None


class RolledOverSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    mrn = serializers.CharField(source="case.patient.mrn")
    to_meeting = serializers.IntegerField(source="to_meeting_id")
    to_date = serializers.DateField(source="to_meeting.date")
    note = serializers.CharField()


class AgendaMeetingSerializer(MeetingSerializer):
    class Meta(MeetingSerializer.Meta):
        fields = [f for f in MeetingSerializer.Meta.fields if f not in ("case_count", "quorum")]
        read_only_fields = fields


class AgendaSerializer(serializers.Serializer):
    meeting = AgendaMeetingSerializer()
    quorum = serializers.SerializerMethodField()
    capacity = serializers.IntegerField(source="meeting.case_capacity")
    over_capacity = serializers.IntegerField(
        help_text="Cases beyond capacity that could not roll over (emergency or urgent)."
    )
    unready = serializers.IntegerField()
    items = AgendaCaseSerializer(many=True)
    rolled_over = RolledOverSerializer(many=True)

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, agenda) -> dict:
        return quorum_data(agenda.quorum)


def _moment(value: datetime) -> str:
    """As DRF writes a datetime: in the current zone, ISO 8601, `Z` for UTC."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _item(item) -> dict:
    case = item.case
    noms = case.noms()
    return {
        "position": item.position,
        "case": case.pk,
        "patient": case.patient_id,
        "patient_name": f"{case.patient.first_name} {case.patient.last_name}",
        "mrn": case.patient.mrn,
        "urgency": case.urgency,
        "question": case.question,
        "presenter": case.presenter.name if case.presenter_id else None,
        "submitted_at": _moment(case.submitted_at),
        "planned_start": _moment(item.planned_start),
        "planned_end": _moment(item.planned_end),
        "ready": item.ready,
        "missing": list(item.missing),
        "late": item.late,
        "trial_screening": case.trial_screening,
        "note": case.note,
        "noms": noms.summary() if noms else None,
        "recommendation_version": case.recommendation_version,
        "recommendation_status": case.recommendation_status,
    }


def agenda_data(agenda) -> dict:
    """What AgendaSerializer(agenda).data gives, built directly (tests hold them equal)."""
    return {
        "meeting": AgendaMeetingSerializer(agenda.meeting).data,
        "quorum": quorum_data(agenda.quorum),
        "capacity": agenda.meeting.case_capacity,
        "over_capacity": agenda.over_capacity,
        "unready": agenda.unready,
        "items": [_item(item) for item in agenda.items],
        "rolled_over": RolledOverSerializer(agenda.rolled_over, many=True).data,
    }
