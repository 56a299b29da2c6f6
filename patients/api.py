"""`/api/v1/patients/` and `/api/v1/referrals/`: validate, call one service, serialize."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from patients import selectors, services
from patients.clinical import AT_RISK, BREACHED, MET, ON_TRACK
from patients.models import Contact, Patient, Referral
from patients.serializers import ContactSerializer, PatientSerializer, ReferralSerializer
from tumorboard.roles import ADMIN, NAVIGATOR, PATIENT, STAFF_ROLES, RolePermission


class PatientViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Patients' demographics, phone (E.164), email, time zone and SMS consent."""

    serializer_class = PatientSerializer
    permission_classes = [RolePermission]
    read_roles = (*STAFF_ROLES, PATIENT)
    write_roles = (NAVIGATOR, ADMIN)
    filterset_fields = ["status", "mrn"]
    ordering_fields = ["last_name", "created_at"]

    def get_queryset(self):
        return selectors.patient_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.patient_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.patient_update(
            patient=serializer.instance, **serializer.validated_data
        )


class ReferralFilter(django_filters.FilterSet):
    sla_status = django_filters.ChoiceFilter(
        choices=[(s, s) for s in (ON_TRACK, AT_RISK, MET, BREACHED)]
    )

    class Meta:
        model = Referral
        fields = ["urgency", "status", "patient", "sla_status", "sites"]


class ReferralViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Referral intake and triage: urgency, the red flag, `consult_due_at`, SLA status."""

    serializer_class = ReferralSerializer
    permission_classes = [RolePermission]
    read_roles = (*STAFF_ROLES, PATIENT)
    write_roles = (NAVIGATOR, ADMIN)
    filterset_class = ReferralFilter
    ordering_fields = ["consult_due_at", "received_at"]
    ordering = ["consult_due_at", "id"]

    def initial(self, request, *args, **kwargs):
        self.now = timezone.now()
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.referral_list(
            user=self.request.user, now=getattr(self, "now", None) or timezone.now()
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": getattr(self, "now", None)}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        referral = services.referral_create(
            now=self.now, created_by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(referral).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.referral_update(
            referral=serializer.instance, now=self.now, **serializer.validated_data
        )


class ContactViewSet(viewsets.ModelViewSet):
    """`/api/v1/patients/{patient}/contacts/`: the caregivers and health-care proxies a
    patient chose to receive their visit texts and invites, each with their own phone
    (E.164), email, language, time zone and consent to texts."""

    serializer_class = ContactSerializer
    permission_classes = [RolePermission]
    read_roles = (*STAFF_ROLES, PATIENT)
    write_roles = (NAVIGATOR, ADMIN)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _patient(self) -> Patient:
        return get_object_or_404(
            selectors.patient_list(user=self.request.user), pk=self.kwargs["patient_pk"]
        )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Contact.objects.none()
        return self._patient().contacts.all()

    def perform_create(self, serializer):
        serializer.instance = services.contact_save(
            patient=self._patient(), **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.contact_save(
            patient=serializer.instance.patient,
            contact=serializer.instance,
            **serializer.validated_data,
        )

    def perform_destroy(self, instance):
        services.contact_delete(contact=instance)
