"""`/api/v1/treatments/` (record and read what began), `/api/v1/clocks/` (every running
or stopped care clock, filterable), `/api/v1/referrals/{id}/clocks/` (one referral's),
and a patient's barriers to care and distress screenings
(`/api/v1/patients/{id}/barriers/`, `/api/v1/patients/{id}/distress-screenings/`).
Validate, call one service, serialize."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from care import barriers, distress, selectors, services
from care import serializers as s
from care.models import Barrier, Clock, DistressScreening, Treatment
from care.serializers import (
    BarrierSerializer,
    DistressResultSerializer,
    DistressScreeningSerializer,
)
from patients import selectors as patient_selectors
from patients.models import Patient
from patients.selectors import referral_list
from tumorboard.roles import ADMIN, NAVIGATOR, SPECIALIST, STAFF_ROLES, RolePermission


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


class PatientChildViewSet(viewsets.GenericViewSet):
    """Rows under `/api/v1/patients/{patient}/...`, for staff only (least privilege)."""

    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)

    def _patient(self) -> Patient:
        return get_object_or_404(
            patient_selectors.patient_list(user=self.request.user), pk=self.kwargs["patient_pk"]
        )


class BarrierViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    PatientChildViewSet,
):
    """`/api/v1/patients/{patient}/barriers/`: barriers to care (transport, lodging,
    financial, language or interpreter, caregiver, other), who found them, what was done,
    and when resolved. PATCH `resolved_at` to resolve one; it cannot precede `found_at`."""

    serializer_class = BarrierSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Barrier.objects.none()
        return self._patient().barriers.all()

    def perform_create(self, serializer):
        serializer.instance = barriers.barrier_record(
            patient=self._patient(),
            by=self.request.user,
            now=timezone.now(),
            **serializer.validated_data,
        )

    def perform_update(self, serializer):
        serializer.instance = barriers.barrier_update(
            barrier=serializer.instance,
            by=self.request.user,
            now=timezone.now(),
            **serializer.validated_data,
        )


class DistressScreeningViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    PatientChildViewSet,
):
    """`/api/v1/patients/{patient}/distress-screenings/`: NCCN Distress Thermometers
    (0-10 and the problem list). A score at or above DISTRESS_THRESHOLD (default 4) alerts
    the navigators to refer the patient to psychosocial care, and the answer offers the
    first free psychosocial-care visits (`offered_visits`). A screening is a record: it is
    never edited."""

    serializer_class = DistressScreeningSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DistressScreening.objects.none()
        return self._patient().distress_screenings.all()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "patient_pk": self.kwargs.get("patient_pk")}

    @extend_schema(request=DistressScreeningSerializer, responses={201: DistressResultSerializer})
    def create(self, request, *args, **kwargs):
        patient = self._patient()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        now = timezone.now()
        screening = distress.distress_record(
            patient=patient, by=request.user, now=now, **serializer.validated_data
        )
        screening.offered_visits = []
        if screening.referred:
            from navigation.selectors import clinic_zone

            options = distress.psychosocial_offer(
                patient=patient, today=now.astimezone(clinic_zone()).date(), now=now
            )
            screening.offered_visits = [
                {
                    "day": option.day,
                    "start": visit.start,
                    "end": visit.end,
                    "clinician": visit.clinician_id,
                    "location": visit.location_id,
                    "specialty": visit.specialty,
                }
                for option in options
                for visit in option.visits
            ]
        return Response(DistressResultSerializer(screening).data, status=status.HTTP_201_CREATED)
