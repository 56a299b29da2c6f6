"""The board's recommendation: structured, signed by a specialist, then immutable (a
change is a new version keeping the old); the tasks and the letter it sets off."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from board.models import Meeting, Recommendation, Task
from board.services.cases import case_submit
from notifications.channels.email import EmailChannel
from notifications.models import Alert, Message
from notifications.services import render
from tests.board.conftest import NEXT_TUESDAY, NOW, new_patient, new_referral
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

GOOD = {
    "modalities": ["decompression_stabilization", "srs"],
    "intent": "local_control",
    "rationale": "Radioresistant renal cell carcinoma with high-grade compression: "
    "separation surgery, then SRS.",
    "actions": [
        {"kind": "surgical_consult", "text": "Dr. Kim, this week", "due_in_days": 3},
        {"kind": "radiation_planning"},
    ],
    "followup_weeks": 8,
    "followup_modality": "mri_spine",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def case(board):
    meeting = Meeting.objects.get(series=board.series, date=NEXT_TUESDAY)
    referral = new_referral(new_patient(1), "emergency")
    return case_submit(meeting=meeting, referral=referral, question="Surgery?", by=None, now=NOW)


@pytest.fixture
def as_sam(sam, board):
    return client_for(sam)


def url(case) -> str:
    return f"/api/v1/board/cases/{case.pk}/recommendation/"


def test_a_specialist_signs_and_the_tasks_and_letter_follow(case, as_sam, as_navigator):
    response = as_sam.post(url(case), {**GOOD, "sign": True})
    assert response.status_code == 201, response.json()
    rec = response.json()
    assert rec["version"] == 1 and rec["status"] == "signed"
    assert rec["signed_by_name"] == "Dr. Ravi Shah"
    assert rec["noms_mechanical"] == rec["noms"]["mechanical"]["summary"]
    tasks = {t["kind"]: t for t in rec["tasks"]}
    assert tasks["surgical_consult"]["specialty"] == "spine_surgery"
    assert tasks["surgical_consult"]["text"] == "book a surgical consult: Dr. Kim, this week"
    assert tasks["surgical_consult"]["due_at"].startswith("2026-03-08")
    assert tasks["radiation_planning"]["due_at"].startswith("2026-03-12")
    assert Alert.objects.filter(kind="board", text__contains="surgical consult").count() == 1
    letter = Message.objects.get(template="board_letter")
    assert (letter.channel, letter.to, letter.patient) == (
        "email",
        "hpark@riverside.example",
        case.patient,
    )
    assert as_navigator.get("/api/v1/notifications/?template=board_letter").json()["count"] == 1


def test_a_draft_is_signed_later(case, as_sam, as_navigator):
    assert as_navigator.post(url(case), GOOD).status_code == 201  # a navigator drafts
    assert Message.objects.filter(template="board_letter").count() == 0
    response = as_sam.post(url(case) + "sign/")
    assert response.status_code == 200
    assert response.json()["status"] == "signed"
    assert Task.objects.count() == 2


def test_a_signature_by_someone_who_is_not_a_specialist_is_a_400(case, as_navigator):
    as_navigator.post(url(case), GOOD)
    response = as_navigator.post(url(case) + "sign/")
    assert response.status_code == 400
    assert response.json()["code"] == "not_a_specialist"
    assert "signed_by" in response.json()["fields"]
    assert Recommendation.objects.get().status == "draft"


def test_a_specialist_login_without_a_clinician_cannot_sign(case):
    from tests.conftest import make_user

    response = client_for(make_user("sara", "specialist")).post(url(case), {**GOOD, "sign": True})
    assert response.status_code == 400
    assert response.json()["code"] == "not_a_specialist"
    assert Recommendation.objects.count() == 0  # nothing half-done


def test_editing_a_signed_recommendation_is_a_409(case, as_sam):
    as_sam.post(url(case), {**GOOD, "sign": True})
    response = as_sam.patch(url(case), {"rationale": "Changed my mind."})
    assert response.status_code == 409
    assert response.json()["code"] == "signed"
    assert as_sam.post(url(case) + "sign/").status_code == 409
    assert Recommendation.objects.get().rationale == GOOD["rationale"]


def test_a_change_is_a_new_version_that_keeps_the_old(case, as_sam):
    as_sam.post(url(case), {**GOOD, "sign": True})
    first_letter = Message.objects.get(template="board_letter")
    response = as_sam.post(
        url(case),
        {**GOOD, "modalities": ["conventional_ebrt"], "actions": [], "sign": True},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2
    assert [(v["version"], v["status"]) for v in body["versions"]] == [(2, "signed"), (1, "signed")]
    old = Recommendation.objects.get(version=1)
    assert old.modalities == GOOD["modalities"] and old.status == "signed"
    assert set(Task.objects.values_list("status", flat=True)) == {"cancelled"}
    assert Message.objects.filter(template="board_letter").count() == 2
    first_letter.refresh_from_db()  # the first letter, unsent, is replaced by the amended one
    assert first_letter.status == "cancelled"
    assert Message.objects.get(template="board_letter", status="pending").payload["version"] == 2


def test_a_second_draft_while_one_is_open_is_a_409(case, as_sam):
    as_sam.post(url(case), GOOD)
    response = as_sam.post(url(case), GOOD)
    assert response.status_code == 409
    assert response.json()["code"] == "draft_exists"
    assert as_sam.patch(url(case), {"intent": "palliative"}).json()["intent"] == "palliative"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"modalities": []}, "modalities"),
        ({"modalities": ["homeopathy"]}, "modalities.0"),
        ({"followup_weeks": 5}, "followup_weeks"),
        ({"followup_weeks": 17}, "followup_weeks"),
        ({"followup_modality": ""}, "followup_modality"),
        ({"intent": "hopeful"}, "intent"),
        ({"actions": [{"kind": "book_spa"}]}, "actions.0.kind"),
        ({"signed_by": 1}, "signed_by"),
    ],
)
def test_bad_recommendations_are_400s_naming_the_field(case, as_sam, change, field):
    response = as_sam.post(url(case), {**GOOD, **change})
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert Recommendation.objects.count() == 0


def test_no_modality_says_so_plainly(case, as_sam):
    response = as_sam.post(url(case), {**GOOD, "modalities": []})
    assert response.json()["message"] == "modalities: A recommendation names at least one modality."


def test_a_case_without_a_recommendation_is_a_404(case, as_sam):
    assert as_sam.get(url(case)).status_code == 404


def test_a_trial_referral_becomes_a_screening_task(case, as_sam):
    as_sam.post(
        url(case),
        {
            **GOOD,
            "actions": [],
            "clinical_trial_referral": True,
            "trial_name": "NCT0000001",
            "sign": True,
        },
    )
    [task] = Task.objects.all()
    assert task.kind == "trial_screening"
    assert "NCT0000001" in task.text


def test_without_the_oncologist_s_address_the_navigators_are_told(case, as_sam):
    case.referral.referring_email = ""
    case.referral.save()
    as_sam.post(url(case), {**GOOD, "sign": True})
    assert not Message.objects.filter(template="board_letter").exists()
    assert Alert.objects.filter(text__contains="No email address for Dr. Helen Park").exists()


def test_the_letter_names_the_decision_the_rationale_and_the_next_steps(case, as_sam, settings):
    as_sam.post(url(case), {**GOOD, "sign": True})
    content = render(Message.objects.get(template="board_letter"), now=NOW + timedelta(hours=1))
    assert "recommendation of Tuesday 10 March 2026" in content.subject
    assert "Pat1" not in content.subject
    body = content.body
    assert "Dear Dr. Helen Park," in body
    assert "Treatment: decompression and stabilization, radiosurgery (SRS)" in body
    assert "Rationale: Radioresistant renal cell carcinoma" in body
    assert "- book a surgical consult: Dr. Kim, this week (by Sun 08 Mar 2026)" in body
    assert "Follow-up imaging: MRI spine every 8 weeks" in body
    assert "Signed for the board by Dr. Ravi Shah, radiation oncology" in body
    names = [(name, mimetype) for name, _, mimetype in content.attachments]
    assert names == [
        ("recommendation.html", "text/html"),
        ("tumor-board-recommendation-v1.txt", "text/plain"),
    ]
    assert b"<strong>Pat1 Board</strong>" in content.attachments[0][1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailChannel().send(to="hpark@riverside.example", content=content, key="board_letter:1")
    assert mail.outbox[0].subject == content.subject


def test_a_navigator_closes_a_task(case, as_sam, as_navigator):
    as_sam.post(url(case), {**GOOD, "sign": True})
    task = Task.objects.filter(kind="radiation_planning").get()
    response = as_navigator.post(f"/api/v1/board/tasks/{task.pk}/done/", {"note": "Booked"})
    assert response.json()["status"] == "done"
    assert as_navigator.post(f"/api/v1/board/tasks/{task.pk}/done/", {}).status_code == 400
    open_tasks = as_navigator.get("/api/v1/board/tasks/?status=open").json()["results"]
    assert [t["kind"] for t in open_tasks] == ["surgical_consult"]
