"""Finding a patient, registering one, and taking a referral (for a new or a known
patient). Writes go through patients.services, once per form (web.once)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from patients import services
from patients.models import Patient
from tumorboard.audit import touch
from tumorboard.errors import DomainError
from web.access import navigator_page
from web.intake import PatientForm, PatientSearch, ReferralForm
from web.once import handle_once

SEARCH_ROWS = 50


def patient_search(*, text: str):
    """Patients whose name, MRN, birth date (YYYY-MM-DD) or phone matches `text`, with
    their referrals, newest first."""
    text = text.strip()
    if not text:
        return Patient.objects.none()
    found = Q(mrn__iexact=text) | Q(mrn__istartswith=text)
    words = text.split()
    names = Q()
    for word in words:
        names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
    found |= names
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 4:
        found |= Q(phone__endswith=digits[-10:])
    try:
        found |= Q(birth_date=date.fromisoformat(text))
    except ValueError:
        pass
    return (
        Patient.objects.filter(found)
        .prefetch_related("referrals")
        .order_by("last_name", "first_name", "id")[:SEARCH_ROWS]
    )


@navigator_page
@require_GET
def patients(request):
    form = PatientSearch(request.GET)
    found = list(patient_search(text=form.data.get("q", ""))) if form.is_valid() else []
    touch(request, *(p.pk for p in found))
    return render(
        request,
        "web/navigator/patients.html",
        {"form": form, "found": found, "searched": bool(request.GET.get("q"))},
    )


def _registered(request, form: PatientForm) -> str:
    patient = services.patient_create(**form.validated)
    messages.success(
        request, f"{patient.first_name} {patient.last_name} is registered. Take the referral."
    )
    return f"{reverse('web:referral_new')}?patient={patient.pk}"


@navigator_page
@require_http_methods(["GET", "POST"])
def patient_new(request):
    form = PatientForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                return handle_once(request, lambda: _registered(request, form))
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status_code
    return render(request, "web/navigator/patient_new.html", {"form": form}, status=status)


def _known_patient(request) -> Patient | None:
    raw = request.POST.get("patient") or request.GET.get("patient")
    if not raw:
        return None
    try:
        return get_object_or_404(Patient, pk=int(raw))
    except ValueError:
        return None


@navigator_page
@require_http_methods(["GET", "POST"])
def referral_new(request):
    """A referral for the patient named in `?patient=`, or for a patient registered on
    the same form (both or neither are saved)."""
    patient = _known_patient(request)
    data = request.POST if request.method == "POST" else None
    now = timezone.now()
    initial = {"received_at": timezone.localtime(now).replace(second=0, microsecond=0)}
    form = ReferralForm(data, initial=initial)
    patient_form = None if patient else PatientForm(data, prefix="patient")
    status = 200
    if request.method == "POST":
        status = 400
        forms_ok = form.is_valid() & (patient_form is None or patient_form.is_valid())
        if forms_ok:

            def take() -> str:
                who = patient or services.patient_create(**patient_form.validated)
                referral = services.referral_create(
                    now=now, created_by=request.user, patient=who, **form.validated
                )
                messages.success(
                    request,
                    f"Referral taken: {referral.get_urgency_display()}, {referral.urgency_reason}.",
                )
                return reverse("web:referral", args=[referral.pk])

            try:
                return handle_once(request, take)
            except DomainError as error:
                target = patient_form if error.field in ("mrn",) and patient_form else form
                target.add_domain_error(error)
                status = error.status_code
    if patient:
        touch(request, patient.pk)
    context = {"form": form, "patient_form": patient_form, "patient": patient}
    return render(request, "web/navigator/referral_new.html", context, status=status)
