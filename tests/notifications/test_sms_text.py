"""Every SMS template renders, and every text fits one segment with the longest values."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from navigation.models import Appointment, Location
from notifications import sms_text
from notifications.services import reminder_text
from patients.models import Patient

NY = ZoneInfo("America/New_York")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "sms"


def test_gsm7_and_ucs2_segments_are_counted_as_carriers_do():
    assert sms_text.encoded("a" * 160) == sms_text.Encoded("GSM-7", 160, 1)
    assert sms_text.encoded("a" * 161).segments == 2
    assert sms_text.encoded("€" * 80).units == 160  # escaped characters count twice
    assert sms_text.encoded("€" * 81).segments == 2
    assert sms_text.encoded("é" * 160).encoding == "GSM-7"
    assert sms_text.encoded("ł" * 70) == sms_text.Encoded("UCS-2", 70, 1)
    assert sms_text.encoded("ł" * 71).segments == 2
    assert sms_text.encoded("😀" * 35).units == 70  # two UTF-16 units each


@pytest.mark.parametrize("template", sorted(p.stem for p in TEMPLATES.glob("*.txt")))
def test_every_template_renders_within_one_segment(template, settings):
    settings.CENTER_NAME = "Comprehensive Brain & Spine Center"
    context = {
        "center": settings.CENTER_NAME,
        "phone": settings.CENTER_PHONE,
        "first_name": "W" * 20,
        "when": "Wed 12/30 12:55pm",
        "more": 3,
        "link": "https://scheduling.example-hospital.org/p/AbCdEfGhIj",
        "visits": [{"when": "Wed 12/30 12:55pm", "place": "P" * 24}] * 2,
    }
    text = sms_text.render(template, context)
    assert text and "{" not in text
    if template != "reminder":  # the full reminder falls back to the short one: see below
        assert sms_text.encoded(text).segments == 1, (template, len(text), text)


@pytest.mark.django_db
def test_a_reminder_with_the_longest_names_and_places_fits_one_segment(settings):
    settings.SITE_URL = "https://scheduling.example-hospital.org"
    patient = Patient(
        first_name="Bartholomew-Maximilian " * 5, mrn="X", birth_date=date(1950, 1, 1)
    )
    place = Location(name="Ambulatory Care Pavilion, Floor 12, Suite 1200B " * 2)
    visits = [
        Appointment(start=datetime(2026, 12, 30, 12, 55, tzinfo=NY), location=place)
        for _ in range(4)
    ]
    text = reminder_text(patient, visits, NY, f"{settings.SITE_URL}/p/AbCdEfGhIj")
    assert sms_text.encoded(text).segments == 1
    assert text.startswith("Hi Bartholomew-Maxim")
    assert "/p/AbCdEfGhIj" in text


@pytest.mark.django_db
def test_a_text_is_plain_text_not_html(settings):
    """An apostrophe or an ampersand arrives as typed, never as an HTML entity."""
    patient = Patient(first_name="D'Arcy", mrn="X", birth_date=date(1950, 1, 1))
    place = Location(name="Smith & Jones Pavilion")
    visits = [Appointment(start=datetime(2026, 12, 30, 12, 55, tzinfo=NY), location=place)]
    text = reminder_text(patient, visits, NY, f"{settings.SITE_URL}/p/AbCdEfGhIj")
    assert text.startswith("Hi D'Arcy, reminder: Wed 12/30 12:55pm at Smith & Jones Pavilion.")


def test_no_template_mentions_a_diagnosis_or_a_specialty():
    words = (
        "cancer",
        "tumor",
        "tumour",
        "metasta",
        "oncolog",
        "radiation",
        "neuro",
        "spine",
        "brain",
        "surgery",
    )
    for path in [*TEMPLATES.glob("*.txt"), *(TEMPLATES.parent / "email").glob("*.txt")]:
        text = path.read_text().lower()
        assert not any(word in text for word in words), path.name
