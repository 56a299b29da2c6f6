"""The outbox and alerts for navigators; the SMS provider's webhooks; calendar feeds."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications import inbound, invites
from notifications.models import Alert, Message
from tumorboard.audit import AuditedSerializer, touch
from tumorboard.roles import ADMIN, NAVIGATOR, RolePermission

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class MessageSerializer(AuditedSerializer, serializers.ModelSerializer):
    class Meta:
        model = Message
        fields = [
            "id",
            "channel",
            "patient",
            "template",
            "send_after",
            "status",
            "attempts",
            "last_error",
            "provider_id",
            "provider_status",
            "created_at",
            "sent_at",
        ]


class MessageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The outbox: every message, its status and attempts (addresses and texts withheld)."""

    queryset = Message.objects.all()
    serializer_class = MessageSerializer
    permission_classes = [RolePermission]
    read_roles = (NAVIGATOR, ADMIN)
    filterset_fields = ["status", "channel", "template", "patient"]
    ordering_fields = ["send_after", "created_at"]


class AlertSerializer(AuditedSerializer, serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id",
            "kind",
            "text",
            "referral",
            "patient",
            "created_at",
            "acknowledged_at",
            "acknowledged_by",
        ]
        read_only_fields = fields


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Navigator alerts: emergencies, deadlines at risk, freed slots, patient replies."""

    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    permission_classes = [RolePermission]
    read_roles = (NAVIGATOR, ADMIN)
    write_roles = (NAVIGATOR, ADMIN)
    filterset_fields = ["kind", "referral", "patient"]

    def get_queryset(self):
        alerts = super().get_queryset()
        if self.request.query_params.get("open") in ("1", "true"):
            alerts = alerts.filter(acknowledged_at__isnull=True)
        return alerts

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        alert = self.get_object()
        if alert.acknowledged_at is None:
            alert.acknowledged_at, alert.acknowledged_by = timezone.now(), request.user
            alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        return Response(AlertSerializer(alert).data)


def _signature_ok(request) -> bool:
    from twilio.request_validator import RequestValidator

    url = settings.SMS_WEBHOOK_URL or request.build_absolute_uri()
    signature = request.headers.get("X-Twilio-Signature", "")
    params = {key: request.POST.get(key) for key in request.POST}
    return bool(settings.TWILIO_AUTH_TOKEN) and RequestValidator(
        settings.TWILIO_AUTH_TOKEN
    ).validate(url, params, signature)


class TwilioWebhook(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser]
    required: tuple[str, ...] = ()

    def post(self, request):
        if not _signature_ok(request):
            return Response(
                {
                    "code": "bad_signature",
                    "message": "The request signature does not match.",
                    "fields": {},
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        missing = [name for name in self.required if not request.POST.get(name)]
        if missing:
            return Response(
                {
                    "code": "invalid",
                    "message": f"{missing[0]}: This field is required.",
                    "fields": {m: ["This field is required."] for m in missing},
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        self.handle(request.POST)
        return HttpResponse(TWIML_EMPTY, content_type="text/xml")


class SmsInboundView(TwilioWebhook):
    """The SMS provider's webhook for replies and keywords (Twilio's format, signed)."""

    required = ("From", "Body", "MessageSid")

    @extend_schema(
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={(200, "text/xml"): OpenApiTypes.STR},
        auth=[],
    )
    def post(self, request):
        return super().post(request)

    def handle(self, data) -> None:
        inbound.sms_received(
            sender=data["From"], body=data["Body"], sid=data["MessageSid"], now=timezone.now()
        )


class SmsStatusView(TwilioWebhook):
    """Delivery-status callbacks from the SMS provider."""

    required = ("MessageSid", "MessageStatus")

    @extend_schema(
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={(200, "text/xml"): OpenApiTypes.STR},
        auth=[],
    )
    def post(self, request):
        return super().post(request)

    def handle(self, data) -> None:
        inbound.delivery_status(sid=data["MessageSid"], status=data["MessageStatus"])


def clinician_feed(request, token: str):
    """`/calendar/<token>.ics`: a clinician's clinic visits as a subscribable calendar."""
    from datetime import timedelta

    from navigation.models import Appointment, Clinician

    clinician = Clinician.objects.filter(calendar_token=token, active=True).first()
    if clinician is None or len(token) < 32:
        raise Http404
    now = timezone.now()
    rows = (
        Appointment.objects.filter(
            clinician=clinician,
            start__gte=now - timedelta(days=30),
            start__lt=now + timedelta(days=180),
        )
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start", "id")
        .values_list(
            "uid",
            "sequence",
            "start",
            "end",
            "location__name",
            "location__address",
            "location__time_zone",
        )
    )
    body = invites.visits_feed(
        [invites.FeedVisit(*row) for row in rows],
        invites.other_events(clinician, now=now),  # the board meetings they sit on
        name=f"{clinician.name}: clinic and board",
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


class CalendarRenderer(BaseRenderer):
    """`text/calendar` (RFC 5545), so a client asking for the calendar gets it (not 406).
    The file itself is an HttpResponse; anything else (an error) is written as JSON."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return JSONRenderer().render(data, accepted_media_type, renderer_context)


class CalendarFileNegotiation:
    """For an APIView answering with a calendar file: `Accept: text/calendar` (or JSON, or
    anything) is served; an Accept that allows neither is a 406; errors are always JSON in
    the API's format, whatever the client accepts."""

    renderer_classes = [JSONRenderer, CalendarRenderer]

    def perform_content_negotiation(self, request, force=False):
        super().perform_content_negotiation(request, force)
        return JSONRenderer(), JSONRenderer.media_type


def appointment_invite(appointment, request=None) -> HttpResponse:
    if request is not None:
        touch(request, appointment.patient_id)
    invite = invites.visit_invite(appointment, now=timezone.now())
    response = HttpResponse(
        invite, content_type=f"text/calendar; method={invites.method_of(invite)}; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="visit-{appointment.pk}.ics"'
    return response
