"""The issue's "done when" for the care clocks: one patient from referral through consult,
board (resection then radiosurgery), surgery and radiosurgery, every clock starting, going
at risk and stopping at the right moment, across the 8 March 2026 change to daylight
saving time (America/New_York)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from care.models import Treatment
from care.services import clocks_watch
from navigation.services import VisitRequest, appointment_book, appointment_set_status
from notifications.models import Alert
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def iso(value: str) -> datetime:
    return datetime.fromisoformat(value)


def clocks(client, referral) -> dict[str, dict]:
    response = client.get(f"/api/v1/referrals/{referral.pk}/clocks/")
    assert response.status_code == 200, response.json()
    return {clock["kind"]: clock for clock in response.json()}


def status(client, referral) -> dict[str, str]:
    return {kind: clock["status"] for kind, clock in clocks(client, referral).items()}


def test_it_runs_every_clock_from_referral_to_radiosurgery(
    board, center, nina, sam, as_navigator, pathologist_user
):
    as_sam = client_for(sam)
    with time_machine.travel(NOW, tick=False) as clock:  # Thu 5 Mar 09:00 EST
        referral = new_referral(new_patient(1), "routine", received_at=at(2026, 3, 3, 12))
        first = clocks(as_navigator, referral)
        assert list(first) == ["consult"]  # nothing after the consult has started yet
        assert iso(first["consult"]["due_at"]) == at(2026, 3, 6, 12)  # 72 hours
        assert first["consult"]["status"] == "on_track"
        clock.move_to(at(2026, 3, 5, 13))  # under 24 hours left, no consult
        assert status(as_navigator, referral) == {"consult": "at_risk"}

        # The consult: booked for Friday, so its clock stops; the board's needs a case.
        consult = appointment_book(
            patient=referral.patient,
            visit=VisitRequest(clinician=center.first("neurosurgery"), start=at(2026, 3, 6, 10)),
            by=nina,
            now=at(2026, 3, 5, 13),
            referral=referral,
            is_consult=True,
        )
        assert status(as_navigator, referral) == {"consult": "met"}

        clock.move_to(at(2026, 3, 6, 12))
        appointment_set_status(appointment=consult, status="completed", by=nina)
        [meeting] = as_navigator.get(f"/api/v1/board/meetings/?date={NEXT_TUESDAY}").json()[
            "results"
        ]
        case = as_navigator.post(
            "/api/v1/board/cases/",
            {
                "meeting": meeting["id"],
                "referral": referral.pk,
                "question": "Resection and cavity radiosurgery?",
                "imaging_available": True,
                "imaging_reviewed": True,
                "pathology": "confirmed",
            },
        ).json()
        board_clock = clocks(as_navigator, referral)["board"]
        assert iso(board_clock["started_at"]) == at(2026, 3, 6, 10)  # from the consult
        assert iso(board_clock["due_at"]) == at(2026, 3, 10, 7)  # the next open meeting
        assert board_clock["status"] == "on_track"

        # Monday after the change to EDT: under a third of the 92-hour window is left.
        clock.move_to(at(2026, 3, 9, 8))
        assert status(as_navigator, referral)["board"] == "at_risk"
        assert clocks_watch(now=at(2026, 3, 9, 8)) == 1

        # The board meets at 07:00 and sam signs at 07:30: resection, then radiosurgery.
        clock.move_to(at(2026, 3, 10, 7, 30))
        signed = as_sam.post(
            f"/api/v1/board/cases/{case['id']}/recommendation/",
            {
                "modalities": ["resection", "srs"],
                "intent": "local_control",
                "rationale": "A single large metastasis with mass effect.",
                "followup_weeks": 8,
                "followup_modality": "mri_brain",
                "disease_activity": "post_srs",
                "sign": True,
            },
        )
        assert signed.status_code == 201, signed.json()
        after_board = clocks(as_navigator, referral)
        assert iso(after_board["board"]["stopped_at"]) == at(2026, 3, 10, 7)  # discussed
        assert after_board["board"]["status"] == "met"
        board_alert = Alert.objects.get(kind="clock", dedupe_key__startswith="clock:board:")
        board_alert.refresh_from_db()
        assert board_alert.resolved_reason == "The case was discussed at the board."
        treatment = after_board["treatment"]
        assert iso(treatment["started_at"]) == at(2026, 3, 10, 7, 30)
        assert iso(treatment["due_at"]) == at(2026, 3, 24, 7, 30)  # 14 days
        assert iso(after_board["imaging"]["due_at"]) == at(2026, 5, 13)  # 8 weeks + grace
        assert after_board["imaging"]["status"] == "on_track"

        # A third of the 14 days left, and no treatment recorded: at risk, alerted once.
        clock.move_to(at(2026, 3, 19, 15))
        assert status(as_navigator, referral)["treatment"] == "on_track"
        clock.move_to(at(2026, 3, 19, 16))
        assert status(as_navigator, referral)["treatment"] == "at_risk"
        assert clocks_watch(now=at(2026, 3, 19, 16)) == 1
        assert clocks_watch(now=at(2026, 3, 19, 16, 5)) == 0

        # The resection happened elsewhere on the 16th and is recorded four days late:
        # the clock stops on the 16th, as if recorded on time, and its alert ends.
        clock.move_to(at(2026, 3, 20, 9))
        resection = as_navigator.post(
            "/api/v1/treatments/",
            {
                "recommendation": signed.json()["id"],
                "modality": "resection",
                "started_at": "2026-03-16T08:00:00-04:00",
                "performer": "St. Mary's neurosurgery",
            },
        )
        assert resection.status_code == 201, resection.json()
        after_surgery = clocks(as_navigator, referral)
        assert iso(after_surgery["treatment"]["stopped_at"]) == at(2026, 3, 16, 8)
        assert after_surgery["treatment"]["status"] == "met"
        treatment_alert = Alert.objects.get(dedupe_key__startswith="clock:treatment:")
        assert treatment_alert.resolved_reason == "Treatment started."
        postop = after_surgery["postop_srs"]
        assert (iso(postop["started_at"]), iso(postop["due_at"])) == (
            at(2026, 3, 16, 8),
            at(2026, 4, 15, 8),  # 30 days
        )

        # Bad input: nothing written, the field named.
        twice = as_navigator.post(
            "/api/v1/treatments/",
            {
                "recommendation": signed.json()["id"],
                "modality": "resection",
                "started_at": "2026-03-17T08:00:00-04:00",
            },
        )
        assert twice.status_code == 409
        assert "modality" in twice.json()["fields"]
        early = as_navigator.post(
            "/api/v1/treatments/",
            {
                "recommendation": signed.json()["id"],
                "modality": "srs",
                "started_at": "2026-03-09T08:00:00-04:00",
            },
        )
        assert early.status_code == 400
        assert "before the board's recommendation" in early.json()["fields"]["started_at"][0]
        assert Treatment.objects.count() == 1

        # Radiosurgery here: booked on 1 April, at risk on the 6th, stopped when done.
        clock.move_to(at(2026, 4, 1, 9))
        srs_visit = appointment_book(
            patient=referral.patient,
            visit=VisitRequest(
                clinician=center.first("radiation_oncology"), start=at(2026, 4, 6, 10)
            ),
            by=nina,
            now=at(2026, 4, 1, 9),
            referral=referral,
        )
        assert status(as_navigator, referral)["postop_srs"] == "on_track"
        clock.move_to(at(2026, 4, 6, 9))
        assert status(as_navigator, referral)["postop_srs"] == "at_risk"
        clock.move_to(at(2026, 4, 6, 11))
        appointment_set_status(appointment=srs_visit, status="completed", by=nina)
        done = as_sam.post(
            "/api/v1/treatments/",
            {
                "recommendation": signed.json()["id"],
                "modality": "srs",
                "appointment": srs_visit.pk,
            },
        )
        assert done.status_code == 201, done.json()
        final = clocks(as_navigator, referral)
        assert iso(final["postop_srs"]["stopped_at"]) == at(2026, 4, 6, 10)
        assert {kind: c["status"] for kind, c in final.items()} == {
            "consult": "met",
            "board": "met",
            "treatment": "met",
            "postop_srs": "met",
            "imaging": "on_track",
        }

        # Imaging: past its due day it is at risk (a week of grace left); the scan done
        # starts the next interval's clock from the day of the scan.
        clock.move_to(at(2026, 5, 6, 9))
        assert status(as_navigator, referral)["imaging"] == "at_risk"
        [plan] = as_navigator.get("/api/v1/surveillance-plans/").json()["results"]
        scanned = as_sam.post(
            f"/api/v1/surveillance-plans/{plan['id']}/results/",
            {"result": "stable", "scanned_on": "2026-05-06"},
        )
        assert scanned.status_code == 200, scanned.json()
        imaging = clocks(as_navigator, referral)["imaging"]
        assert iso(imaging["started_at"]) == at(2026, 5, 6)
        assert imaging["status"] == "on_track"


def test_only_staff_read_clocks_and_only_clinical_staff_record_treatments(
    board, as_alice, as_outsider, ada, alice
):
    referral = new_referral(alice, "routine")
    assert as_alice.get(f"/api/v1/referrals/{referral.pk}/clocks/").status_code == 403
    assert as_outsider.get("/api/v1/clocks/").status_code == 403
    as_admin = client_for(ada)
    assert as_admin.get(f"/api/v1/referrals/{referral.pk}/clocks/").status_code == 200
    refused = as_admin.post("/api/v1/treatments/", {"modality": "srs"})
    assert refused.status_code == 403
