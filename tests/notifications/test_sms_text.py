"""Every SMS template renders, and every text fits one segment with the longest values."""

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from navigation.models import Appointment, Location
from notifications import services, sms_text
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


# --- any name, any language: one segment (issue 15, finding 1) ---------------------------

LANGUAGES = ("en", "es")
LINK = "https://scheduling.example-hospital.org/p/AbCdEfGhIj"


@pytest.mark.parametrize("name", ["Zoë", "Łucja", "Nguyễn", "Ana 🙂", "Þórunn", "Jürgen"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_it_writes_a_name_outside_gsm7_in_gsm7_and_keeps_one_segment(name, language):
    patient = Patient(first_name=name, mrn="X", birth_date=date(1950, 1, 1))
    place = Location(name="Pavilion B")
    visits = [Appointment(start=datetime(2026, 3, 9, 14, tzinfo=NY), location=place)]
    text = reminder_text(patient, visits, NY, LINK, language=language)
    assert sms_text.encoded(text).encoding == "GSM-7", text
    assert sms_text.encoded(text).segments == 1
    assert sms_text.gsm7(name).split()[0] in text


def test_it_transliterates_letters_and_drops_what_has_none():
    assert sms_text.gsm7("Zoë") == "Zoe"
    assert sms_text.gsm7("Łucja") == "Lucja"
    assert sms_text.gsm7("Nguyễn") == "Nguyen"
    assert sms_text.gsm7("Ana 🙂") == "Ana"
    assert sms_text.gsm7("Muñoz") == "Muñoz"  # GSM-7 has ñ: kept, no cost


names = st.text(min_size=0, max_size=60)


@hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(first_name=names, place=names, language=st.sampled_from(LANGUAGES), days=st.integers(1, 4))
def test_every_reminder_fits_one_segment_for_any_unicode_name(first_name, place, language, days):
    """Any name and place, in every language: one GSM-7 segment that keeps the time and
    the link (only the name and the places may go)."""
    patient = Patient(first_name=first_name, mrn="X", birth_date=date(1950, 1, 1))
    visits = [
        Appointment(
            start=datetime(2026, 12, 27 + day, 12, 55, tzinfo=NY), location=Location(name=place)
        )
        for day in range(days)
    ]
    text = reminder_text(patient, visits, NY, LINK, language=language)
    assert sms_text.encoded(text) == sms_text.Encoded("GSM-7", sms_text.encoded(text).units, 1)
    assert LINK in text
    assert services.short_when(visits[0].start, NY, language) in text


@hsettings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(center=names, language=st.sampled_from(LANGUAGES))
def test_every_keyword_reply_fits_one_segment_in_every_language(center, language):
    for template in (
        "confirmed",
        "help",
        "opted_in",
        "opted_out",
        "reschedule_requested",
        "unknown",
        "shared_phone",
    ):
        text = sms_text.render(
            template,
            {
                "center": sms_text.clip(center, sms_text.CENTER_LIMIT),
                "phone": "+16175550100",
                "when": "Wed 12/30 12:55pm",
            },
            language=language,
        )
        assert sms_text.encoded(text).encoding == "GSM-7", (template, text)
        assert sms_text.encoded(text).segments == 1, (template, language, text)
