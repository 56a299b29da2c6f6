"""`/api/v1/audit/sign-ins/`: logins, failed logins, second-factor failures, logouts and
API token creation, for admins, beside the audit log of patient data."""

from __future__ import annotations

import django_filters
from rest_framework import mixins, serializers, viewsets

from identity.models import SignInEvent
from tumorboard.roles import ADMIN, RolePermission


class SignInEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = SignInEvent
        fields = ["id", "at", "kind", "username", "method", "detail", "ip", "user_agent"]


class SignInEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = SignInEvent
        fields = ["username", "kind"]


class SignInEventViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Who signed in, failed to, or signed out, when and from where. Read-only."""

    queryset = SignInEvent.objects.all()
    serializer_class = SignInEventSerializer
    permission_classes = [RolePermission]
    read_roles = (ADMIN,)
    write_roles = ()
    filterset_class = SignInEventFilter
