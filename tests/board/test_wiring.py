"""How the board plugs into the rest: periodic tasks on the beat schedule, the demo, the
API schema, the clinician feed, and the letter through the outbox."""

from datetime import timedelta

import pytest
import time_machine
import vobject
from django.conf import settings
from django.core import mail

from board.invites import feed_events
from board.models import Case, Meeting, Series
from board.services.cases import case_submit
from notifications import invites
from notifications import services as notification_services
from notifications.models import Message
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for
from tumorboard.celery import app
from tumorboard.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def test_the_periodic_tasks_are_registered_and_scheduled():
    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("generate_meetings", "alert_unready_cases", "run_surveillance"):
        assert f"board.tasks.{name}" in app.tasks
        assert f"board.tasks.{name}" in scheduled


def test_the_demo_has_a_board_with_cases_and_loads_once():
    load_demo(now=NOW)
    load_demo(now=NOW)
    assert Series.objects.count() == 1
    assert Meeting.objects.count() == 8
    first = Meeting.objects.get(date=NEXT_TUESDAY)
    assert Case.objects.filter(meeting=first).count() == 6
    ready = [case.readiness()[0] for case in Case.objects.all()]
    assert ready.count(True) == 1


def test_the_schema_documents_the_board(as_navigator):
    paths = as_navigator.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()[
        "paths"
    ]
    assert {
        "/api/v1/board/meetings/",
        "/api/v1/board/meetings/{id}/agenda/",
        "/api/v1/board/meetings/{id}/invite.ics",
        "/api/v1/board/cases/",
        "/api/v1/board/cases/{id}/recommendation/",
        "/api/v1/surveillance-plans/",
        "/api/v1/board/report/",
    } <= set(paths)


def test_a_member_s_feed_can_carry_the_meetings(board, center):
    member = center.first("medical_oncology")
    # as the clinician's feed gets them: handed over by the board at start-up
    assert feed_events in invites.FEED_SOURCES
    body = invites.feed(invites.other_events(member, now=NOW), name="Dr. Meg", now=NOW).decode()
    calendar = vobject.readOne(body)
    starts = [event.dtstart.value.date() for event in calendar.vevent_list]
    assert starts == [NEXT_TUESDAY + timedelta(weeks=w) for w in range(8)]


def test_the_letter_goes_out_through_the_outbox(board, sam, settings):
    """The real path: the signature's outbox row, the dispatcher, the send, the email."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    meeting = Meeting.objects.get(series=board.series, date=NEXT_TUESDAY)
    case = case_submit(
        meeting=meeting, referral=new_referral(new_patient(1)), question="?", by=None, now=NOW
    )
    client_for(sam).post(
        f"/api/v1/board/cases/{case.pk}/recommendation/",
        {
            "modalities": ["srs"],
            "intent": "local_control",
            "rationale": "One lesion.",
            "sign": True,
        },
    )
    ids = notification_services.dispatch_due(now=NOW)
    results = [notification_services.message_send(message_id=i, now=NOW) for i in ids]
    assert results == ["sent"]
    [email] = mail.outbox
    assert email.to == ["hpark@riverside.example"]
    assert "Treatment: radiosurgery (SRS)" in email.body
    assert Message.objects.get(template="board_letter").status == "sent"
