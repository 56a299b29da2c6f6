"""Series, meetings, attendance and the agenda."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from board import selectors
from board.models import Attendance, Meeting, Series
from board.serializers import named_choices
from navigation.models import Clinician, Location, Specialty
from tumorboard.serializers import StrictModelSerializer, StrictSerializer


class QuorumSerializer(serializers.Serializer):
    quorate = serializers.BooleanField()
    missing = serializers.ListField(child=serializers.CharField())
    present = serializers.ListField(child=serializers.CharField())


def quorum_data(quorum) -> dict:
    return {"quorate": quorum.quorate, "missing": quorum.missing, "present": quorum.present}


class SeriesSerializer(StrictModelSerializer):
    members = serializers.PrimaryKeyRelatedField(
        queryset=Clinician.objects.all(), many=True, required=False
    )
    quorum = serializers.ListField(
        child=serializers.ListField(
            child=serializers.ChoiceField(Specialty.choices), allow_empty=False
        ),
        required=False,
        allow_empty=False,
        help_text="Groups of specialties: quorate when each group has someone present.",
    )

    class Meta:
        model = Series
        fields = [
            "id",
            "name",
            "weekday",
            "start_time",
            "end_time",
            "time_zone",
            "location",
            "video_url",
            "case_capacity",
            "minutes_per_case",
            "cutoff_hours",
            "quorum",
            "members",
            "starts_on",
            "active",
        ]

    def validate(self, attrs):
        start = attrs.get("start_time", getattr(self.instance, "start_time", None))
        end = attrs.get("end_time", getattr(self.instance, "end_time", None))
        if start and end and end <= start:
            raise serializers.ValidationError({"end_time": "The meeting must end after it starts."})
        return attrs


class MeetingSerializer(serializers.ModelSerializer):
    series_name = serializers.CharField(source="series.name", read_only=True)
    status = named_choices(Meeting.Status.choices, "MeetingStatusEnum", read_only=True)
    case_count = serializers.IntegerField(read_only=True)
    quorum = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "series",
            "series_name",
            "date",
            "start",
            "end",
            "cutoff_at",
            "status",
            "cancel_reason",
            "location",
            "video_url",
            "case_capacity",
            "minutes_per_case",
            "case_count",
            "quorum",
            "uid",
            "sequence",
        ]
        read_only_fields = fields

    @extend_schema_field(QuorumSerializer)
    def get_quorum(self, meeting: Meeting) -> dict:
        return quorum_data(selectors.meeting_quorum(meeting, list(meeting.attendance.all())))


class MeetingUpdateSerializer(StrictSerializer):
    case_capacity = serializers.IntegerField(min_value=1, max_value=200, required=False)
    minutes_per_case = serializers.IntegerField(min_value=1, max_value=120, required=False)
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True
    )
    video_url = serializers.URLField(required=False, allow_blank=True)


class BoardReasonSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200, required=False, default="")


class MeetingCancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200, help_text="E.g. the holiday.")


class AttendanceInputSerializer(StrictSerializer):
    clinician = serializers.PrimaryKeyRelatedField(
        queryset=Clinician.objects.filter(active=True),
        required=False,
        help_text="Defaults to the clinician linked to the login.",
    )
    present = serializers.BooleanField(default=True)


class AttendanceSerializer(serializers.ModelSerializer):
    clinician_name = serializers.CharField(source="clinician.name", read_only=True)

    class Meta:
        model = Attendance
        fields = ["clinician", "clinician_name", "specialty", "present", "recorded_at"]
        read_only_fields = fields


class AttendanceListSerializer(serializers.Serializer):
    quorum = QuorumSerializer()
    attendance = AttendanceSerializer(many=True)
