"""`/api/v1/audit/`: the audit log for admins only; `?export=csv` downloads it."""

from __future__ import annotations

import csv

import django_filters
from django.http import StreamingHttpResponse
from rest_framework import mixins, serializers, viewsets

from tumorboard.audit import AuditEvent
from tumorboard.roles import ADMIN, RolePermission

FIELDS = ["id", "at", "username", "action", "method", "path", "status_code", "ip", "patient_ids"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = FIELDS


class AuditFilter(django_filters.FilterSet):
    patient = django_filters.NumberFilter(
        field_name="patient_ids", lookup_expr="contains", method="by_patient"
    )
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["username", "action"]

    def by_patient(self, queryset, name, value):
        return queryset.filter(patient_ids__contains=[value])


class _Echo:
    def write(self, value):
        return value


class AuditEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who read or changed which patient's data, when, from where. Read-only."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [RolePermission]
    read_roles = (ADMIN,)
    write_roles = ()
    filterset_class = AuditFilter

    def list(self, request, *args, **kwargs):
        if request.query_params.get("export") != "csv":
            return super().list(request, *args, **kwargs)
        writer = csv.writer(_Echo())
        events = self.filter_queryset(self.get_queryset()).values_list(*FIELDS)
        rows = (writer.writerow(row) for row in [FIELDS, *events.iterator()])
        response = StreamingHttpResponse(rows, content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="audit.csv"'
        return response
