"""`/fhir/R4/`: read and search the schedule as FHIR R4, find and book same-day visits.

Thin, like the REST API: read the request, call the same selectors and services, map the
result with `interop.mapping`. The REST API's token, roles and audit apply unchanged.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from interop import capability, errors, mapping, operations, params
from interop.slots import slot_spans
from navigation import selectors
from navigation.models import Clinician, Location
from patients.selectors import patient_list, referral_list
from tumorboard.audit import touch
from tumorboard.parsers import JSONParser
from tumorboard.roles import ADMIN, NAVIGATOR, PATIENT, STAFF_ROLES, RolePermission

MAX_SLOT_DAYS = 31
SLOT_STATUSES = (mapping.SLOT_FREE, mapping.SLOT_BUSY, mapping.SLOT_UNAVAILABLE)


class FhirRenderer(JSONRenderer):
    media_type = "application/fhir+json"
    format = "fhir"
    charset = "utf-8"


class FhirParser(JSONParser):
    media_type = "application/fhir+json"


class FhirView(APIView):
    """JSON as FHIR whatever the Accept header says, and every error an OperationOutcome."""

    renderer_classes = [FhirRenderer]
    metadata_class = None  # OPTIONS is not FHIR: 405, as an OperationOutcome
    schema = None  # described by /fhir/R4/metadata, not by the REST API's OpenAPI schema
    parser_classes = [FhirParser, JSONParser]
    permission_classes = [RolePermission]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)

    def perform_content_negotiation(self, request, force=False):
        return FhirRenderer(), FhirRenderer.media_type

    def get_exception_handler(self):
        return errors.exception_handler

    @property
    def base(self) -> str:
        """Where this client reaches the server: for fullUrl and links."""
        return self.request.build_absolute_uri(reverse("fhir-base"))

    @property
    def systems(self) -> str:
        """Where our code systems and identifiers live: the same whatever the host asked."""
        return f"{settings.SITE_URL}{reverse('fhir-base')}"

    def page(self, items, total: int, count: int, offset: int, to_resource) -> Response:
        """A searchset Bundle of one page, with `self` and, when there is more, `next`."""
        query = self.request.GET.copy()
        path = self.request.build_absolute_uri(self.request.path)
        links = {"self": f"{path}?{query.urlencode()}" if query else path}
        if offset + count < total:
            query["_offset"] = str(offset + count)
            query["_count"] = str(count)
            links["next"] = f"{path}?{query.urlencode()}"
        resources = [to_resource(item) for item in items]
        return Response(mapping.searchset(resources, base=self.base, total=total, links=links))

    def page_queryset(self, queryset, to_resource, *, audit=None) -> Response:
        count, offset = params.count_offset(self.request.GET)
        total = queryset.count()
        items = list(queryset[offset : offset + count])
        if audit:
            touch(self.request, *(audit(item) for item in items))
        return self.page(items, total, count, offset, to_resource)


def _pk(value: str) -> int:
    if not value.isdigit():
        raise Http404
    return int(value)


def _ids(query, name: str, kind: str) -> list[int]:
    return [
        params.reference_id(part, kind, name)
        for value in query.getlist(name)
        for part in value.split(",")
        if part
    ]


class MetadataView(FhirView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(capability.capability_statement(self.base, self.systems))


# --- Patient, Practitioner, Location, Schedule ---------------------------------------


class PatientView(FhirView):
    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        patients = patient_list(user=request.user)
        if pk is not None:
            patient = get_object_or_404(patients, pk=_pk(pk))
            touch(request, patient.pk)
            return Response(mapping.patient_resource(patient, self.systems))
        params.check_known(request.GET, capability.search_parameters("Patient"))
        for value in request.GET.getlist("identifier"):
            system, bar, mrn = value.rpartition("|")
            if bar and system not in ("", mapping.mrn_system(self.systems)):
                patients = patients.none()  # another organisation's identifiers
            patients = patients.filter(mrn=mrn)
        if "_id" in request.GET:
            patients = patients.filter(pk__in=_ids(request.GET, "_id", "Patient"))
        return self.page_queryset(
            patients.order_by("pk"),
            lambda p: mapping.patient_resource(p, self.systems),
            audit=lambda p: p.pk,
        )


class ServiceRequestView(FhirView):
    """Referrals, as the orders an Appointment is `basedOn`: patients see their own."""

    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        referrals = referral_list(user=request.user, now=timezone.now())
        if pk is not None:
            referral = get_object_or_404(referrals, pk=_pk(pk))
            touch(request, referral.patient_id)
            return Response(mapping.service_request_resource(referral))
        params.check_known(request.GET, capability.search_parameters("ServiceRequest"))
        if "patient" in request.GET:
            referrals = referrals.filter(patient_id__in=_ids(request.GET, "patient", "Patient"))
        if "_id" in request.GET:
            referrals = referrals.filter(pk__in=_ids(request.GET, "_id", "ServiceRequest"))
        for value in request.GET.getlist("status"):
            codes = params.tokens(value)
            unknown = [c for c in codes if c not in mapping.REFERRAL_STATUS.values()]
            if unknown:
                raise params.Invalid(
                    f"“{unknown[0]}” is not a status we use (active, completed).", "status"
                )
            ours = [k for k, v in mapping.REFERRAL_STATUS.items() if v in codes]
            referrals = referrals.filter(status__in=ours)
        return self.page_queryset(
            referrals.order_by("pk"),
            mapping.service_request_resource,
            audit=lambda r: r.patient_id,
        )


def _clinicians(query, specialty_base: str):
    clinicians = Clinician.objects.order_by("pk")
    if "_id" in query:
        clinicians = clinicians.filter(pk__in=_ids(query, "_id", "Practitioner"))
    for value in query.getlist("specialty"):
        wanted = set()
        for part in value.split(","):
            system, _, code = part.rpartition("|")
            specialty = mapping.specialty_from_coding(system or None, code, specialty_base)
            if specialty:
                wanted.add(specialty)
        clinicians = clinicians.filter(specialty__in=wanted)
    return clinicians


class PractitionerView(FhirView):
    def get(self, request, pk: str | None = None):
        if pk is not None:
            clinician = get_object_or_404(Clinician, pk=_pk(pk))
            return Response(mapping.practitioner_resource(clinician, self.systems))
        params.check_known(request.GET, capability.search_parameters("Practitioner"))
        return self.page_queryset(
            _clinicians(request.GET, self.systems),
            lambda c: mapping.practitioner_resource(c, self.systems),
        )


class LocationView(FhirView):
    def get(self, request, pk: str):
        return Response(mapping.location_resource(get_object_or_404(Location, pk=_pk(pk))))


class ScheduleView(FhirView):
    def get(self, request, pk: str | None = None):
        if pk is not None:
            clinician = get_object_or_404(Clinician, pk=_pk(pk))
            return Response(mapping.schedule_resource(clinician, self.systems))
        params.check_known(request.GET, capability.search_parameters("Schedule"))
        clinicians = _clinicians(request.GET, self.systems)
        if "actor" in request.GET:
            clinicians = clinicians.filter(pk__in=_ids(request.GET, "actor", "Practitioner"))
        return self.page_queryset(clinicians, lambda c: mapping.schedule_resource(c, self.systems))


# --- Slot ----------------------------------------------------------------------------


class SlotView(FhirView):
    def get(self, request, pk: str | None = None):
        now = timezone.now()
        if pk is not None:
            return self.read(pk, now)
        query = request.GET
        params.check_known(query, capability.search_parameters("Slot"))
        count, offset = params.count_offset(query)
        after, before = params.date_bounds(query.getlist("start"), "start", selectors.clinic_zone())
        if after is None:
            after = selectors.day_bounds(timezone.localdate(now))[0]
        before = before or after + timedelta(days=7)
        if before - after > timedelta(days=MAX_SLOT_DAYS):
            raise params.Invalid(
                f"Ask for slots at most {MAX_SLOT_DAYS} days at a time (start=ge…&start=lt…).",
                "start",
            )
        statuses = set()
        for value in query.getlist("status"):
            for code in params.tokens(value):
                if code not in mapping.SLOT_STATUS_CODES:
                    raise params.Invalid(f"“{code}” is not a slot status (slotstatus).", "status")
                statuses.add(code)
        clinicians = Clinician.objects.filter(active=True)
        if "schedule" in query:
            clinicians = Clinician.objects.filter(pk__in=_ids(query, "schedule", "Schedule"))
        spans = slot_spans(
            clinicians=list(clinicians),
            after=after,
            before=before,
            now=now,
            statuses=frozenset(statuses or SLOT_STATUSES),
        )
        return self.page(
            spans[offset : offset + count],
            len(spans),
            count,
            offset,
            lambda s: mapping.slot_resource(s.clinician_id, s.start, s.end, s.status),
        )

    def read(self, pk: str, now) -> Response:
        parsed = mapping.parse_slot_id(pk)
        if parsed is None:
            raise Http404
        clinician_id, start, end = parsed
        clinician = get_object_or_404(Clinician, pk=clinician_id)
        for span in slot_spans(
            clinicians=[clinician], after=start, before=start + timedelta(seconds=1), now=now
        ):
            if span.start == start and span.end == end:
                return Response(mapping.slot_resource(clinician.pk, start, end, span.status))
        raise Http404


# --- Appointment ---------------------------------------------------------------------


class AppointmentView(FhirView):
    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        appointments = selectors.appointment_list(user=request.user)
        if pk is not None:
            appointment = get_object_or_404(appointments, pk=_pk(pk))
            touch(request, appointment.patient_id)
            return Response(mapping.appointment_resource(appointment, self.systems))
        query = request.GET
        params.check_known(query, capability.search_parameters("Appointment"))
        if "patient" in query:
            appointments = appointments.filter(patient_id__in=_ids(query, "patient", "Patient"))
        if "practitioner" in query:
            appointments = appointments.filter(
                clinician_id__in=_ids(query, "practitioner", "Practitioner")
            )
        if "_id" in query:
            appointments = appointments.filter(pk__in=_ids(query, "_id", "Appointment"))
        after, before = params.date_bounds(query.getlist("date"), "date", selectors.clinic_zone())
        if after:
            appointments = appointments.filter(start__gte=after)
        if before:
            appointments = appointments.filter(start__lt=before)
        for value in query.getlist("status"):
            ours = []
            for code in params.tokens(value):
                try:
                    ours.append(mapping.appointment_status_from_fhir(code))
                except ValueError as exc:
                    raise params.Invalid(str(exc), "status") from None
            appointments = appointments.filter(status__in=[s for s in ours if s])
        return self.page_queryset(
            appointments.order_by("start", "pk"),
            lambda a: mapping.appointment_resource(a, self.systems),
            audit=lambda a: a.patient_id,
        )


class FindView(FhirView):
    """`Appointment/$find`: the itinerary engine's ranked same-day options, proposed."""

    def post(self, request):
        patient, referral, search = operations.find_input(
            request.data, user=request.user, base=self.systems
        )
        touch(request, patient.pk)
        from navigation.services import itinerary_search

        result = itinerary_search(patient=patient, search=search, now=timezone.now())
        ids = {v.clinician_id for option in result.options for v in option.visits}
        names = dict(Clinician.objects.filter(pk__in=ids).values_list("pk", "name"))
        proposed = [
            mapping.proposed_appointment(
                option, patient.pk, names, self.systems, referral.pk if referral else None
            )
            for option in result.options
        ]
        outcome = None
        if result.reason:
            outcome = mapping.operation_outcome(result.reason, "informational", "information")
        links = {"self": request.build_absolute_uri(request.path)}
        return Response(
            mapping.searchset(
                proposed, base=self.base, total=len(proposed), links=links, outcome=outcome
            )
        )


class BookView(FhirView):
    """`Appointment/$book`: every visit of a proposed Appointment, or none (409)."""

    def post(self, request):
        from navigation.services import itinerary_book

        patient, referral, visits = operations.book_input(request.data, user=request.user)
        touch(request, patient.pk)
        itinerary = itinerary_book(
            patient=patient, visits=visits, by=request.user, now=timezone.now(), referral=referral
        )
        booked = itinerary.appointments.select_related("patient", "clinician", "location")
        return Response(
            mapping.collection(
                [mapping.appointment_resource(a, self.systems) for a in booked.order_by("start")],
                base=self.base,
            )
        )


def unknown(request, path: str = ""):
    body = mapping.operation_outcome(
        f"“/fhir/R4/{path}” is not supported here; see /fhir/R4/metadata.", "not-supported"
    )
    return JsonResponse(body, status=404, content_type="application/fhir+json")
