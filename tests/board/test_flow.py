"""The issue's "done when", through the API: a navigator puts cases on next Tuesday's
board; the agenda orders them, flags unready ones and rolls over the excess; specialists
record attendance and sign; the letter and the tasks are in the outbox; a surveillance
plan books the next MRI at the right interval."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from board.tasks import run_surveillance
from navigation.models import Appointment
from notifications.models import Alert, Message
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def next_tuesday(client) -> dict:
    found = client.get(f"/api/v1/board/meetings/?date={NEXT_TUESDAY}").json()["results"]
    assert len(found) == 1
    return found[0]


def test_it_runs_a_board_from_the_case_list_to_the_next_mri(
    board, as_navigator, sam, pathologist_user, center, frozen
):
    meeting = next_tuesday(as_navigator)
    assert (
        as_navigator.patch(
            f"/api/v1/board/meetings/{meeting['id']}/", {"case_capacity": 3}
        ).status_code
        == 200
    )
    cases = {}
    for n, (urgency, ready) in enumerate(
        [("routine", True), ("urgent", True), ("emergency", False), ("routine", True)]
    ):
        referral = new_referral(new_patient(n), urgency)
        frozen.shift(60)
        response = as_navigator.post(
            "/api/v1/board/cases/",
            {
                "meeting": meeting["id"],
                "referral": referral.pk,
                "question": f"Case {n}: surgery or radiosurgery?",
                "imaging_available": ready,
                "imaging_reviewed": ready,
                "pathology": "confirmed" if ready else "pending",
            },
        )
        assert response.status_code == 201, response.json()
        cases[n] = response.json()

    agenda = as_navigator.get(f"/api/v1/board/meetings/{meeting['id']}/agenda/").json()
    items = agenda["items"]
    assert [i["urgency"] for i in items] == ["emergency", "urgent", "routine"]
    assert [i["case"] for i in items] == [cases[2]["id"], cases[1]["id"], cases[0]["id"]]
    assert [i["ready"] for i in items] == [False, True, True]
    assert "imaging not available" in items[0]["missing"]
    starts = [datetime.fromisoformat(i["planned_start"]).astimezone(NY) for i in items]
    assert [s.strftime("%H:%M") for s in starts] == ["07:00", "07:08", "07:16"]
    [rolled] = agenda["rolled_over"]
    assert rolled["case"] == cases[3]["id"]
    assert rolled["to_date"] == "2026-03-17"
    assert "over capacity" in rolled["note"]

    frozen.move_to(datetime(2026, 3, 10, 6, 55, tzinfo=NY))
    as_sam = client_for(sam)
    assert as_sam.get(f"/api/v1/board/meetings/{meeting['id']}/agenda/").status_code == 200
    attendance = as_sam.post(f"/api/v1/board/meetings/{meeting['id']}/attendance/", {}).json()
    assert attendance["quorum"]["quorate"] is False
    for specialty in ("neurosurgery", "medical_oncology", "neuroradiology"):
        as_navigator.post(
            f"/api/v1/board/meetings/{meeting['id']}/attendance/",
            {"clinician": center.first(specialty).pk},
        )
    quorum = as_sam.get(f"/api/v1/board/meetings/{meeting['id']}/attendance/").json()["quorum"]
    assert quorum == {
        "quorate": False,
        "missing": ["pathology"],
        "present": ["medical_oncology", "neuroradiology", "neurosurgery", "radiation_oncology"],
    }
    client_for(pathologist_user).post(f"/api/v1/board/meetings/{meeting['id']}/attendance/", {})
    assert as_sam.get(
        f"/api/v1/meetings/{meeting['id']}/".replace("/meetings", "/board/meetings")
    ).json()["quorum"]["quorate"]

    response = as_sam.post(
        f"/api/v1/board/cases/{cases[1]['id']}/recommendation/",
        {
            "modalities": ["srs"],
            "intent": "local_control",
            "rationale": "Radioresistant renal cell histology with low-grade compression.",
            "followup_weeks": 8,
            "followup_modality": "mri_spine",
            "disease_activity": "post_srs",
            "actions": [{"kind": "radiation_planning", "text": "SBRT planning CT"}],
            "sign": True,
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "signed"
    letter = Message.objects.get(template="board_letter")
    assert letter.to == "hpark@riverside.example"
    assert Alert.objects.filter(kind="board", text__contains="SBRT planning CT").exists()
    tasks = as_navigator.get("/api/v1/board/tasks/?status=open").json()["results"]
    assert [t["kind"] for t in tasks] == ["radiation_planning"]

    [plan] = as_navigator.get("/api/v1/surveillance-plans/").json()["results"]
    assert plan["next_due_on"] == "2026-05-05"  # 8 weeks after the board, across DST
    frozen.move_to(datetime(2026, 4, 14, 2, 0, tzinfo=NY))
    run_surveillance()
    mri = Appointment.objects.get(specialty="neuroradiology")
    assert mri.start.astimezone(NY) == datetime(2026, 5, 5, 8, 0, tzinfo=NY)
    assert Message.objects.filter(template="invite_request", patient=mri.patient).exists()
    assert date.fromisoformat(plan["next_due_on"]) == mri.start.astimezone(NY).date()
