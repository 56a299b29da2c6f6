"""A resource's visits ahead rely on what it is, where it is and (an interpreter) the
languages it covers: changing those under them is a 409 naming the field, as a delete
is; the admin says the same on the form. A new name is fine."""

from datetime import datetime

import pytest
from django.test import Client

from navigation.models import Resource
from tests.conftest import client_for
from tests.navigation import test_resources as resources

NY = resources.NY
# The scanner (Tower, 13:00-17:00 on weekdays), the Spanish interpreter, and the clock
# frozen on Friday 2026-03-06 18:45 New York, as in test_resources.
frozen = resources.frozen
scanner = resources.scanner
interpreter = resources.interpreter

pytestmark = pytest.mark.django_db

MONDAY_1PM = "2026-03-09T13:00:00-04:00"


def mri_for(client, patient, center, start=MONDAY_1PM):
    reader = center.first("neuroradiology")
    visit = {"clinician": reader.pk, "start": start}
    booked = client.post("/api/v1/itineraries/", {"patient": patient.pk, "visits": [visit]})
    assert booked.status_code == 201, booked.json()
    return booked.json()["appointments"][0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "room", "equipment": ""}, "kind"),
        ({"equipment": "mri_1_5t"}, "equipment"),
        ({"location": "pavilion"}, "location"),
        ({"active": False}, "active"),
    ],
)
def test_a_scanner_with_visits_ahead_keeps_its_kind_place_and_service(
    ada, as_navigator, center, alice, bob, scanner, change, field
):
    mri_for(as_navigator, alice, center)
    held = as_navigator.post(
        "/api/v1/holds/",
        {
            "patient": bob.pk,
            "visits": [
                {"clinician": center.first("neuroradiology").pk, "start": "2026-03-10T13:00-04:00"}
            ],
        },
    )
    assert held.status_code == 201, held.json()
    if "location" in change:
        change = {"location": center.pavilion.pk}
    refused = client_for(ada).patch(f"/api/v1/resources/{scanner.pk}/", change)
    assert refused.status_code == 409, refused.json()
    body = refused.json()
    assert body["code"] == "in_use"
    assert list(body["fields"]) == [field]
    assert body["visits"] == 2  # the booked MRI and the held one
    assert "MRI 3T-1 has 2 visits booked or held ahead" in body["message"]
    scanner.refresh_from_db()
    assert (scanner.kind, scanner.equipment, scanner.location, scanner.active) == (
        "equipment",
        "mri_3t",
        center.tower,
        True,
    )


def test_a_new_name_is_fine_and_so_is_any_change_once_its_visits_are_cancelled(
    ada, as_navigator, center, alice, scanner
):
    visit = mri_for(as_navigator, alice, center)
    admin = client_for(ada)
    renamed = admin.patch(f"/api/v1/resources/{scanner.pk}/", {"name": "MRI Tower 3T"})
    assert renamed.status_code == 200, renamed.json()
    assert as_navigator.post(f"/api/v1/appointments/{visit['id']}/cancel/").status_code == 200
    moved = admin.patch(f"/api/v1/resources/{scanner.pk}/", {"location": center.pavilion.pk})
    assert moved.status_code == 200, moved.json()


def test_visits_already_over_do_not_hold_a_resource_in_place(
    ada,
    as_navigator,
    center,
    alice,
    scanner,
    frozen,
):
    mri_for(as_navigator, alice, center)
    frozen.move_to(datetime(2026, 3, 9, 14, tzinfo=NY))  # the 13:00-13:45 MRI is over
    moved = client_for(ada).patch(
        f"/api/v1/resources/{scanner.pk}/", {"location": center.pavilion.pk}
    )
    assert moved.status_code == 200, moved.json()


def test_an_interpreter_keeps_the_language_a_booked_patient_needs(
    ada,
    as_navigator,
    center,
    alice,
    interpreter,
):
    alice.interpreter_language = "es-MX"
    alice.save()
    visit = {"clinician": center.first("neurosurgery").pk, "start": "2026-03-09T09:00-04:00"}
    booked = as_navigator.post("/api/v1/itineraries/", {"patient": alice.pk, "visits": [visit]})
    assert booked.status_code == 201, booked.json()
    admin = client_for(ada)
    url = f"/api/v1/resources/{interpreter.pk}/"
    refused = admin.patch(url, {"languages": ["fr"]}, format="json")
    assert refused.status_code == 409, refused.json()
    assert list(refused.json()["fields"]) == ["languages"]
    assert refused.json()["visits"] == 1
    assert "removing Spanish (es)" in refused.json()["message"]
    interpreter.refresh_from_db()
    assert interpreter.languages == ["es"]
    # Adding French, or keeping Spanish under another tag, leaves Alice covered.
    assert admin.patch(url, {"languages": ["es-ES", "fr"]}, format="json").status_code == 200


def test_the_admin_form_refuses_moving_a_booked_scanner_and_deactivating_it(
    ada, as_navigator, center, alice, scanner
):
    mri_for(as_navigator, alice, center)
    browser = Client()
    browser.force_login(ada)
    form = {
        "name": "MRI 3T-1",
        "kind": "equipment",
        "equipment": "mri_3t",
        "location": center.pavilion.pk,
        "languages": "",
        "active": "on",
    }
    for name in ("templates", "extra_sessions", "time_off"):
        form |= {f"{name}-TOTAL_FORMS": 0, f"{name}-INITIAL_FORMS": 0}
    url = f"/admin/navigation/resource/{scanner.pk}/change/"
    refused = browser.post(url, form)
    assert refused.status_code == 200
    assert "MRI 3T-1 has 1 visit booked or held ahead" in refused.content.decode()
    form["location"] = center.tower.pk
    del form["active"]
    refused = browser.post(url, form)
    assert refused.status_code == 200
    assert "deactivating it would leave them wrong" in refused.content.decode()
    scanner.refresh_from_db()
    assert (scanner.location, scanner.active) == (center.tower, True)
    form["name"] = "MRI Tower 3T"
    form["active"] = "on"
    assert browser.post(url, form).status_code == 302
    assert Resource.objects.get(pk=scanner.pk).name == "MRI Tower 3T"
