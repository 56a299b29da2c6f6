"""Putting cases on the board: bad input, readiness, the NOMS picture, and moves that
never lose a case's history."""

from datetime import timedelta

import pytest
import time_machine

from board.models import Meeting
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def tuesday(board, weeks: int = 0) -> Meeting:
    return Meeting.objects.get(series=board.series, date=NEXT_TUESDAY + timedelta(weeks=weeks))


def post_case(client, meeting, referral, **extra):
    body = {"meeting": meeting.pk, "referral": referral.pk, "question": "Surgery first?", **extra}
    return client.post("/api/v1/board/cases/", body)


def test_a_case_carries_its_noms_picture_from_the_referral(board, as_navigator):
    referral = new_referral(
        new_patient(1),
        "urgent",
        karnofsky=80,
        extraspinal_bone_mets=1,
        vertebral_mets=1,
        visceral_mets="none",
        frankel_grade="E",
    )
    response = post_case(as_navigator, tuesday(board), referral, comorbidities="diabetes")
    assert response.status_code == 201, response.json()
    case = response.json()
    assert case["urgency"] == "urgent"
    assert case["ready"] is False
    noms = case["noms"]
    assert noms["mechanical"]["sins"] == referral.sins_score == 11
    assert noms["mechanical"]["mechanical_pain"] is True
    assert noms["neurologic"]["bilsky_grade"] == "1b"
    assert noms["oncologic"]["radiosensitivity"] == "radioresistant"
    assert noms["systemic"]["tokuhashi"] == referral.tokuhashi().value
    assert noms["systemic"]["comorbidities"] == "diabetes"
    assert noms["suggestion"][0] == "Mechanical instability: stabilization, whatever the rest."


def test_a_specialist_can_put_a_case_on_the_board(board, as_specialist):
    response = post_case(as_specialist, tuesday(board), new_referral(new_patient(1)))
    assert response.status_code == 201


def test_a_case_on_a_cancelled_meeting_is_a_400(board, as_navigator):
    meeting = tuesday(board)
    as_navigator.post(f"/api/v1/board/meetings/{meeting.pk}/cancel/", {"reason": "Holiday"})
    response = post_case(as_navigator, meeting, new_referral(new_patient(1)))
    assert response.status_code == 400
    assert response.json()["code"] == "meeting_cancelled"
    assert "meeting" in response.json()["fields"]


def test_a_case_on_a_past_meeting_is_a_400(board, as_navigator, frozen):
    referral = new_referral(new_patient(1))
    frozen.move_to(tuesday(board).end + timedelta(hours=1))
    response = post_case(as_navigator, tuesday(board), referral)
    assert response.status_code == 400
    assert response.json()["code"] == "meeting_past"
    assert "meeting" in response.json()["fields"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"pathology": "waived"}, "pathology_waiver_reason"),
        ({"imaging_reviewed": True}, "imaging_reviewed"),
        ({"pathology": "lost"}, "pathology"),
        ({"urgency": "emergency"}, "urgency"),
        ({"question": ""}, "question"),
    ],
)
def test_bad_case_input_is_a_400_naming_the_field(board, as_navigator, extra, field):
    response = post_case(as_navigator, tuesday(board), new_referral(new_patient(1)), **extra)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_a_referral_of_another_patient_is_refused(board, as_navigator):
    referral = new_referral(new_patient(1))
    response = post_case(as_navigator, tuesday(board), referral, patient=new_patient(2).pk)
    assert response.status_code == 400
    assert response.json()["fields"] == {"referral": ["This referral is for another patient."]}


def test_pathology_waived_with_a_reason_makes_the_case_ready(board, as_navigator, sam):
    case = post_case(as_navigator, tuesday(board), new_referral(new_patient(1))).json()
    response = client_for(sam).patch(
        f"/api/v1/board/cases/{case['id']}/",
        {
            "imaging_available": True,
            "imaging_reviewed": True,
            "pathology": "waived",
            "pathology_waiver_reason": "Known metastatic renal cell carcinoma, biopsied 2025.",
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["ready"] is True
    assert response.json()["missing"] == []
    assert response.json()["imaging_reviewed_by"] == board.radiation_oncologist.pk


def test_moving_a_case_keeps_its_history_and_its_recommendation(board, as_navigator, sam):
    case = post_case(as_navigator, tuesday(board), new_referral(new_patient(1))).json()
    client_for(sam).post(
        f"/api/v1/board/cases/{case['id']}/recommendation/",
        {"modalities": ["observation"], "intent": "palliative", "rationale": "Stable."},
    )
    response = as_navigator.post(
        f"/api/v1/board/cases/{case['id']}/move/",
        {"meeting": tuesday(board, 2).pk, "reason": "Awaiting the MRI"},
    )
    assert response.status_code == 200
    moved = response.json()
    assert moved["meeting"] == tuesday(board, 2).pk
    assert moved["note"] == "Moved from Tue 10 Mar to Tue 24 Mar: Awaiting the MRI"
    assert [h["reason"] for h in moved["history"]] == ["submitted", "moved"]
    assert moved["recommendation_version"] == 1


def test_moving_to_a_cancelled_meeting_is_refused(board, as_navigator):
    case = post_case(as_navigator, tuesday(board), new_referral(new_patient(1))).json()
    target = tuesday(board, 1)
    as_navigator.post(f"/api/v1/board/meetings/{target.pk}/cancel/", {"reason": "Holiday"})
    response = as_navigator.post(f"/api/v1/board/cases/{case['id']}/move/", {"meeting": target.pk})
    assert response.status_code == 400
    assert response.json()["code"] == "meeting_cancelled"


def test_a_specialist_cannot_move_or_withdraw_a_case(board, as_navigator, as_specialist):
    case = post_case(as_navigator, tuesday(board), new_referral(new_patient(1))).json()
    move = {"meeting": tuesday(board, 1).pk}
    assert as_specialist.post(f"/api/v1/board/cases/{case['id']}/move/", move).status_code == 403
    assert as_specialist.post(f"/api/v1/board/cases/{case['id']}/withdraw/", {}).status_code == 403


def test_a_withdrawn_case_leaves_the_agenda_but_not_the_history(board, as_navigator):
    meeting = tuesday(board)
    case = post_case(as_navigator, meeting, new_referral(new_patient(1))).json()
    response = as_navigator.post(
        f"/api/v1/board/cases/{case['id']}/withdraw/", {"reason": "Patient declined"}
    )
    assert response.json()["status"] == "withdrawn"
    assert [h["reason"] for h in response.json()["history"]] == ["submitted", "withdrawn"]
    agenda = as_navigator.get(f"/api/v1/board/meetings/{meeting.pk}/agenda/").json()
    assert agenda["items"] == []
