"""Clinic set-up in the Django admin: an admin opens every list and add page of the
clinic's set-up; a navigator is sent to the admin's login instead."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client
from django.urls import reverse

from navigation.models import AvailabilityTemplate, ClinicHoliday, TimeOff

SET_UP = [
    "navigation_clinician",
    "navigation_location",
    "navigation_travelbuffer",
    "navigation_availabilitytemplate",
    "navigation_extrasession",
    "navigation_timeoff",
    "navigation_visittype",
    "navigation_clinicholiday",
    "board_series",
    "board_meeting",
    "patients_patient",
    "patients_referral",
]


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", SET_UP)
def test_it_lets_an_admin_open_the_list_and_add_page(model, ada, nina, center):
    client, navigator = logged_in(ada), logged_in(nina)
    for page in (f"admin:{model}_changelist", f"admin:{model}_add"):
        assert client.get(reverse(page)).status_code == 200, page
        refused = navigator.get(reverse(page))
        assert refused.status_code == 302, page
        assert refused["Location"].startswith(reverse("admin:login")), page


def test_it_shows_a_clinicians_sessions_and_time_off_on_their_page(ada, center):
    clinician = center.clinicians["Dr. Nora Reyes"]
    TimeOff.objects.create(
        clinician=clinician,
        start=datetime(2026, 3, 9, 13, tzinfo=UTC),
        end=datetime(2026, 3, 9, 21, tzinfo=UTC),
        reason="Neuro-oncology conference",
    )
    page = logged_in(ada).get(reverse("admin:navigation_clinician_change", args=[clinician.pk]))
    body = page.content.decode()
    assert "Neuro-oncology conference" in body
    assert body.count('name="templates-') > 0  # the five weekly sessions, inline
    assert AvailabilityTemplate.objects.filter(clinician=clinician).count() == 5
    assert 'value="08:00:00"' in body


def test_it_lists_travel_times_and_whole_center_holidays_in_plain_words(ada, center):
    ClinicHoliday.objects.create(date=date(2026, 7, 3), name="Independence Day (observed)")
    client = logged_in(ada)
    holidays = client.get(reverse("admin:navigation_clinicholiday_changelist")).content.decode()
    assert "Independence Day (observed)" in holidays
    assert "the whole center" in holidays
    travel = client.get(reverse("admin:navigation_travelbuffer_changelist")).content.decode()
    assert "Tower" in travel and "Pavilion" in travel and ">15<" in travel
