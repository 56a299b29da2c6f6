"""`/fhir/R4/`: read and search the schedule as FHIR R4, find and book same-day visits.

Thin, like the REST API: read the request, call the same selectors and services, map the
result with `interop.mapping`. The REST API's token, roles and audit apply unchanged.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, Value
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from interop import (
    capability,
    errors,
    intake,
    mapping,
    operations,
    params,
    participants,
    proposals,
    smart,
)
from interop.models import Proposal, ProposalBooking
from interop.slots import slot_get, slot_spans
from interop.smart import SmartAccess, SmartBearerAuthentication
from navigation import selectors
from navigation.models import Clinician, Location, Resource
from navigation.services.resources import interpreters_for
from patients.selectors import patient_list, referral_list
from tumorboard.audit import touch
from tumorboard.errors import Conflict, DomainError
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


class JsonPatchParser(JSONParser):
    media_type = "application/json-patch+json"


class FhirView(APIView):
    """JSON as FHIR whatever the Accept header says, and every error an OperationOutcome."""

    renderer_classes = [FhirRenderer]
    metadata_class = None  # OPTIONS is not FHIR: 405, as an OperationOutcome
    schema = None  # described by /fhir/R4/metadata, not by the REST API's OpenAPI schema
    parser_classes = [FhirParser, JSONParser, JsonPatchParser]
    permission_classes = [RolePermission]
    authentication_classes = [
        SmartBearerAuthentication,
        *api_settings.DEFAULT_AUTHENTICATION_CLASSES,
    ]
    read_roles = STAFF_ROLES
    write_roles = (NAVIGATOR, ADMIN)
    fhir_type: str | None = None  # the resource type a SMART scope must grant
    operation_action: str | None = None  # an operation's scope action (c r u d s)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        access = request.auth
        if isinstance(access, SmartAccess) and self.fhir_type:
            action = self.scope_action(request)
            if not access.allows(self.fhir_type, action):
                raise exceptions.PermissionDenied(
                    f"The token's scopes do not grant system/{self.fhir_type}.{action}."
                )

    def scope_action(self, request) -> str:
        """SMART v2 action of this interaction: r read, s search, c create, u update."""
        if self.operation_action:
            return self.operation_action
        if request.method in ("GET", "HEAD"):
            return "r" if self.kwargs.get("pk") else "s"
        if request.method == "POST":
            return "c"
        return "d" if request.method == "DELETE" else "u"

    @property
    def lenient(self) -> bool:
        """`Prefer: handling=lenient`: unknown search parameters are ignored."""
        prefer = self.request.META.get("HTTP_PREFER", "")
        return "handling=lenient" in prefer.replace(" ", "")

    def perform_content_negotiation(self, request, force=False):
        return FhirRenderer(), FhirRenderer.media_type

    def get_exception_handler(self):
        return errors.exception_handler

    @cached_property
    def base(self) -> str:
        """Where this client reaches the server: for fullUrl and links."""
        return self.request.build_absolute_uri(reverse("fhir-base"))

    @cached_property
    def systems(self) -> str:
        """Where our code systems and identifiers live: the same whatever the host asked."""
        return f"{settings.SITE_URL}{reverse('fhir-base')}"

    def page(self, items, total: int, count: int, offset: int, to_resource) -> Response:
        """A searchset Bundle of one page, with `self` and, when there is more, `next`."""
        query = self.request.GET.copy()
        path = self.request.build_absolute_uri(self.request.path)
        links = {"self": f"{path}?{query.urlencode()}" if query else path}
        if count and offset + count < total:
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
    fhir_type = "Patient"
    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        patients = patient_list(user=request.user)
        if pk is not None:
            patient = get_object_or_404(patients, pk=_pk(pk))
            touch(request, patient.pk)
            return Response(mapping.patient_resource(patient, self.systems))
        params.check_known(
            request.GET, lenient=self.lenient, allowed=capability.search_parameters("Patient")
        )
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

    def post(self, request, pk: str | None = None):
        if pk is not None:
            raise exceptions.MethodNotAllowed("POST")
        return _patient_post(self, request)


def _created(resource: dict, base: str, status: int = 201) -> Response:
    return Response(
        resource,
        status=status,
        headers={"Location": f"{base}{resource['resourceType']}/{resource['id']}"},
    )


def _patient_post(view, request):
    """`POST Patient`: matched on the MRN first (200 with the one we have), created
    otherwise (201). With `If-None-Exist: identifier=...` a match is also 200; a
    condition matching nothing creates."""
    from patients.services import patient_create

    condition = request.META.get("HTTP_IF_NONE_EXIST", "")
    if condition:
        name, _, value = condition.partition("=")
        if name != "identifier" or not value:
            raise params.Invalid("If-None-Exist supports identifier=[system|]MRN.", "If-None-Exist")
        existing = intake.patient_by_mrn(value.rpartition("|")[2])
        if existing is not None:
            touch(request, existing.pk)
            return Response(mapping.patient_resource(existing, view.systems))
    fields = intake.patient_fields(request.data, view.systems)
    existing = intake.patient_by_mrn(fields["mrn"])
    if existing is not None:
        touch(request, existing.pk)
        return Response(mapping.patient_resource(existing, view.systems))
    patient = patient_create(**fields)
    touch(request, patient.pk)
    return _created(mapping.patient_resource(patient, view.systems), view.base)


class ServiceRequestView(FhirView):
    fhir_type = "ServiceRequest"
    """Referrals, as the orders an Appointment is `basedOn`: patients see their own."""

    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        referrals = referral_list(user=request.user, now=timezone.now())
        if pk is not None:
            referral = get_object_or_404(referrals, pk=_pk(pk))
            touch(request, referral.patient_id)
            return Response(mapping.service_request_resource(referral))
        params.check_known(
            request.GET,
            lenient=self.lenient,
            allowed=capability.search_parameters("ServiceRequest"),
        )
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

    def post(self, request, pk: str | None = None):
        """A referral from the EHR, triaged like one taken in the browser."""
        from patients.services import referral_create

        if pk is not None:
            raise exceptions.MethodNotAllowed("POST")
        fields = intake.referral_fields(request.data, user=request.user, base=self.systems)
        referral = referral_create(now=timezone.now(), created_by=request.user, **fields)
        touch(request, referral.patient_id)
        return _created(mapping.service_request_resource(referral), self.base)


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
    fhir_type = "Practitioner"

    def get(self, request, pk: str | None = None):
        if pk is not None and pk.startswith("interpreter-"):
            interpreter = _resource(pk, "interpreter-", kind="interpreter")
            return Response(mapping.resource_fhir(interpreter, self.systems))
        if pk is not None:
            clinician = get_object_or_404(Clinician, pk=_pk(pk))
            return Response(mapping.practitioner_resource(clinician, self.systems))
        query = request.GET
        params.check_known(
            query, lenient=self.lenient, allowed=capability.search_parameters("Practitioner")
        )
        rest = query.copy()
        ids = [part for value in rest.pop("_id", []) for part in value.split(",") if part]
        clinicians = _clinicians(rest, self.systems)
        interpreters = Resource.objects.filter(kind=Resource.Kind.INTERPRETER).order_by("pk")
        if ids:
            tails = [i.rpartition("/")[2] for i in ids]
            theirs = [t.removeprefix("interpreter-") for t in tails if t.startswith("interpreter-")]
            interpreters = interpreters.filter(pk__in=[int(t) for t in theirs if t.isdigit()])
            clinicians = clinicians.filter(
                pk__in=[
                    params.reference_id(i, "Practitioner", "_id")
                    for i in ids
                    if not i.rpartition("/")[2].startswith("interpreter-")
                ]
            )
        if "specialty" in query:  # interpreters have none
            interpreters = interpreters.none()
        found = list(interpreters)
        for value in query.getlist("communication"):
            tags = [
                code
                for system, _, code in (part.rpartition("|") for part in value.split(",") if part)
                if not system or system == mapping.BCP47
            ]
            covering = {pk for tag in tags for pk in interpreters_for(tag, found)}
            found = [r for r in found if r.pk in covering]
            clinicians = clinicians.none()  # we record no clinician's languages
        count, offset = params.count_offset(query)
        total = clinicians.count()
        items = [
            mapping.practitioner_resource(c, self.systems)
            for c in clinicians[offset : offset + count]
        ]
        items += [
            mapping.resource_fhir(r, self.systems)
            for r in found[max(0, offset - total) : max(0, offset + count - total)]
        ]
        return self.page(items, total + len(found), count, offset, lambda r: r)


class PractitionerRoleView(FhirView):
    fhir_type = "PractitionerRole"

    def get(self, request, pk: str | None = None):
        if pk is not None:
            clinician = get_object_or_404(Clinician, pk=_pk(pk))
            return Response(mapping.practitioner_role_resource(clinician, self.systems))
        query = request.GET
        params.check_known(
            query, lenient=self.lenient, allowed=capability.search_parameters("PractitionerRole")
        )
        clinicians = _clinicians(query, self.systems)
        if "practitioner" in query:
            clinicians = clinicians.filter(pk__in=_ids(query, "practitioner", "Practitioner"))
        if "location" in query:
            clinicians = clinicians.filter(home_location_id__in=_ids(query, "location", "Location"))
        return self.page_queryset(
            clinicians, lambda c: mapping.practitioner_role_resource(c, self.systems)
        )


def _resource(pk: str, prefix: str, **kinds) -> Resource:
    """The room, machine or interpreter behind a FHIR id such as room-4 (404 otherwise)."""
    return get_object_or_404(
        Resource.objects.filter(**kinds), pk=_pk(pk.removeprefix(prefix) if prefix else pk)
    )


class LocationView(FhirView):
    fhir_type = "Location"

    def get(self, request, pk: str):
        if pk.startswith("room-"):
            room = _resource(pk, "room-", kind__in=["room", "equipment"])
            resource = mapping.resource_fhir(room, self.systems)
            if resource["resourceType"] != "Location":
                raise Http404
            return Response(resource)
        return Response(mapping.location_resource(get_object_or_404(Location, pk=_pk(pk))))


class DeviceView(FhirView):
    """Machines (MRI scanners, CT simulators, linacs) at their locations."""

    fhir_type = "Device"

    def get(self, request, pk: str | None = None):
        machines = Resource.objects.filter(kind=Resource.Kind.EQUIPMENT).exclude(
            equipment__in=mapping.PLACES
        )
        if pk is not None:
            machine = get_object_or_404(machines, pk=_pk(pk))
            return Response(mapping.resource_fhir(machine, self.systems))
        query = request.GET
        params.check_known(
            query, lenient=self.lenient, allowed=capability.search_parameters("Device")
        )
        if "_id" in query:
            machines = machines.filter(pk__in=_ids(query, "_id", "Device"))
        if "location" in query:
            machines = machines.filter(location_id__in=_ids(query, "location", "Location"))
        ours = mapping.equipment_system(self.systems)
        for value in query.getlist("type"):
            # system|code of another system matches nothing (as Patient identifier does)
            codes = [
                code
                for system, _, code in (part.rpartition("|") for part in value.split(",") if part)
                if not system or system == ours
            ]
            known = {code for code, _ in Resource.Equipment.choices} - set(mapping.PLACES)
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise params.Invalid(
                    f"“{unknown[0]}” is not a machine type we book; use one of "
                    f"{', '.join(sorted(known))}.",
                    "type",
                )
            machines = machines.filter(equipment__in=codes)
        for value in query.getlist("status"):
            codes = params.tokens(value)
            if set(codes) - {"active", "inactive"}:
                raise params.Invalid("status is active or inactive.", "status")
            machines = machines.filter(active__in=[code == "active" for code in codes])
        return self.page_queryset(
            machines.order_by("pk"), lambda m: mapping.resource_fhir(m, self.systems)
        )


class ScheduleView(FhirView):
    fhir_type = "Schedule"

    def get(self, request, pk: str | None = None):
        if pk is not None:
            clinician = get_object_or_404(Clinician, pk=_pk(pk))
            return Response(mapping.schedule_resource(clinician, self.systems))
        params.check_known(
            request.GET, lenient=self.lenient, allowed=capability.search_parameters("Schedule")
        )
        clinicians = _clinicians(request.GET, self.systems)
        if "actor" in request.GET:
            clinicians = clinicians.filter(pk__in=_ids(request.GET, "actor", "Practitioner"))
        return self.page_queryset(clinicians, lambda c: mapping.schedule_resource(c, self.systems))


# --- Slot ----------------------------------------------------------------------------


class SlotView(FhirView):
    fhir_type = "Slot"

    def get(self, request, pk: str | None = None):
        now = timezone.now()
        if pk is not None:
            return self.read(pk, now)
        query = request.GET
        params.check_known(
            query, lenient=self.lenient, allowed=capability.search_parameters("Slot")
        )
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
            lambda s: mapping.slot_resource(s, self.systems),
        )

    def read(self, pk: str, now) -> Response:
        span = slot_get(pk, now=now)
        if span is None:
            raise Http404
        return Response(mapping.slot_resource(span, self.systems))


# --- Appointment ---------------------------------------------------------------------


def _token(part: str) -> tuple[str | None, str]:
    """system|code as (system or None, code)."""
    system, _, code = part.rpartition("|")
    return system or None, code


def _appointments(user):
    """The appointments `user` may see, with what their FHIR form shows read along."""
    return selectors.appointment_list(user=user).select_related("visit_type")


def _proposals(appointments) -> dict[int, str]:
    ids = [a.pk for a in appointments]
    return dict(
        ProposalBooking.objects.filter(appointment_id__in=ids).values_list(
            "appointment_id", "proposal_id"
        )
    )


class AppointmentView(FhirView):
    fhir_type = "Appointment"
    read_roles = (*STAFF_ROLES, PATIENT)

    def get(self, request, pk: str | None = None):
        appointments = _appointments(request.user)
        if pk is not None:
            appointment = get_object_or_404(appointments, pk=_pk(pk))
            touch(request, appointment.patient_id)
            return Response(
                mapping.appointment_resource(
                    appointment, self.systems, _proposals([appointment]).get(appointment.pk)
                )
            )
        query = request.GET
        params.check_known(
            query, lenient=self.lenient, allowed=capability.search_parameters("Appointment")
        )
        if "patient" in query:
            appointments = appointments.filter(patient_id__in=_ids(query, "patient", "Patient"))
        if "practitioner" in query:
            appointments = appointments.filter(
                clinician_id__in=_ids(query, "practitioner", "Practitioner")
            )
        if "_id" in query:
            appointments = appointments.filter(pk__in=_ids(query, "_id", "Appointment"))
        for value in query.getlist("specialty"):
            appointments = appointments.filter(specialty__in=self.specialties(value))
        for value in query.getlist("appointment-type"):
            kinds = [
                pk
                for part in value.split(",")
                if (pk := mapping.visit_type_from_coding(*_token(part), self.systems)) is not None
            ]
            appointments = appointments.filter(
                Q(specialty__in=self.specialties(value)) | Q(visit_type_id__in=kinds)
            )
        for value in query.getlist("identifier"):
            uids = []
            for part in value.split(","):
                system, _, code = part.rpartition("|")
                if system in ("", "urn:ietf:rfc:3986"):
                    try:
                        uids.append(uuid.UUID(code.removeprefix("urn:uuid:")))
                    except ValueError:
                        pass  # not one of ours: matches nothing
            appointments = appointments.filter(uid__in=uids)
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
        count, offset = params.count_offset(query)
        appointments = appointments.order_by("start", "pk")
        total = appointments.count()
        items = list(appointments[offset : offset + count])
        touch(request, *(a.patient_id for a in items))
        links_to = _proposals(items)
        return self.page(
            items,
            total,
            count,
            offset,
            lambda a: mapping.appointment_resource(a, self.systems, links_to.get(a.pk)),
        )

    def specialties(self, value: str) -> list[str]:
        """Our specialties a specialty or appointment-type token names (v2-0276 ROUTINE:
        all of them, every visit being a routine one); an unknown code matches nothing."""
        found = []
        for part in value.split(","):
            system, _, code = part.rpartition("|")
            if system == mapping.V2_0276 and code == "ROUTINE":
                return list(mapping.SPECIALTY_LABEL)
            specialty = mapping.specialty_from_coding(system or None, code, self.systems)
            if specialty:
                found.append(specialty)
        return found

    def patch(self, request, pk: str | None = None):
        """Argonaut's cancel: a JSON Patch replacing /status with cancelled (or a FHIRPath
        Patch Parameters doing the same)."""
        body = request.data
        status = None
        if isinstance(body, list):
            for op in body:
                if not isinstance(op, dict) or op.get("path") != "/status":
                    raise params.Invalid("Only /status can be patched (to cancelled).", "path")
                if op.get("op") not in ("replace", "add"):
                    raise params.Invalid("Use op replace on /status.", "op")
                status = op.get("value")
        else:
            raise params.Invalid(
                "Send a JSON Patch (application/json-patch+json) replacing /status.", "body"
            )
        return self._change_status(request, pk, status)

    def put(self, request, pk: str | None = None):
        """An update that changes only the status to cancelled cancels the visit; any other
        change is refused (reschedule with $find and $book)."""
        body = request.data
        if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
            raise params.Invalid("The body must be an Appointment.", "Appointment")
        if body.get("id") != pk:
            raise params.Invalid("Appointment.id must match the URL.", "Appointment.id")
        return self._change_status(request, pk, body.get("status"))

    def _change_status(self, request, pk, status):
        if pk is None:
            raise exceptions.MethodNotAllowed(request.method)
        if status != "cancelled":
            raise params.Invalid(
                "Only a change of status to cancelled is accepted here.", "Appointment.status"
            )
        appointment = get_object_or_404(_appointments(request.user), pk=_pk(pk))
        touch(request, appointment.patient_id)
        from navigation.services import appointment_cancel

        appointment = appointment_cancel(
            appointment=appointment,
            by=request.user,
            now=timezone.now(),
            reason="cancelled by the EHR",
        )
        appointment.refresh_from_db()
        return Response(
            mapping.appointment_resource(
                appointment, self.systems, _proposals([appointment]).get(appointment.pk)
            )
        )


def _display_names(clinicians: set[int], places: set[int]) -> tuple[dict, dict]:
    """Names of the clinicians and locations of `$find`'s options, in one query."""
    if not clinicians and not places:
        return {}, {}
    rows = (
        Clinician.objects.filter(pk__in=clinicians)
        .annotate(of=Value("c"))
        .values_list("pk", "name", "of")
        .union(
            Location.objects.filter(pk__in=places)
            .annotate(of=Value("l"))
            .values_list("pk", "name", "of"),
            all=True,
        )
    )
    names: dict[str, dict] = {"c": {}, "l": {}}
    for pk, name, kind in rows:
        names[kind][pk] = name
    return names["c"], names["l"]


class FindView(FhirView):
    """`Appointment/$find` (IHE ITI-115, GET or POST): the itinerary engine's ranked
    same-day options, proposed, each with an id `$hold` and `$book` take for
    PROPOSAL_MINUTES."""

    fhir_type = "Appointment"
    operation_action = "s"
    read_roles = (NAVIGATOR, ADMIN)

    def get(self, request):
        return self.find(operations.query_parameters(request.GET))

    def post(self, request):
        return self.find(request.data)

    def find(self, body):
        request = self.request
        found = operations.find_input(body, user=request.user, base=self.systems)
        patient, referral, search = found.patient, found.referral, found.search
        touch(request, patient.pk)
        from navigation.services import itinerary_search
        from navigation.services.booking import visit_types

        if found.locations:  # ask for more, keep those at the required locations
            search = replace(search, limit=min(search.limit * 4, 40))
        now = timezone.now()
        try:
            result = itinerary_search(patient=patient, search=search, now=now)
        except DomainError as error:
            if (error.field or "").startswith("visit_types."):
                error.field = found.visit_type_param  # the FHIR parameter that chose it
            raise
        types = visit_types(search.specialties, search.visit_types)
        options = list(result.options)
        if found.locations:
            wanted = set(found.locations)
            parents = dict(Location.objects.values_list("pk", "parent_id"))
            options = [
                o
                for o in options
                if all(operations.at_place(v.location_id, wanted, parents) for v in o.visits)
            ][: found.search.limit]
        names, locations = _display_names(
            {v.clinician_id for option in options for v in option.visits},
            {v.location_id for option in options for v in option.visits},
        )
        taken = Resource.objects.in_bulk(
            {rid for option in options for v in option.visits for rid in v.resources}
        )
        proposed, rows = [], []
        expires = now + timedelta(minutes=operations.PROPOSAL_MINUTES)
        for option in options:
            pk = uuid.uuid4().hex
            resource = mapping.proposed_appointment(
                option,
                patient.pk,
                names,
                self.systems,
                referral.pk if referral else None,
                pk=pk,
                locations=locations,
                requested=(found.search.first, found.search.last),
                resources=taken,
                types=types,
            )
            rows.append(
                Proposal(
                    id=pk,
                    patient=patient,
                    referral=referral,
                    resource=resource,
                    expires_at=expires,
                    visits=[
                        {
                            "clinician": v.clinician_id,
                            "start": v.start.isoformat(),
                            "minutes": int((v.end - v.start).total_seconds() // 60),
                            "location": v.location_id,
                            "visit_type": types[v.specialty].pk if types[v.specialty] else None,
                            "resources": list(v.resources),
                        }
                        for v in option.visits
                    ],
                )
            )
            proposed.append(resource)
        proposals.proposals_save(rows)
        outcome = None
        if result.reason:
            outcome = mapping.operation_outcome(result.reason, "informational", "information")
        links = {"self": request.build_absolute_uri(request.get_full_path())}
        return Response(
            mapping.searchset(
                proposed, base=self.base, total=len(proposed), links=links, outcome=outcome
            )
        )


class BookView(FhirView):
    """`Appointment/$book` (IHE ITI-117): a proposal by reference or resource becomes its
    visits, all or none (409); a booked Appointment sent with status cancelled is
    cancelled. A searchset Bundle of what was booked or cancelled."""

    fhir_type = "Appointment"
    operation_action = "c"

    def post(self, request):
        from navigation.services import appointment_cancel, itinerary_book

        now = timezone.now()
        given = operations.book_input(request.data, user=request.user, now=now, base=self.systems)
        if given.existing is not None:
            appointment = get_object_or_404(_appointments(request.user), pk=given.existing)
            touch(request, appointment.patient_id)
            appointment = appointment_cancel(
                appointment=appointment, by=request.user, now=now, reason="cancelled by the EHR"
            )
            appointment.refresh_from_db()
            booked = [appointment]
        elif given.status == "cancelled":  # a held proposal let go
            touch(request, given.patient.pk)
            proposals.proposal_release(proposal=given.proposal, by=request.user, now=now)
            resource = {**given.proposal.resource, "status": "cancelled"}
            return self.bundle([resource])
        elif given.proposal is not None:
            touch(request, given.patient.pk)
            with participants.named_participants(given.resource_paths, given.visits):
                booked = proposals.proposal_book(
                    proposal=given.proposal,
                    by=request.user,
                    now=now,
                    visits=None if given.by_reference else given.visits,
                    referral=given.referral,
                )
        else:
            touch(request, given.patient.pk)
            with participants.named_participants(given.resource_paths, given.visits):
                itinerary = itinerary_book(
                    patient=given.patient,
                    visits=given.visits,
                    by=request.user,
                    now=now,
                    referral=given.referral,
                )
            booked = list(
                itinerary.appointments.select_related(
                    "patient", "clinician", "location", "visit_type"
                ).order_by("start")
            )
        links_to = _proposals(booked)
        return self.bundle(
            [mapping.appointment_resource(a, self.systems, links_to.get(a.pk)) for a in booked]
        )

    def bundle(self, resources: list[dict], outcome: dict | None = None) -> Response:
        links = {"self": self.request.build_absolute_uri(self.request.path)}
        return Response(
            mapping.searchset(
                resources, base=self.base, total=len(resources), links=links, outcome=outcome
            )
        )


class HoldView(BookView):
    """`Appointment/$hold` (IHE ITI-116): a proposal's visits kept for this client for
    HOLD_MINUTES; the reply is the proposal, `pending`, with when the hold ends. Time taken
    since `$find` is a 409 whose issue is fatal `not-found`, as the IG asks."""

    def post(self, request):
        now = timezone.now()
        proposal = operations.hold_input(request.data, user=request.user, now=now)
        touch(request, proposal.patient_id)
        try:
            hold = proposals.proposal_hold(proposal=proposal, by=request.user, now=now)
        except Conflict as conflict:
            body = mapping.operation_outcome(
                conflict.message, "not-found", "fatal", expression="appointment-reference"
            )
            return Response(body, status=409)
        note = mapping.operation_outcome(
            f"Held until {mapping.instant(hold.expires_at)} (hold {hold.pk}): book it with "
            f"$book and this appointment-reference before then.",
            "informational",
            "information",
        )
        return self.bundle([{**proposal.resource, "status": "pending"}], outcome=note)


# --- SMART Backend Services ------------------------------------------------------------


@csrf_exempt
def token(request):
    """The OAuth 2.0 token endpoint (client credentials, private_key_jwt). A refusal is 401
    (400 for a bad scope) with an OperationOutcome, and an audit row saying why."""
    if request.method != "POST":
        return unknown(request, "auth/token")
    url = request.build_absolute_uri(reverse("fhir-token"))
    try:
        body = smart.token_issue(form=request.POST, token_url=url, now=timezone.now())
    except smart.Refused as refused:
        claims_iss = ""
        try:
            claims_iss = str(
                smart._unverified_claims(request.POST.get("client_assertion", "")).get("iss", "")
            )
        except smart.Refused:
            pass
        smart.audit_refusal(request, refused.reason, claims_iss, refused.status)
        outcome = mapping.operation_outcome(f"{refused.error}: {refused.reason}.", "login")
        response = JsonResponse(
            outcome, status=refused.status, content_type="application/fhir+json"
        )
        response["WWW-Authenticate"] = f'Bearer error="{refused.error}"'
        response["Cache-Control"] = "no-store"
        return response
    response = JsonResponse(body)
    response["Cache-Control"] = "no-store"
    return response


def smart_configuration(request):
    """`/.well-known/smart-configuration`: where and how to get a token."""
    return JsonResponse(
        {
            "token_endpoint": request.build_absolute_uri(reverse("fhir-token")),
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": list(smart.ALGORITHMS),
            "scopes_supported": [
                "system/*.rs",
                "system/*.cruds",
                "system/*.read",
                "system/*.write",
            ],
            "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
        }
    )


# Resource types we serve: a method they lack is a 405 (the views say so themselves).
SERVED = (
    "Appointment",
    "Device",
    "Location",
    "Patient",
    "Practitioner",
    "Schedule",
    "ServiceRequest",
    "Slot",
)


@csrf_exempt
def unknown(request, path: str = ""):
    """Every other request under /fhir/, any method: an OperationOutcome, never Django's
    HTML pages. A batch or transaction (POST to the base) and an operation we do not
    implement are 501; a method a served type lacks is 405; anything else is 404."""
    where = request.path
    parts = [p for p in path.split("/") if p]
    if not parts and request.method == "POST":
        status, text = 501, "Batches and transactions are not supported; send each request alone."
    elif parts and parts[-1].startswith("$"):
        status, text = 501, f"The operation “{parts[-1]}” is not supported here."
    elif (
        parts
        and (parts[0] in SERVED or parts == ["auth", "token"])
        and request.method
        not in (
            "GET",
            "HEAD",
        )
        or parts == ["auth", "token"]
    ):
        status, text = 405, f"{request.method} is not supported on “{where}”."
    else:
        status, text = 404, f"“{where}” is not supported here; see /fhir/R4/metadata."
    body = mapping.operation_outcome(text, "not-supported")
    response = JsonResponse(body, status=status, content_type="application/fhir+json")
    if status == 405:
        response["Allow"] = "GET"
    return response
