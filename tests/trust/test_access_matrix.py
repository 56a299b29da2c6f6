# ruff: noqa: E501 - the matrix reads best one row a line
"""Who may reach what: every API path, FHIR path and page, for anonymous, patient A (the
owner of every object in the URLs), patient B, a specialist, a navigator and an admin.

The matrix is data. A URL pattern missing from it fails `test_every_url_is_in_the_matrix`,
so a new endpoint cannot ship without someone deciding who may use it. A patient reaching
another patient's anything gets 404: no hint that it exists.

Each request runs in a savepoint rolled back afterwards, so one role's write never
changes what the next role finds. Writes are sent with an empty body: a role that may
write gets the validation answer (400), one that may not gets 401/403/404.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from board.models import Recommendation, SurveillancePlan, Task
from board.services.cases import case_submit
from care.models import Barrier, DistressScreening, Treatment
from navigation.models import AvailabilityTemplate, Hold, Itinerary, Resource, TimeOff
from navigation.services import VisitRequest, appointment_book
from notifications.models import Alert, Message
from notifications.services import patient_link
from patients.models import Contact
from patients.services import referral_create
from simulator.models import SimulationPlot, SimulationRun
from tests.center import board_series
from web.models import PatientRequest

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=NY)  # a Monday
ROLES = ("anonymous", "patient_a", "patient_b", "specialist", "navigator", "admin")
PUBLIC = "open to everyone"  # /healthz: 200 or 503 by the state of the services, never a refusal

pytestmark = pytest.mark.django_db

# fmt: off
# (method, URL pattern as Django spells it, the path to request):
#     statuses for anonymous, patient A, patient B, specialist, navigator, admin.
# Placeholders in the path are the world's objects, all of them patient A's.
MATRIX: dict[tuple[str, str, str], tuple[int, ...] | str] = {
    ("GET", 'healthz', "healthz"): PUBLIC,
    ("GET", 'calendar/<str:token>.ics', "calendar/{token}.ics"): (200, 200, 200, 200, 200, 200),
    ("GET", 'p/<str:code>', "p/{code}"): (200, 200, 200, 200, 200, 200),
    # The calendar file waits for the birth date, unless the link's own patient is logged in.
    ("GET", 'p/<str:code>/visit/<int:visit_id>.ics', "p/{code}/visit/{appointment}.ics"): (302, 200, 302, 302, 302, 302),
    ("GET", 'p/<str:code>/verify', "p/{code}/verify"): (405, 405, 405, 405, 405, 405),
    ("POST", 'p/<str:code>/verify', "p/{code}/verify"): (400, 400, 400, 400, 400, 400),
    ("GET", 'p/<str:code>/confirm', "p/{code}/confirm"): (405, 405, 405, 405, 405, 405),
    ("POST", 'p/<str:code>/confirm', "p/{code}/confirm"): (302, 302, 302, 302, 302, 302),
    ("GET", 'p/<str:code>/reschedule', "p/{code}/reschedule"): (405, 405, 405, 405, 405, 405),
    ("POST", 'p/<str:code>/reschedule', "p/{code}/reschedule"): (302, 302, 302, 302, 302, 302),
    ("GET", 'admin/', "admin/"): (302, 302, 302, 302, 302, 200),
    ("GET", 'admin/login/', "admin/login/"): (302, 302, 302, 302, 302, 302),
    ("POST", 'api/v1/auth/token/', "api/v1/auth/token/"): (400, 400, 400, 400, 400, 400),
    ("DELETE", 'api/v1/auth/token/', "api/v1/auth/token/"): (401, 204, 204, 204, 204, 204),
    ("GET", 'api/v1/^audit/$', "api/v1/audit/"): (401, 403, 403, 403, 403, 200),
    ("GET", 'api/v1/audit/sign-ins/', "api/v1/audit/sign-ins/"): (401, 403, 403, 403, 403, 200),
    ("GET", 'api/v1/appointments/<int:pk>/invite.ics', "api/v1/appointments/{appointment}/invite.ics"): (401, 200, 404, 404, 200, 200),
    ("POST", 'api/v1/itineraries/search/', "api/v1/itineraries/search/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/referrals/<int:pk>/consult-options/', "api/v1/referrals/{referral}/consult-options/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/referrals/<int:pk>/on-call-assessment/', "api/v1/referrals/{referral}/on-call-assessment/"): (401, 403, 403, 403, 405, 405),
    ("POST", 'api/v1/referrals/<int:pk>/on-call-assessment/', "api/v1/referrals/{referral}/on-call-assessment/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^locations/$', "api/v1/locations/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^locations/$', "api/v1/locations/"): (401, 403, 403, 403, 403, 400),
    ("GET", 'api/v1/^locations/(?P<pk>[^/.]+)/$', "api/v1/locations/{location}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^locations/(?P<pk>[^/.]+)/$', "api/v1/locations/{location}/"): (401, 403, 403, 403, 403, 200),
    ("DELETE", 'api/v1/^locations/(?P<pk>[^/.]+)/$', "api/v1/locations/{location}/"): (401, 403, 403, 403, 403, 409),
    # Rooms, machines and interpreters: configuration like clinicians, read by staff.
    ("GET", 'api/v1/^resources/$', "api/v1/resources/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^resources/$', "api/v1/resources/"): (401, 403, 403, 403, 403, 400),
    ("GET", 'api/v1/^resources/(?P<pk>[^/.]+)/$', "api/v1/resources/{resource}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^resources/(?P<pk>[^/.]+)/$', "api/v1/resources/{resource}/"): (401, 403, 403, 403, 403, 200),
    ("DELETE", 'api/v1/^resources/(?P<pk>[^/.]+)/$', "api/v1/resources/{resource}/"): (401, 403, 403, 403, 403, 204),
    ("GET", 'api/v1/^clinicians/$', "api/v1/clinicians/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^clinicians/$', "api/v1/clinicians/"): (401, 403, 403, 403, 403, 400),
    ("GET", 'api/v1/^clinicians/(?P<pk>[^/.]+)/$', "api/v1/clinicians/{clinician}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^clinicians/(?P<pk>[^/.]+)/$', "api/v1/clinicians/{clinician}/"): (401, 403, 403, 403, 403, 200),
    ("DELETE", 'api/v1/^clinicians/(?P<pk>[^/.]+)/$', "api/v1/clinicians/{clinician}/"): (401, 403, 403, 403, 403, 204),
    ("GET", 'api/v1/^clinicians/(?P<pk>[^/.]+)/feed/$', "api/v1/clinicians/{clinician}/feed/"): (401, 403, 403, 200, 403, 200),
    ("GET", 'api/v1/^availability/$', "api/v1/availability/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^availability/$', "api/v1/availability/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^availability/(?P<pk>[^/.]+)/$', "api/v1/availability/{availability}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^availability/(?P<pk>[^/.]+)/$', "api/v1/availability/{availability}/"): (401, 403, 403, 403, 200, 200),
    ("DELETE", 'api/v1/^availability/(?P<pk>[^/.]+)/$', "api/v1/availability/{availability}/"): (401, 403, 403, 403, 204, 204),
    ("GET", 'api/v1/^time-off/$', "api/v1/time-off/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^time-off/$', "api/v1/time-off/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^time-off/(?P<pk>[^/.]+)/$', "api/v1/time-off/{time_off}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^time-off/(?P<pk>[^/.]+)/$', "api/v1/time-off/{time_off}/"): (401, 403, 403, 403, 200, 200),
    ("DELETE", 'api/v1/^time-off/(?P<pk>[^/.]+)/$', "api/v1/time-off/{time_off}/"): (401, 403, 403, 403, 204, 204),
    ("GET", 'api/v1/^appointments/$', "api/v1/appointments/"): (401, 200, 200, 200, 200, 200),
    ("POST", 'api/v1/^appointments/$', "api/v1/appointments/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^appointments/(?P<pk>[^/.]+)/$', "api/v1/appointments/{appointment}/"): (401, 200, 404, 404, 200, 200),
    ("POST", 'api/v1/^appointments/(?P<pk>[^/.]+)/cancel/$', "api/v1/appointments/{appointment}/cancel/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^appointments/(?P<pk>[^/.]+)/free-times/$', "api/v1/appointments/{appointment}/free-times/"): (401, 403, 403, 403, 200, 200),
    ("POST", 'api/v1/^appointments/(?P<pk>[^/.]+)/reschedule/$', "api/v1/appointments/{appointment}/reschedule/"): (401, 403, 403, 403, 400, 400),
    ("POST", 'api/v1/^appointments/(?P<pk>[^/.]+)/status/$', "api/v1/appointments/{appointment}/status/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^itineraries/$', "api/v1/itineraries/"): (401, 403, 403, 403, 200, 200),
    ("POST", 'api/v1/^itineraries/$', "api/v1/itineraries/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^itineraries/(?P<pk>[^/.]+)/$', "api/v1/itineraries/{itinerary}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^holds/$', "api/v1/holds/"): (401, 403, 403, 403, 200, 200),
    ("POST", 'api/v1/^holds/$', "api/v1/holds/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^holds/(?P<pk>[^/.]+)/$', "api/v1/holds/{hold}/"): (401, 403, 403, 403, 200, 200),
    # Only its holder (the navigator) may release or confirm a hold; this one has expired.
    ("DELETE", 'api/v1/^holds/(?P<pk>[^/.]+)/$', "api/v1/holds/{hold}/"): (401, 403, 403, 403, 200, 403),
    ("POST", 'api/v1/^holds/(?P<pk>[^/.]+)/confirm/$', "api/v1/holds/{hold}/confirm/"): (401, 403, 403, 403, 409, 403),
    ("GET", 'api/v1/', "api/v1/"): (401, 200, 200, 200, 200, 200),
    ("POST", 'api/v1/sms/inbound/', "api/v1/sms/inbound/"): (415, 415, 415, 415, 415, 415),
    ("POST", 'api/v1/sms/status/', "api/v1/sms/status/"): (415, 415, 415, 415, 415, 415),
    ("GET", 'api/v1/^notifications/$', "api/v1/notifications/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^notifications/(?P<pk>[^/.]+)/$', "api/v1/notifications/{message}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^alerts/$', "api/v1/alerts/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^alerts/(?P<pk>[^/.]+)/$', "api/v1/alerts/{alert}/"): (401, 403, 403, 403, 200, 200),
    ("POST", 'api/v1/^alerts/(?P<pk>[^/.]+)/acknowledge/$', "api/v1/alerts/{alert}/acknowledge/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^patients/$', "api/v1/patients/"): (401, 200, 200, 200, 200, 200),
    ("POST", 'api/v1/^patients/$', "api/v1/patients/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^patients/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/"): (401, 200, 404, 200, 200, 200),
    ("PATCH", 'api/v1/^patients/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/contacts/$', "api/v1/patients/{patient}/contacts/"): (401, 200, 404, 200, 200, 200),
    ("POST", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/contacts/$', "api/v1/patients/{patient}/contacts/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/contacts/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/contacts/{contact}/"): (401, 200, 404, 200, 200, 200),
    ("PATCH", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/contacts/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/contacts/{contact}/"): (401, 403, 403, 403, 200, 200),
    ("DELETE", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/contacts/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/contacts/{contact}/"): (401, 403, 403, 403, 204, 204),
    # Barriers to care are staff-only (least privilege): a patient reads none, not even their own.
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/barriers/$', "api/v1/patients/{patient}/barriers/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/barriers/$', "api/v1/patients/{patient}/barriers/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/barriers/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/barriers/{barrier}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/barriers/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/barriers/{barrier}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/distress-screenings/$', "api/v1/patients/{patient}/distress-screenings/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/distress-screenings/$', "api/v1/patients/{patient}/distress-screenings/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^patients/(?P<patient_pk>[0-9]+)/distress-screenings/(?P<pk>[^/.]+)/$', "api/v1/patients/{patient}/distress-screenings/{distress}/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^referrals/$', "api/v1/referrals/"): (401, 200, 200, 200, 200, 200),
    ("POST", 'api/v1/^referrals/$', "api/v1/referrals/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^referrals/(?P<pk>[^/.]+)/$', "api/v1/referrals/{referral}/"): (401, 200, 404, 200, 200, 200),
    ("PATCH", 'api/v1/^referrals/(?P<pk>[^/.]+)/$', "api/v1/referrals/{referral}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/board/meetings/<int:pk>/invite.ics', "api/v1/board/meetings/{meeting}/invite.ics"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/board/report/', "api/v1/board/report/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^board/series/$', "api/v1/board/series/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/series/$', "api/v1/board/series/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^board/series/(?P<pk>[^/.]+)/$', "api/v1/board/series/{series}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^board/series/(?P<pk>[^/.]+)/$', "api/v1/board/series/{series}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^board/meetings/$', "api/v1/board/meetings/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/$', "api/v1/board/meetings/{meeting}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/$', "api/v1/board/meetings/{meeting}/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/agenda/$', "api/v1/board/meetings/{meeting}/agenda/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/attendance/$', "api/v1/board/meetings/{meeting}/attendance/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/attendance/$', "api/v1/board/meetings/{meeting}/attendance/"): (401, 403, 403, 400, 400, 400),
    ("POST", 'api/v1/^board/meetings/(?P<pk>[^/.]+)/cancel/$', "api/v1/board/meetings/{meeting}/cancel/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^board/cases/$', "api/v1/board/cases/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/cases/$', "api/v1/board/cases/"): (401, 403, 403, 400, 400, 400),
    ("GET", 'api/v1/^board/cases/(?P<pk>[^/.]+)/$', "api/v1/board/cases/{case}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^board/cases/(?P<pk>[^/.]+)/$', "api/v1/board/cases/{case}/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/cases/(?P<pk>[^/.]+)/move/$', "api/v1/board/cases/{case}/move/"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/v1/^board/cases/(?P<pk>[^/.]+)/recommendation/$', "api/v1/board/cases/{case}/recommendation/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/cases/(?P<pk>[^/.]+)/recommendation/$', "api/v1/board/cases/{case}/recommendation/"): (401, 403, 403, 400, 400, 400),
    ("PATCH", 'api/v1/^board/cases/(?P<pk>[^/.]+)/recommendation/$', "api/v1/board/cases/{case}/recommendation/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/cases/(?P<pk>[^/.]+)/recommendation/sign/$', "api/v1/board/cases/{case}/recommendation/sign/"): (401, 403, 403, 200, 400, 400),
    ("POST", 'api/v1/^board/cases/(?P<pk>[^/.]+)/withdraw/$', "api/v1/board/cases/{case}/withdraw/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^board/tasks/$', "api/v1/board/tasks/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^board/tasks/(?P<pk>[^/.]+)/$', "api/v1/board/tasks/{task}/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^board/tasks/(?P<pk>[^/.]+)/done/$', "api/v1/board/tasks/{task}/done/"): (401, 403, 403, 403, 200, 200),
    ("GET", 'api/v1/^surveillance-plans/$', "api/v1/surveillance-plans/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^surveillance-plans/$', "api/v1/surveillance-plans/"): (401, 403, 403, 400, 400, 400),
    ("GET", 'api/v1/^surveillance-plans/(?P<pk>[^/.]+)/$', "api/v1/surveillance-plans/{plan}/"): (401, 403, 403, 200, 200, 200),
    ("PATCH", 'api/v1/^surveillance-plans/(?P<pk>[^/.]+)/$', "api/v1/surveillance-plans/{plan}/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^surveillance-plans/(?P<pk>[^/.]+)/end/$', "api/v1/surveillance-plans/{plan}/end/"): (401, 403, 403, 400, 400, 400),
    ("POST", 'api/v1/^surveillance-plans/(?P<pk>[^/.]+)/results/$', "api/v1/surveillance-plans/{plan}/results/"): (401, 403, 403, 400, 400, 400),
    # Care clocks: staff read them; navigators and specialists record treatments, admins do not.
    ("GET", 'api/v1/referrals/<int:pk>/clocks/', "api/v1/referrals/{referral}/clocks/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^clocks/$', "api/v1/clocks/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'api/v1/^treatments/$', "api/v1/treatments/"): (401, 403, 403, 200, 200, 200),
    ("POST", 'api/v1/^treatments/$', "api/v1/treatments/"): (401, 403, 403, 400, 400, 403),
    ("GET", 'api/v1/^treatments/(?P<pk>[^/.]+)/$', "api/v1/treatments/{treatment}/"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/', "fhir/R4/"): (404, 404, 404, 404, 404, 404),
    ("GET", 'fhir/R4/metadata', "fhir/R4/metadata"): (200, 200, 200, 200, 200, 200),
    ("POST", 'fhir/R4/Appointment/$find', "fhir/R4/Appointment/$find"): (401, 403, 403, 403, 400, 400),
    ("POST", 'fhir/R4/Appointment/$book', "fhir/R4/Appointment/$book"): (401, 403, 403, 403, 400, 400),
    ("GET", 'fhir/R4/Appointment', "fhir/R4/Appointment"): (401, 200, 200, 200, 200, 200),
    ("GET", 'fhir/R4/Appointment/<str:pk>', "fhir/R4/Appointment/{appointment}"): (401, 200, 404, 404, 200, 200),
    ("GET", 'fhir/R4/Patient', "fhir/R4/Patient"): (401, 200, 200, 200, 200, 200),
    ("GET", 'fhir/R4/Patient/<str:pk>', "fhir/R4/Patient/{patient}"): (401, 200, 404, 200, 200, 200),
    ("GET", 'fhir/R4/Practitioner', "fhir/R4/Practitioner"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Practitioner/<str:pk>', "fhir/R4/Practitioner/{clinician}"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/PractitionerRole', "fhir/R4/PractitionerRole"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/PractitionerRole/<str:pk>', "fhir/R4/PractitionerRole/{clinician}"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Location/<str:pk>', "fhir/R4/Location/{location}"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Device', "fhir/R4/Device"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Device/<str:pk>', "fhir/R4/Device/{resource}"): (401, 403, 403, 200, 200, 200),
    ("POST", 'fhir/R4/Appointment/$hold', "fhir/R4/Appointment/$hold"): (401, 403, 403, 403, 400, 400),
    ("GET", 'fhir/R4/Schedule', "fhir/R4/Schedule"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Schedule/<str:pk>', "fhir/R4/Schedule/{clinician}"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/ServiceRequest', "fhir/R4/ServiceRequest"): (401, 200, 200, 200, 200, 200),
    ("GET", 'fhir/R4/ServiceRequest/<str:pk>', "fhir/R4/ServiceRequest/{referral}"): (401, 200, 404, 200, 200, 200),
    ("GET", 'fhir/R4/Slot', "fhir/R4/Slot"): (401, 403, 403, 200, 200, 200),
    ("GET", 'fhir/R4/Slot/<str:pk>', "fhir/R4/Slot/{clinician}"): (401, 403, 403, 404, 404, 404),
    ("GET", 'fhir/R4/^(?P<path>.*)$', "fhir/R4/Unknown"): (404, 404, 404, 404, 404, 404),
    ("POST", 'fhir/R4/^(?P<path>.*)$', "fhir/R4/Bundle/$process-message"): (501, 501, 501, 501, 501, 501),
    ("GET", '^fhir/(?P<path>.*)$', "fhir/R5/metadata"): (404, 404, 404, 404, 404, 404),
    # Any other path under /api/: a JSON 404 for everyone (it names nothing that exists).
    ("GET", '^api/(?P<rest>.*)$', "api/v1/nothing-here/"): (404, 404, 404, 404, 404, 404),
    ("GET", 'fhir/R4/.well-known/smart-configuration', "fhir/R4/.well-known/smart-configuration"): (200, 200, 200, 200, 200, 200),
    ("POST", 'fhir/R4/auth/token', "fhir/R4/auth/token"): (400, 400, 400, 400, 400, 400),
    ("POST", 'fhir/R4/Patient', "fhir/R4/Patient"): (401, 403, 403, 403, 400, 400),
    ("POST", 'fhir/R4/ServiceRequest', "fhir/R4/ServiceRequest"): (401, 403, 403, 403, 400, 400),
    ("GET", 'fhir/R4/Appointment/$find', "fhir/R4/Appointment/$find"): (401, 403, 403, 403, 400, 400),
    ("PATCH", 'fhir/R4/Appointment/<str:pk>', "fhir/R4/Appointment/{appointment}"): (401, 403, 403, 403, 400, 400),
    ("GET", 'api/schema/', "api/schema/"): (200, 200, 200, 200, 200, 200),
    ("GET", 'api/docs/', "api/docs/"): (200, 200, 200, 200, 200, 200),
    ("GET", '', ""): (302, 302, 403, 302, 302, 302),
    ("GET", 'login/', "login/"): (200, 302, 302, 302, 302, 302),
    # Single sign-on is off unless a provider is configured (tests/identity turns it on).
    ("GET", 'oidc/authenticate/', "oidc/authenticate/"): (404, 404, 404, 404, 404, 404),
    ("GET", 'oidc/callback/', "oidc/callback/"): (404, 404, 404, 404, 404, 404),
    # The code step of a password login: without a right password first, back to /login/.
    ("GET", 'login/code/', "login/code/"): (302, 302, 302, 302, 302, 302),
    ("POST", 'login/code/', "login/code/"): (302, 302, 302, 302, 302, 302),
    ("GET", 'login/setup/', "login/setup/"): (302, 302, 302, 302, 302, 302),
    ("POST", 'login/setup/', "login/setup/"): (302, 302, 302, 302, 302, 302),
    ("GET", 'account/two-factor/', "account/two-factor/"): (302, 200, 200, 200, 200, 200),
    ("POST", 'account/two-factor/', "account/two-factor/"): (302, 200, 200, 200, 200, 200),
    ("GET", 'account/two-factor/setup/', "account/two-factor/setup/"): (302, 200, 200, 200, 200, 200),
    ("POST", 'account/two-factor/setup/', "account/two-factor/setup/"): (302, 200, 200, 200, 200, 200),
    ("GET", 'session/keepalive/', "session/keepalive/"): (405, 405, 405, 405, 405, 405),
    ("POST", 'session/keepalive/', "session/keepalive/"): (401, 204, 204, 204, 204, 204),
    ("GET", 'logout/', "logout/"): (405, 405, 405, 405, 405, 405),
    ("POST", 'logout/', "logout/"): (302, 302, 302, 302, 302, 302),
    ("GET", 'password-reset/', "password-reset/"): (200, 200, 200, 200, 200, 200),
    ("GET", 'password-reset/sent/', "password-reset/sent/"): (200, 200, 200, 200, 200, 200),
    ("GET", 'reset/<uidb64>/<token>/', "reset/{uid}/{reset}/"): (200, 200, 200, 200, 200, 200),
    ("GET", 'reset/done/', "reset/done/"): (200, 200, 200, 200, 200, 200),
    ("GET", 'queue/', "queue/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'patients/', "patients/?q=archer"): (302, 403, 403, 403, 200, 200),
    ("GET", 'patients/new/', "patients/new/"): (302, 403, 403, 403, 200, 200),
    ("POST", 'patients/new/', "patients/new/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/new/', "referrals/new/?patient={patient}"): (302, 403, 403, 403, 200, 200),
    ("POST", 'referrals/new/', "referrals/new/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/override/', "referrals/{referral}/override/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/override/', "referrals/{referral}/override/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'appointments/<int:pk>/', "appointments/{appointment}/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'appointments/<int:pk>/reschedule/', "appointments/{appointment}/reschedule/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'appointments/<int:pk>/reschedule/', "appointments/{appointment}/reschedule/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'appointments/<int:pk>/cancel/', "appointments/{appointment}/cancel/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'appointments/<int:pk>/cancel/', "appointments/{appointment}/cancel/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'appointments/<int:pk>/status/', "appointments/{appointment}/status/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'appointments/<int:pk>/status/', "appointments/{appointment}/status/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'requests/<int:pk>/done/', "requests/{request}/done/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'requests/<int:pk>/done/', "requests/{request}/done/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'tasks/<int:pk>/done/', "tasks/{task}/done/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'tasks/<int:pk>/done/', "tasks/{task}/done/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'referrals/<int:pk>/', "referrals/{referral}/"): (302, 403, 403, 200, 200, 200),
    ("GET", 'referrals/<int:pk>/sins/', "referrals/{referral}/sins/"): (302, 403, 403, 403, 200, 200),
    ("POST", 'referrals/<int:pk>/sins/', "referrals/{referral}/sins/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'referrals/<int:pk>/consult/', "referrals/{referral}/consult/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/consult/', "referrals/{referral}/consult/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/on-call/', "referrals/{referral}/on-call/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/on-call/', "referrals/{referral}/on-call/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/plan/', "referrals/{referral}/plan/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/book/', "referrals/{referral}/book/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/book/', "referrals/{referral}/book/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/hold/', "referrals/{referral}/hold/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/hold/', "referrals/{referral}/hold/"): (302, 403, 403, 403, 400, 400),
    # As through the API: only its holder may confirm or release the (expired) hold.
    ("GET", 'holds/<int:pk>/confirm/', "holds/{hold}/confirm/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'holds/<int:pk>/confirm/', "holds/{hold}/confirm/"): (302, 403, 403, 403, 409, 403),
    ("GET", 'holds/<int:pk>/release/', "holds/{hold}/release/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'holds/<int:pk>/release/', "holds/{hold}/release/"): (302, 403, 403, 403, 302, 403),
    ("GET", 'referrals/<int:pk>/board/', "referrals/{referral}/board/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/board/', "referrals/{referral}/board/"): (302, 403, 403, 403, 400, 400),
    # No signed recommendation in the world: a navigator is sent back to the referral.
    ("GET", 'referrals/<int:pk>/treatments/', "referrals/{referral}/treatments/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/treatments/', "referrals/{referral}/treatments/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'referrals/<int:pk>/barriers/', "referrals/{referral}/barriers/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/barriers/', "referrals/{referral}/barriers/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/barriers/<int:barrier_pk>/resolve/', "referrals/{referral}/barriers/{barrier}/resolve/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/barriers/<int:barrier_pk>/resolve/', "referrals/{referral}/barriers/{barrier}/resolve/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'referrals/<int:pk>/distress/', "referrals/{referral}/distress/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'referrals/<int:pk>/distress/', "referrals/{referral}/distress/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'day/', "day/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'alerts/', "alerts/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'alerts/<int:pk>/acknowledge/', "alerts/{alert}/acknowledge/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'alerts/<int:pk>/acknowledge/', "alerts/{alert}/acknowledge/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'alerts/acknowledge/', "alerts/acknowledge/"): (302, 403, 403, 403, 405, 405),
    ("POST", 'alerts/acknowledge/', "alerts/acknowledge/"): (302, 403, 403, 403, 302, 302),
    ("GET", 'dashboard/', "dashboard/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'dashboard/metrics/', "dashboard/metrics/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'dashboard/metrics.csv', "dashboard/metrics.csv"): (302, 403, 403, 403, 200, 200),
    ("GET", 'board/', "board/"): (302, 403, 403, 200, 200, 200),
    ("GET", 'board/meetings/<int:pk>/', "board/meetings/{meeting}/"): (302, 403, 403, 200, 200, 200),
    ("GET", 'board/meetings/<int:pk>/attendance/', "board/meetings/{meeting}/attendance/"): (302, 403, 403, 405, 405, 405),
    ("POST", 'board/meetings/<int:pk>/attendance/', "board/meetings/{meeting}/attendance/"): (302, 403, 403, 404, 404, 404),
    ("GET", 'board/cases/<int:pk>/', "board/cases/{case}/"): (302, 403, 403, 200, 200, 200),
    ("POST", 'board/cases/<int:pk>/', "board/cases/{case}/"): (302, 403, 403, 400, 400, 400),
    ("GET", 'me/week/', "me/week/"): (302, 403, 403, 200, 403, 200),
    ("GET", 'me/calendar/', "me/calendar/"): (302, 403, 403, 200, 403, 200),
    ("POST", 'me/calendar/', "me/calendar/"): (302, 403, 403, 302, 403, 200),
    ("GET", 'simulator/', "simulator/"): (302, 403, 403, 403, 200, 200),
    ("POST", 'simulator/', "simulator/"): (302, 403, 403, 403, 400, 400),
    ("GET", 'simulator/runs/<int:pk>/', "simulator/runs/{run}/"): (302, 403, 403, 403, 200, 200),
    ("GET", 'simulator/runs/<int:pk>/<slug:name>.png', "simulator/runs/{run}/lead_times.png"): (302, 403, 403, 403, 200, 200),
}
# fmt: on

# Patterns the matrix covers through another entry: DRF's format-suffix twins
# (`/patients.json`) and the API root, which each included router adds again.
SUFFIX = re.compile(r"\\\.\(\?P<format>\[a-z0-9\]\+\)/\?\$$|<drf_format_suffix:format>$")


def url_patterns(patterns=None, prefix=""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == "admin/":
                yield route  # Django's admin: staff only, probed at its index
                continue
            yield from url_patterns(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not SUFFIX.search(route):
            yield route


def test_every_url_is_in_the_matrix():
    covered = {route for _, route, _ in MATRIX}
    missing = sorted(set(url_patterns()) - covered)
    assert not missing, f"add these URL patterns to the access matrix: {missing}"
    stale = sorted(covered - set(url_patterns()))
    assert not stale, f"these matrix rows match no URL any more: {stale}"


@pytest.fixture
def world(center, alice, bob, nina, sam, ada):
    """Patient A (alice) with one of everything; patient B (bob) with a referral too."""
    with time_machine.travel(NOW, tick=False):
        referral = referral_create(
            patient=alice, received_at=NOW, sites="brain", created_by=nina, now=NOW
        )
        referral_create(patient=bob, received_at=NOW, sites="brain", created_by=nina, now=NOW)
        neurosurgeon = center.first("neurosurgery")
        neurosurgeon.user = sam
        neurosurgeon.save()
        appointment = appointment_book(
            patient=alice,
            visit=VisitRequest(
                clinician=center.first("pain_medicine"), start=datetime(2026, 3, 9, 14, tzinfo=NY)
            ),
            by=nina,
            now=NOW,
        )
        itinerary = Itinerary.objects.create(
            patient=alice, referral=referral, day=appointment.start.date(), created_by=nina
        )
        series, _ = board_series(center, now=NOW)
        meeting = series.meetings.order_by("start").first()
        case = case_submit(
            meeting=meeting, question="Surgery or radiosurgery?", by=nina, now=NOW, patient=alice
        )
        recommendation = Recommendation.objects.create(
            case=case, version=1, modalities=["srs"], intent="local_control", rationale="Small."
        )
        task = Task.objects.create(
            recommendation=recommendation,
            case=case,
            patient=alice,
            kind="imaging",
            text="Book an MRI",
            due_at=NOW + timedelta(days=2),
        )
        plan = SurveillancePlan.objects.create(
            patient=alice,
            case=case,
            modality="mri_brain",
            disease_activity="responding",
            interval_weeks=12,
            last_scan_on=NOW.date(),
            next_due_on=NOW.date() + timedelta(weeks=12),
        )
        treatment = Treatment.objects.create(
            patient=alice,
            referral=referral,
            recommendation=recommendation,
            modality="srs",
            started_at=NOW,
            started_elsewhere=True,
            recorded_at=NOW,
        )
        message = Message.objects.filter(patient=alice).first()
        alert = Alert.objects.create(
            kind="patient_reply", text="Reply", dedupe_key="matrix", patient=alice
        )
        patient_request = PatientRequest.objects.create(
            patient=alice, referral=referral, source="sms", text="Reschedule", created_at=NOW
        )
        hold = Hold.objects.create(
            patient=alice, referral=referral, expires_at=NOW - timedelta(minutes=1), created_by=nina
        )
        run = SimulationRun.objects.create(parameters={"weeks": 1}, status="done", created_by=nina)
        SimulationPlot.objects.create(run=run, name="lead_times", png=b"\x89PNG\r\n\x1a\n")
        link = patient_link(alice, NOW).rsplit("/", 1)[1]
    return {
        "patient": alice.pk,
        "contact": Contact.objects.create(patient=alice, name="Dana Archer").pk,
        "barrier": Barrier.objects.create(patient=alice, kind="transport", found_at=NOW).pk,
        "distress": DistressScreening.objects.create(
            patient=alice, occasion="first_consult", score=2, screened_at=NOW
        ).pk,
        "referral": referral.pk,
        "appointment": appointment.pk,
        "itinerary": itinerary.pk,
        "location": center.tower.pk,
        "resource": Resource.objects.create(
            name="MRI 3T-A", kind="equipment", equipment="mri_3t", location=center.tower
        ).pk,
        "clinician": neurosurgeon.pk,
        "availability": AvailabilityTemplate.objects.filter(clinician=neurosurgeon).first().pk,
        "time_off": TimeOff.objects.create(
            clinician=neurosurgeon,
            start=NOW + timedelta(days=20),
            end=NOW + timedelta(days=21),
            reason="congress",
        ).pk,
        "message": message.pk,
        "alert": alert.pk,
        "series": series.pk,
        "meeting": meeting.pk,
        "case": case.pk,
        "task": task.pk,
        "plan": plan.pk,
        "treatment": treatment.pk,
        "run": run.pk,
        "hold": hold.pk,
        "request": patient_request.pk,
        "code": link,
        "token": neurosurgeon.calendar_token,
        "uid": urlsafe_base64_encode(force_bytes(nina.pk)),
        "reset": default_token_generator.make_token(nina),
    }


def clients(world, users) -> dict[str, Client]:
    """Each role's client: a session for pages, its token for the API and FHIR."""
    made = {"anonymous": Client()}
    for role, user in users.items():
        client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        client.force_login(user)
        made[role] = client
    return made


def probe(client: Client, method: str, path: str) -> int:
    """One request, undone afterwards: its writes are rolled back and the client keeps
    its session cookie (a logout or login answer would otherwise change it)."""
    cookies = copy.deepcopy(client.cookies)
    with transaction.atomic():
        if method == "GET":
            response = client.get(path)
        else:
            response = getattr(client, method.lower())(path, {}, content_type="application/json")
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def test_access(world, alice, bob, sam, nina, ada):
    """Every row of the matrix; a failure lists every cell that differs."""
    users = {"patient_a": alice.user, "patient_b": bob.user, "specialist": sam, "navigator": nina}
    users["admin"] = ada
    every = clients(world, users)
    wrong = []
    for (method, _, path), expected in MATRIX.items():
        url = "/" + path.format(**world)
        with time_machine.travel(NOW + timedelta(hours=1), tick=False):
            found = tuple(probe(every[role], method, url) for role in ROLES)
        if expected == PUBLIC:
            if not set(found) <= {200, 503}:
                wrong.append(f"{method} {url}: {found}, expected 200 or 503 for everyone")
            continue
        wrong.extend(
            f"{method} {url} as {role}: {found_status}, expected {status}"
            for role, status, found_status in zip(ROLES, expected, found, strict=True)
            if status != found_status
        )
    assert not wrong, "\n".join(wrong)
