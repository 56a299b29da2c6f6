"""`/api/v1/board/series/` and `/api/v1/board/meetings/`: meetings, their agenda,
attendance with quorum, cancellation, and the meeting's calendar event."""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from board import invites, selectors
from board.api import valid
from board.models import Meeting, Series
from board.serializers import meetings as s
from board.serializers.agenda import AgendaSerializer, agenda_data
from board.services import meetings as services
from navigation.models import Clinician
from notifications.api import CalendarFileNegotiation
from tumorboard.audit import touch
from tumorboard.errors import DomainError
from tumorboard.roles import ADMIN, NAVIGATOR, STAFF_ROLES, RolePermission


class SeriesViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Board series: weekday, clinic-time hours, place, capacity, cutoff, quorum, members.
    Creating or changing one generates its next eight weeks of meetings."""

    queryset = Series.objects.prefetch_related("members")
    serializer_class = s.SeriesSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.series_create(
            members=data.pop("members", []), now=timezone.now(), **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.series_update(
            series=serializer.instance,
            members=data.pop("members", None),
            by=self.request.user,
            now=timezone.now(),
            **data,
        )


class MeetingFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(field_name="date", lookup_expr="gte")
    date_to = django_filters.DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields = ["series", "status", "date"]


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Board meetings: navigators manage them; specialists read agendas and record who
    attended. Patients see none of this."""

    serializer_class = s.MeetingSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)
    filterset_class = MeetingFilter
    ordering_fields = ["start"]

    def get_queryset(self):
        if self.action in ("agenda", "attendance"):
            return Meeting.objects.select_related("series", "location")
        return selectors.meeting_list()

    def _respond(self, meeting: Meeting, code=status.HTTP_200_OK) -> Response:
        return Response(s.MeetingSerializer(selectors.meeting_list().get(pk=meeting.pk)).data, code)

    @extend_schema(request=s.MeetingUpdateSerializer, responses=s.MeetingSerializer)
    def partial_update(self, request, pk=None):
        """Capacity, time box, place or video link; excess routine cases roll over."""
        data = valid(s.MeetingUpdateSerializer, request)
        meeting = services.meeting_update(
            meeting=self.get_object(), by=request.user, now=timezone.now(), **data
        )
        return self._respond(meeting)

    @extend_schema(request=s.MeetingCancelSerializer, responses=s.MeetingSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel (a holiday, say): the meeting's cases move to the next meeting."""
        data = valid(s.MeetingCancelSerializer, request)
        meeting = services.meeting_cancel(
            meeting=self.get_object(), reason=data["reason"], by=request.user, now=timezone.now()
        )
        return self._respond(meeting)

    @extend_schema(responses=AgendaSerializer)
    @action(detail=True, methods=["get"])
    def agenda(self, request, pk=None):
        """The ordered agenda: emergency, urgent, routine, then by submission; time boxes;
        unready cases flagged; cases rolled to the next meeting, with their note."""
        meeting = get_object_or_404(self.get_queryset(), pk=pk)  # no list filters here
        agenda = selectors.meeting_agenda(meeting=meeting)
        touch(request, *(item.case.patient_id for item in agenda.items))
        return Response(agenda_data(agenda))

    @extend_schema(methods=["get"], request=None, responses=s.AttendanceListSerializer)
    @extend_schema(
        methods=["post"],
        request=s.AttendanceInputSerializer,
        responses=s.AttendanceListSerializer,
    )
    @action(
        detail=True,
        methods=["get", "post"],
        read_roles=STAFF_ROLES,
        write_roles=STAFF_ROLES,
    )
    def attendance(self, request, pk=None):
        """Who attended, and whether the meeting is quorate (and which specialty is
        missing). POST records one clinician: a specialist's own login by default."""
        meeting = self.get_object()
        if request.method == "POST":
            data = valid(s.AttendanceInputSerializer, request)
            clinician = data.get("clinician") or _own_clinician(request.user)
            services.attendance_record(
                meeting=meeting,
                clinician=clinician,
                present=data["present"],
                by=request.user,
                now=timezone.now(),
            )
        attendance = list(meeting.attendance.select_related("clinician"))
        quorum = selectors.meeting_quorum(meeting, attendance)
        return Response(
            s.AttendanceListSerializer(
                {"quorum": s.quorum_data(quorum), "attendance": attendance}
            ).data
        )


class MeetingInviteView(CalendarFileNegotiation, APIView):
    """`/api/v1/board/meetings/{id}/invite.ics`: the meeting as a calendar event to add
    (cancelled once it is cancelled); no patient is named in it."""

    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        meeting = get_object_or_404(Meeting.objects.select_related("series", "location"), pk=pk)
        response = HttpResponse(
            invites.meeting_ics(meeting, timezone.now()),
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="board-{meeting.date}.ics"'
        return response


def _own_clinician(user) -> Clinician:
    clinician = Clinician.objects.filter(user=user, active=True).first()
    if clinician is None:
        raise DomainError(
            "Name the clinician: this login is not linked to one.",
            field="clinician",
            code="clinician_required",
        )
    return clinician
