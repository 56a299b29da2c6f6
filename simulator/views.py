"""The capacity simulator's pages: start a small run, watch it, read its report."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from navigation import selectors
from simulator import report, services, whatif
from simulator.forms import SimulationForm
from simulator.models import SimulationPlot, SimulationRun
from simulator.runner import Scenario
from web.access import navigator_page

PLOT_TITLES = {
    "weekly": "New consults within 72 hours, by week of referral",
    "lead_times": "Time from referral to consult",
    "utilization": "Clinician utilization by specialty",
    "board": "Board cases per meeting",
    "mri_load": "MRI scans the surveillance plans call for, week by week",
}


def _sessions(text: str) -> tuple[whatif.SessionChange, ...]:
    return (whatif.parse_session(text),) if text else ()


@navigator_page
@require_http_methods(["GET", "POST"])
def simulator(request):
    form = SimulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scenario = Scenario(
            first_day=services.next_monday(timezone.now(), selectors.clinic_zone()),
            weeks=data["weeks"],
            rate=data["rate"],
            seed=data["seed"],
            add_sessions=_sessions(data["add_session"]),
            remove_sessions=_sessions(data["remove_session"]),
            after_rate=data["after_rate"],
            board_capacity=data["board_capacity"],
        )
        run = services.simulation_start(scenario=scenario, by=request.user)
        return redirect("web:simulator:run", pk=run.pk)
    runs = SimulationRun.objects.select_related("created_by")[:10]
    status = 400 if request.method == "POST" else 200
    return render(request, "simulator/simulator.html", {"form": form, "runs": runs}, status=status)


def _run_context(run: SimulationRun) -> dict:
    document = run.report
    rows = []
    if document:
        specialties, resources = (
            report.booked_specialties(document),
            report.used_resources(document),
        )
        before = report.rows(document["before"], specialties, resources)
        after = (
            report.rows(document["after"], specialties, resources) if document["after"] else None
        )
        rows = [
            (label, value, after[i][1] if after else None)
            for i, (label, value) in enumerate(before)
        ]
    plots = [
        (name, PLOT_TITLES.get(name, name)) for name in run.plots.values_list("name", flat=True)
    ]
    return {"run": run, "document": document, "rows": rows, "plots": plots}


@navigator_page
def run(request, pk: int):
    found = get_object_or_404(SimulationRun, pk=pk)
    template = "simulator/_run.html" if request.htmx else "simulator/run.html"
    return render(request, template, _run_context(found))


@navigator_page
def plot(request, pk: int, name: str):
    found = SimulationPlot.objects.filter(run_id=pk, name=name).values_list("png", flat=True)
    if not found:
        raise Http404("No such plot.")
    response = HttpResponse(bytes(found[0]), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
