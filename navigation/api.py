"""Navigation API: validate, call one service, serialize."""

from __future__ import annotations

import django_filters
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import OpenApiTypes, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response
from rest_framework.views import APIView

from navigation import selectors, serializers, services
from navigation.models import (
    Appointment,
    AvailabilityTemplate,
    Clinician,
    Hold,
    Itinerary,
    Location,
    Resource,
    TimeOff,
)
from navigation.services import ItinerarySearch, VisitRequest
from navigation.services.resources import resource_change_check
from navigation.services.time_off import time_off_alert, time_off_removed
from notifications.api import CalendarFileNegotiation
from patients.selectors import referral_list
from tumorboard.audit import touch
from tumorboard.errors import Conflict, DomainError
from tumorboard.roles import ADMIN, NAVIGATOR, PATIENT, STAFF_ROLES, RolePermission, has_role


class AdminManaged(viewsets.ModelViewSet):
    """Configuration read by staff, changed by admins (and navigators where set)."""

    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (ADMIN,)


class LocationViewSet(AdminManaged):
    """Clinics, buildings and rooms, with the travel buffer to each other location."""

    queryset = Location.objects.all()
    serializer_class = serializers.LocationSerializer


class ClinicianViewSet(AdminManaged):
    queryset = Clinician.objects.select_related("home_location")
    serializer_class = serializers.ClinicianSerializer
    filterset_fields = ["specialty", "active", "home_location"]

    @extend_schema(request=None, responses=serializers.FeedSerializer)
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="feed",
        permission_classes=[RolePermission],
        read_roles=STAFF_ROLES,
        write_roles=STAFF_ROLES,
    )
    def feed(self, request, pk=None):
        """The clinician's private calendar-feed URL (their own, or any for an admin);
        POST rotates it, so the old URL stops working at once."""
        clinician = self.get_object()
        if clinician.user_id != request.user.pk and not has_role(request.user, ADMIN):
            raise PermissionDenied("Only the clinician or an admin sees this feed.")
        if request.method == "POST":
            clinician = services.clinician_feed_rotate(clinician=clinician)
        url = request.build_absolute_uri(f"/calendar/{clinician.calendar_token}.ics")
        return Response({"url": url})


class ResourceViewSet(AdminManaged):
    """Rooms, equipment (MRI, CT simulator, linac, procedure room) and interpreters, each
    at a location; their sessions and time off are under availability and time-off."""

    queryset = Resource.objects.select_related("location")
    serializer_class = serializers.ResourceSerializer
    filterset_fields = ["kind", "equipment", "location", "active"]

    def perform_update(self, serializer):
        """409 `in_use` naming the field when visits booked or held ahead rely on what
        changes (kind, equipment, location, active, an interpreter's needed language)."""
        with transaction.atomic():
            # A booking taking this resource holds its calendar lock until it commits:
            # wait for it, so its visit is counted.
            services.lock_calendars(clinicians=[], patients=[], resources=[serializer.instance.pk])
            resource_change_check(
                serializer.instance, serializer.validated_data, now=timezone.now()
            )
            serializer.save()


class AvailabilityViewSet(AdminManaged):
    """Weekly clinic templates in the location's local time."""

    queryset = AvailabilityTemplate.objects.all()
    serializer_class = serializers.AvailabilityTemplateSerializer
    filterset_fields = ["clinician", "resource", "weekday", "location"]
    write_roles = (ADMIN, NAVIGATOR)


@extend_schema_view(
    create=extend_schema(responses={201: serializers.TimeOffAnswerSerializer}),
    update=extend_schema(responses=serializers.TimeOffAnswerSerializer),
    partial_update=extend_schema(responses=serializers.TimeOffAnswerSerializer),
)
class TimeOffViewSet(AdminManaged):
    """A clinician's or a resource's time off (aware datetimes, stored in UTC). Time off
    over visits booked or held is accepted: the answer lists them in `affected_visits`
    (id, start, end, specialty, clinician, patient, status) with a `warning`, and each
    visit gets a navigator alert (kind `time_off`) to re-plan it."""

    queryset = TimeOff.objects.all()
    serializer_class = serializers.TimeOffSerializer
    filterset_fields = ["clinician", "resource"]
    write_roles = (ADMIN, NAVIGATOR)

    def perform_create(self, serializer):
        serializer.save()
        self._affected = time_off_alert(serializer.instance, now=timezone.now())

    def perform_update(self, serializer):
        self.perform_create(serializer)

    def perform_destroy(self, instance):
        pk = instance.pk
        instance.delete()
        time_off_removed(pk, now=timezone.now())

    def finalize_response(self, request, response, *args, **kwargs):
        affected = getattr(self, "_affected", None)
        if affected is not None and isinstance(response.data, dict):
            response.data["affected_visits"] = serializers.TimeOffVisitSerializer(
                affected, many=True
            ).data
            if affected:
                count = len(affected)
                response.data["warning"] = (
                    f"{count} visit{'s' if count != 1 else ''} booked or held fall"
                    f"{'s' if count == 1 else ''} in this time off and stay booked; the "
                    "navigators were alerted to re-plan them."
                )
        return super().finalize_response(request, response, *args, **kwargs)


class AppointmentFilter(django_filters.FilterSet):
    start_after = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="gte")
    start_before = django_filters.IsoDateTimeFilter(field_name="start", lookup_expr="lt")

    class Meta:
        model = Appointment
        fields = [
            "patient",
            "clinician",
            "status",
            "referral",
            "itinerary",
            "specialty",
            "is_consult",
        ]


class AppointmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appointments: navigators book and change them; specialists and patients see their own."""

    serializer_class = serializers.AppointmentSerializer
    permission_classes = [RolePermission]
    read_roles = (*STAFF_ROLES, PATIENT)
    write_roles = (NAVIGATOR, ADMIN)
    filterset_class = AppointmentFilter
    ordering_fields = ["start"]

    def get_queryset(self):
        return selectors.appointment_list(user=self.request.user)

    def _respond(self, appointment, code=status.HTTP_200_OK):
        # With the request: the audit log records the patient whose visit changed.
        answer = serializers.AppointmentSerializer(appointment, context={"request": self.request})
        return Response(answer.data, status=code)

    @extend_schema(
        request=serializers.AppointmentBookSerializer,
        responses={201: serializers.AppointmentSerializer},
    )
    def create(self, request):
        data = _valid(serializers.AppointmentBookSerializer, request)
        appointment = services.appointment_book(
            patient=data["patient"],
            referral=data.get("referral"),
            is_consult=data["is_consult"],
            visit=VisitRequest(
                clinician=data["clinician"], start=data["start"], minutes=data.get("minutes")
            ),
            override_reason=data["override_reason"],
            by=request.user,
            now=timezone.now(),
        )
        return self._respond(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.CancelSerializer, responses=serializers.AppointmentSerializer
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel with a reason; `consult_note` says where the referral's consult went."""
        data = _valid(serializers.CancelSerializer, request)
        appointment = services.appointment_cancel(
            appointment=self.get_object(),
            reason=data["reason"],
            by=request.user,
            now=timezone.now(),
        )
        return self._respond(appointment)

    @extend_schema(
        request=serializers.RescheduleSerializer, responses=serializers.AppointmentSerializer
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        data = _valid(serializers.RescheduleSerializer, request)
        return self._respond(
            services.appointment_reschedule(
                appointment=self.get_object(),
                start=data["start"],
                clinician=data.get("clinician"),
                reason=data["reason"],
                resources=data.get("resources"),
                by=request.user,
                now=timezone.now(),
            )
        )

    @extend_schema(responses=serializers.FreeTimesSerializer)
    @action(detail=True, methods=["get"], url_path="free-times")
    def free_times(self, request, pk=None):
        """Times to reschedule the visit to (navigators and admins): when a clinician of
        its specialty and one room, machine or interpreter of each kind it needs are free,
        the best of each of the next days that have one. `resources`: those the search
        picked, to pass on to `reschedule` (left out, it picks free ones itself)."""
        if not has_role(request.user, *self.write_roles):
            raise PermissionDenied("Only navigators and admins reschedule visits.")
        appointment = self.get_object()
        if appointment.status != Appointment.Status.BOOKED:
            times = []
        else:
            times = services.reschedule_times(appointment=appointment, now=timezone.now())
        minutes = appointment.end - appointment.start
        clinicians = Clinician.objects.in_bulk({v.clinician_id for v in times})
        answer = serializers.FreeTimesSerializer(
            {
                "times": [
                    {
                        "clinician": v.clinician_id,
                        "clinician_name": clinicians[v.clinician_id].name,
                        "start": v.start,
                        "end": v.start + minutes,
                        "location": v.location_id,
                        "resources": v.resources,
                    }
                    for v in times
                ]
            },
            context={"request": request},
        )
        return Response(answer.data)

    @extend_schema(
        request=serializers.StatusSerializer, responses=serializers.AppointmentSerializer
    )
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request, pk=None):
        """Check in, complete, mark a no-show, or undo a no-show or check-in."""
        data = _valid(serializers.StatusSerializer, request)
        return self._respond(
            services.appointment_set_status(
                appointment=self.get_object(),
                status=data["status"],
                reason=data["reason"],
                by=request.user,
            )
        )


class AppointmentInviteView(CalendarFileNegotiation, APIView):
    """`/api/v1/appointments/{id}/invite.ics`: the visit's current calendar invite
    (REQUEST, or CANCEL once cancelled), for whoever may see the appointment."""

    permission_classes = [RolePermission]
    read_roles = (*STAFF_ROLES, PATIENT)

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.STR})
    def get(self, request, pk: int):
        from notifications.api import appointment_invite

        appointment = get_object_or_404(selectors.appointment_list(user=request.user), pk=pk)
        return appointment_invite(appointment, request)


def _visit_requests(visits: list[dict]) -> list[VisitRequest]:
    return [
        VisitRequest(
            clinician=v["clinician"],
            start=v["start"],
            specialty=v.get("specialty"),
            minutes=v.get("minutes"),
            location_id=v["location"].pk if v.get("location") else None,
            resources=v.get("resources"),
            visit_type=v.get("visit_type"),
            length_field=v.get("length_field", "minutes"),
        )
        for v in visits
    ]


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ConsultOptionsView(APIView):
    """Consult slots before the referral's deadline, or the earliest after it, flagged."""

    permission_classes = [RolePermission]
    read_roles = (NAVIGATOR, ADMIN)

    @extend_schema(responses=serializers.ConsultOptionsSerializer)
    def get(self, request, pk: int):
        now = timezone.now()
        referral = get_object_or_404(referral_list(user=request.user, now=now), pk=pk)
        touch(request, referral.patient_id)
        options = services.consult_options(referral=referral, now=now)
        return Response(
            serializers.ConsultOptionsSerializer(
                {
                    "referral": referral.pk,
                    "consult_due_at": referral.consult_due_at,
                    "meets_deadline": options.meets_deadline,
                    "message": options.message,
                    "slots": options.slots,
                }
            ).data
        )


class OnCallAssessmentView(APIView):
    """`POST /api/v1/referrals/{id}/on-call-assessment/`: the emergency's consult as an
    on-call assessment (emergency department or ward) with whoever is on call, at the
    first time they are free, outside clinic templates; the clinician is paged at once."""

    permission_classes = [RolePermission]
    read_roles = (NAVIGATOR, ADMIN)

    @extend_schema(
        request=serializers.OnCallAssessmentSerializer,
        responses={201: serializers.AppointmentSerializer},
    )
    def post(self, request, pk: int):
        now = timezone.now()
        referral = get_object_or_404(referral_list(user=request.user, now=now), pk=pk)
        data = _valid(serializers.OnCallAssessmentSerializer, request)
        touch(request, referral.patient_id)
        appointment = services.oncall_assessment_book(
            referral=referral, by=request.user, now=now, **data
        )
        return Response(
            serializers.AppointmentSerializer(appointment, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class ItinerarySearchView(APIView):
    """Ranked same-day options: earliest day, then least total wait, then earliest finish."""

    permission_classes = [RolePermission]
    write_roles = (NAVIGATOR, ADMIN)

    @extend_schema(
        request=serializers.ItinerarySearchSerializer, responses=serializers.SearchResultSerializer
    )
    def post(self, request):
        serializer = serializers.ItinerarySearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        touch(request, data["patient"].pk)
        plan = serializer.plan_rules(data)
        # Every specialty's type read here, once: the search reads none again.
        types = services.visit_types(data["specialties"], data["visit_types"])
        search = ItinerarySearch(
            specialties=tuple(data["specialties"]),
            first=data["date_from"],
            last=data["date_to"],
            max_total_wait=plan.max_total_wait,
            order=plan.order,
            window=plan.window,
            pins=data.get("clinicians"),
            limit=data["limit"],
            visit_types=types,
        )
        result = services.itinerary_search(
            patient=data["patient"], search=search, now=timezone.now()
        )
        return Response(
            serializers.SearchResultSerializer(
                {
                    "specialties": search.specialties,
                    "options": [
                        {"option": option, "extra_trip": result.extra_trip(option)}
                        for option in result.options
                    ],
                    "reason": result.reason,
                    "missing_specialties": result.missing_specialties,
                    "travel_burden": result.travel_burden,
                },
                context={"referral": data.get("referral"), "visit_types": types},
            ).data
        )


def _plan_call(request, serializer_class, service, *fields: str):
    """Validate an option as the search returned it and the rules it was searched with,
    and hand them to `service` (book or hold), with the extra `fields` asked for.
    Returns the validated data and what the service returned."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = serializer.validated_data
    return data, service(
        patient=data["patient"],
        referral=data.get("referral"),
        visits=_visit_requests(data["visits"]),
        plan=serializer.plan_rules(data),
        by=request.user,
        now=timezone.now(),
        **{name: data.get(name) for name in fields},
    )


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [RolePermission]
    read_roles = (NAVIGATOR, ADMIN)
    write_roles = (NAVIGATOR, ADMIN)
    model = None

    def get_queryset(self):
        return self.model.objects.prefetch_related(*PLAN_VISITS).order_by("-id")


# What a plan's answer shows of its visits: read for all of them at once.
PLAN_VISITS = ("appointments__clinician", "appointments__resource_bookings__resource")


def _plan_answer(serializer, plan, request) -> dict:
    """`serializer`'s data for a booked or held plan, its visits read in a few queries (none
    when the service left them cached); the audit log records the plan's patient."""
    touch(request, plan.patient_id)
    prefetch_related_objects([plan], *PLAN_VISITS)
    return serializer(plan).data


class ItineraryViewSet(PlanViewSet):
    """Book a chosen option, all or nothing: 409 names the visit that clashed."""

    serializer_class = serializers.ItinerarySerializer
    model = Itinerary

    @extend_schema(
        request=serializers.ItineraryBookSerializer,
        responses={201: serializers.ItinerarySerializer},
    )
    def create(self, request):
        data, itinerary = _plan_call(
            request, serializers.ItineraryBookSerializer, services.itinerary_book
        )
        # The option's own figures, when posted back, must still be what was booked.
        booked = {
            "day": itinerary.day,
            "total_wait": itinerary.total_wait_minutes,
            "total_travel": itinerary.total_travel_minutes,
        }
        changed = [k for k, v in booked.items() if data.get(k) is not None and data[k] != v]
        if changed:  # the request's transaction rolls back with this answer
            raise DomainError(
                f"The option is not what the search returned ({', '.join(changed)} differ); "
                "search again. Nothing was booked.",
                field=changed[0],
                code="option_changed",
            )
        return Response(
            _plan_answer(serializers.ItinerarySerializer, itinerary, request),
            status=status.HTTP_201_CREATED,
        )


class HoldViewSet(PlanViewSet):
    """Holds: a navigator keeps an option's time while on the phone with the patient
    (default 10 minutes); `confirm` books it whole, DELETE lets it go. Held time is taken
    for everyone else; a booking over it is a 409 naming the hold."""

    serializer_class = serializers.HoldSerializer
    model = Hold

    @extend_schema(
        request=serializers.HoldCreateSerializer, responses={201: serializers.HoldSerializer}
    )
    def create(self, request):
        _, hold = _plan_call(
            request, serializers.HoldCreateSerializer, services.itinerary_hold, "minutes"
        )
        return Response(
            _plan_answer(serializers.HoldSerializer, hold, request), status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={
            201: serializers.ItinerarySerializer,
            200: serializers.ItinerarySerializer,
        },
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Book the hold whole (201 with the plan). The holder confirming again (a retry
        after a lost answer) gets 200 with that same plan, nothing booked twice: a retried
        confirmation must learn it succeeded. Another navigator's hold: 403."""
        hold = self.get_object()
        try:
            itinerary = services.hold_confirm(hold=hold, by=request.user, now=timezone.now())
        except Conflict as error:
            if error.code != "hold_confirmed":
                raise
            itinerary = Itinerary.objects.get(pk=error.extra["itinerary"])
            answer = _plan_answer(serializers.ItinerarySerializer, itinerary, request)
            return Response(answer, status=status.HTTP_200_OK)
        return Response(
            _plan_answer(serializers.ItinerarySerializer, itinerary, request),
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=serializers.HoldSerializer)
    def destroy(self, request, pk=None):
        hold = services.hold_release(hold=self.get_object(), by=request.user, now=timezone.now())
        touch(request, hold.patient_id)
        return Response(serializers.HoldSerializer(hold).data)
