"""`/api/v1/surveillance-plans/` and the accreditation report `/api/v1/board/report/`."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from board import report, selectors
from board.api import valid
from board.serializers import surveillance as s
from board.services import surveillance as services
from tumorboard.roles import STAFF_ROLES, RolePermission


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up imaging plans and their next due dates. The interval comes from disease
    activity (6-8 weeks on new therapy or active disease, 8-12 while responding or after
    radiosurgery, 12-16 after two stable scans) unless a clinician sets one (6-16)."""

    serializer_class = s.PlanSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = STAFF_ROLES
    filterset_fields = ["patient", "status", "modality", "disease_activity"]
    ordering_fields = ["next_due_on"]

    def get_queryset(self):
        return selectors.plan_list()

    def _respond(self, plan, code=status.HTTP_200_OK) -> Response:
        plan = self.get_queryset().get(pk=plan.pk)
        return Response(s.PlanSerializer(plan, context={"request": self.request}).data, code)

    @extend_schema(request=s.PlanCreateSerializer, responses={201: s.PlanSerializer})
    def create(self, request):
        data = valid(s.PlanCreateSerializer, request)
        plan = services.plan_create(by=request.user, now=timezone.now(), **data)
        return self._respond(plan, status.HTTP_201_CREATED)

    @extend_schema(request=s.PlanUpdateSerializer, responses=s.PlanSerializer)
    def partial_update(self, request, pk=None):
        """Change the modality, the disease activity (the interval follows) or set the
        interval by hand (null: back to the activity's)."""
        serializer = s.PlanUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        plan = services.plan_update(
            plan=self.get_object(), by=request.user, now=timezone.now(), **serializer.validated_data
        )
        return self._respond(plan)

    @extend_schema(request=s.ScanResultSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        """What the last scan showed; the activity and the next due date follow."""
        data = valid(s.ScanResultSerializer, request)
        now = timezone.now()
        plan = self.get_object()
        services.plan_record_result(
            plan=plan,
            result=data["result"],
            scanned_on=data.get("scanned_on") or services.clinic_today(now),
            by=request.user,
            now=now,
        )
        return self._respond(plan)

    @extend_schema(request=s.PlanEndSerializer, responses=s.PlanSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        data = valid(s.PlanEndSerializer, request)
        plan = services.plan_end(
            plan=self.get_object(), reason=data["reason"], by=request.user, now=timezone.now()
        )
        return self._respond(plan)


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "meetings_held" in data:
            return report.report_csv(data)
        return f'code,message\r\n{data.get("code", "")},"{data.get("message", "")}"\r\n'


class ReportView(APIView):
    """The accreditation figures for a period (default: this calendar year): meetings
    held, attendance by specialty, cases presented, the share presented prospectively and
    the share of analytic cases discussed (CoC 2020 standard 2.5). `?format=csv` (or
    `Accept: text/csv`) for a spreadsheet."""

    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("date_from", OpenApiTypes.DATE),
            OpenApiParameter("date_to", OpenApiTypes.DATE),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): str},
    )
    def get(self, request):
        query = valid(s.ReportQuerySerializer, request, data=request.query_params.dict())
        now = timezone.now()
        today = services.clinic_today(now)
        first = query.get("date_from") or date(today.year, 1, 1)
        last = query.get("date_to") or date(first.year, 12, 31)
        data = report.accreditation_report(first=first, last=last, now=now)
        response = Response(data)
        if (
            getattr(request, "accepted_renderer", None)
            and request.accepted_renderer.format == "csv"
        ):
            response["Content-Disposition"] = f'attachment; filename="board-{first}-{last}.csv"'
        return response
