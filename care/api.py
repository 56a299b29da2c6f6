"""`/api/v1/treatments/` (record and read what began), `/api/v1/clocks/` (every running
or stopped care clock, filterable) and `/api/v1/referrals/{id}/clocks/` (one referral's).
Validate, call one service, serialize."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from care import selectors, services
from care import serializers as s
from care.models import Clock, Treatment
from patients.selectors import referral_list
from tumorboard.roles import NAVIGATOR, SPECIALIST, STAFF_ROLES, RolePermission


class TreatmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Treatments the board asked for, as they began: here (a visit marked done) or
    elsewhere (a date). Recording one stops the treatment clock and, for a resection,
    starts post-operative radiosurgery's. Navigators and specialists record; staff read."""

    serializer_class = s.TreatmentSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, SPECIALIST)
    filterset_fields = ["patient", "referral", "recommendation", "modality"]
    ordering_fields = ["started_at"]

    def get_queryset(self):
        return Treatment.objects.all()

    @extend_schema(request=s.TreatmentCreateSerializer, responses={201: s.TreatmentSerializer})
    def create(self, request):
        """400 naming the field when the recommendation is not signed or did not ask for
        the modality, when neither or both of a visit and a date are given, the visit is
        not done, or the start is in the future or before the board asked for it; 409 when
        it is already recorded (a resection once per referral). Nothing is written then."""
        serializer = s.TreatmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        treatment = services.treatment_record(
            by=request.user, now=timezone.now(), **serializer.validated_data
        )
        return Response(s.TreatmentSerializer(treatment).data, status=status.HTTP_201_CREATED)


class ClockViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every care clock after the first consult (board, treatment, post-operative
    radiosurgery, imaging), soonest due first; `?status=` at the time of the request."""

    serializer_class = s.ClockSerializer
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    filterset_fields = ["kind", "referral", "patient"]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=s.STATUSES)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        clocks = Clock.objects.with_status(timezone.now()).order_by("due_at", "id")
        wanted = self.request.query_params.get("status")
        return clocks.filter(status=wanted) if wanted in s.STATUSES else clocks


class ReferralClocksView(APIView):
    """A referral's clocks, the first consult's first, each with its status now."""

    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES

    @extend_schema(responses=s.ClockViewSerializer(many=True))
    def get(self, request, pk: int):
        now = timezone.now()
        referral = get_object_or_404(referral_list(user=request.user, now=now), pk=pk)
        views = selectors.referral_clocks(referral, now=now)
        return Response(s.ClockViewSerializer(views, many=True).data)
