"""The tumor board pages: meetings, the agenda (quorum, readiness, NOMS, check-in) and a
case's recommendation, drafted and signed."""

from datetime import datetime

import pytest

from board.models import Case, Recommendation, Task
from navigation.models import Clinician
from tests.web.conftest import BOARD_NOW, NY, frozen_at, logged_in, make_referral

pytestmark = pytest.mark.django_db


SIGNED = {
    "modalities": ["srs", "palliative_care"],
    "intent": "local_control",
    "rationale": "Two small lesions, good performance status.",
    "noms_neurologic": "intact",
    "noms_oncologic": "breast: moderately radiosensitive",
    "noms_mechanical": "no spine disease",
    "noms_systemic": "ECOG 1",
    "followup_modality": "mri_brain",
    "followup_weeks": "8",
    "actions": ["radiation_planning"],
}


@pytest.fixture(autouse=True)
def frozen():
    with frozen_at(BOARD_NOW) as traveller:
        yield traveller


def test_the_meetings_list_links_each_agenda(sam, meeting, board_case):
    html = logged_in(sam).get("/board/").content.decode()
    assert "<title>Tumor board meetings" in html
    assert f'href="/board/meetings/{meeting.pk}/"' in html and "1 of 10" in html


def test_the_agenda_shows_times_readiness_noms_and_the_quorum_banner(sam, meeting, board_case):
    html = logged_in(sam).get(f"/board/meetings/{meeting.pk}/").content.decode()
    assert "<title>Board agenda Tue 03 Mar" in html
    assert "Not quorate yet" in html and "neurosurgery or spine surgery" in html
    assert "07:00–07:08" in html and "Alice Archer" in html and "Radiosurgery or resection?" in html
    assert "Not ready" in html and "missing:" in html
    assert "Neurologic" in html and "breast" in html


def test_a_specialist_checks_in_and_the_banner_follows(sam, nina, meeting, board_case, radiation):
    client = logged_in(sam)
    response = client.post(f"/board/meetings/{meeting.pk}/attendance/", {"clinician": radiation.pk})
    assert response["Location"] == f"/board/meetings/{meeting.pk}/"
    html = client.get(response["Location"]).content.decode()
    assert "Dr. Ravi Shah is checked in" in html
    assert "Mark Dr. Ravi Shah absent" in html
    navigator = logged_in(nina)
    for name in ("Dr. Nora Reyes", "Dr. Meg Olsen", "MRI suite", "Dr. Ines Costa"):
        clinician = Clinician.objects.get(name=name)
        navigator.post(f"/board/meetings/{meeting.pk}/attendance/", {"clinician": clinician.pk})
    assert "Quorate" in client.get(f"/board/meetings/{meeting.pk}/").content.decode()


def test_check_in_opens_an_hour_before_the_start(sam, meeting, radiation, frozen):
    frozen.move_to(datetime(2026, 3, 3, 5, 30, tzinfo=NY))
    client = logged_in(sam)
    response = client.post(
        f"/board/meetings/{meeting.pk}/attendance/", {"clinician": radiation.pk}, follow=True
    )
    assert "recorded from an hour before the meeting starts" in response.content.decode()
    page = client.get(f"/board/meetings/{meeting.pk}/").content.decode()
    assert "Check-in opens Tue 03 Mar at 06:00 (EST), an hour before the meeting." in page
    assert "Check in Dr. Ravi Shah" not in page


def test_check_in_closes_when_the_meeting_ends(sam, meeting, radiation, frozen):
    assert (
        "Check in Dr. Ravi Shah"
        in logged_in(sam).get(f"/board/meetings/{meeting.pk}/").content.decode()
    )
    frozen.move_to(datetime(2026, 3, 3, 8, 31, tzinfo=NY))
    page = logged_in(sam).get(f"/board/meetings/{meeting.pk}/").content.decode()
    assert "The meeting has ended: check-in is closed." in page
    assert "Check in Dr. Ravi Shah" not in page


def test_signing_asks_first_and_says_quorum_is_missing(sam, meeting, board_case):
    client = logged_in(sam)
    response = client.post(f"/board/cases/{board_case.pk}/", {**SIGNED, "sign": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sign this recommendation?" in html and "Confirm and sign" in html
    assert "The board is not quorate:" in html and "neurosurgery or spine surgery" in html
    assert "Two small lesions, good performance status." in html  # what was typed is kept
    assert not Recommendation.objects.exists()
    client.post(f"/board/cases/{board_case.pk}/", {**SIGNED, "sign": "1", "confirm": "1"})
    assert Recommendation.objects.get(case=board_case).status == "signed"


def test_a_specialist_signs_the_recommendation_and_the_case_shows_it(sam, meeting, board_case):
    client = logged_in(sam)
    page = client.get(f"/board/cases/{board_case.pk}/").content.decode()
    assert "Write the recommendation" in page and "Sign the recommendation" in page
    assert 'name="noms_oncologic"' in page and "radiosensitive" in page
    response = client.post(
        f"/board/cases/{board_case.pk}/", {**SIGNED, "sign": "1", "confirm": "1"}
    )
    assert response.status_code == 302
    html = client.get(f"/board/cases/{board_case.pk}/").content.decode()
    assert "Recommendation version 1 signed." in html
    assert "Signed</span> by Dr. Ravi Shah" in html
    assert "radiosurgery (SRS); palliative care" in html
    assert "Write a new version" in html
    assert Task.objects.filter(case=board_case, kind="radiation_planning").exists()
    agenda = client.get(f"/board/meetings/{meeting.pk}/").content.decode()
    assert "Recommendation signed (v1)" in agenda


def test_a_navigator_drafts_and_only_a_specialist_signs(nina, sam, meeting, board_case):
    draft = logged_in(nina).get(f"/board/cases/{board_case.pk}/").content.decode()
    assert "Sign the recommendation" not in draft and "A specialist signs it." in draft
    logged_in(nina).post(f"/board/cases/{board_case.pk}/", SIGNED)
    rec = Recommendation.objects.get(case=board_case)
    assert rec.status == "draft"
    page = logged_in(sam).get(f"/board/cases/{board_case.pk}/").content.decode()
    assert "Change the draft (version 1)" in page
    logged_in(sam).post(f"/board/cases/{board_case.pk}/", {**SIGNED, "sign": "1", "confirm": "1"})
    rec.refresh_from_db()
    assert rec.status == "signed" and rec.version == 1


def test_a_recommendation_the_service_refuses_says_why(sam, meeting, board_case):
    response = logged_in(sam).post(
        f"/board/cases/{board_case.pk}/",
        {**SIGNED, "followup_weeks": "20", "sign": "1", "confirm": "1"},
    )
    assert response.status_code == 400
    assert "every 6 to 16 weeks, not 20" in response.content.decode()
    assert not Recommendation.objects.exists()


def test_a_navigator_puts_a_referral_on_the_board_from_its_page(nina, meeting, bob):
    referral = make_referral(bob, now=BOARD_NOW)
    client = logged_in(nina)
    page = client.get(f"/referrals/{referral.pk}/").content.decode()
    assert "Put this case on a meeting" in page and "Tue 03 Mar 07:00" in page
    empty = client.post(f"/referrals/{referral.pk}/board/", {"meeting": meeting.pk})
    assert empty.status_code == 400
    response = client.post(
        f"/referrals/{referral.pk}/board/",
        {"meeting": meeting.pk, "question": "SBRT?", "pathology": "pending"},
    )
    assert response.status_code == 302
    assert Case.objects.get(referral=referral).question == "SBRT?"
    assert "SBRT?" in client.get(f"/referrals/{referral.pk}/").content.decode()


def test_my_week_lists_my_board_meetings(sam, meeting, board_case):
    html = logged_in(sam).get("/me/week/").content.decode()
    assert "Brain &amp; spine tumor board" in html and "1 case" in html
    assert "0 clinic visits and 1 board meeting this week" in html


def test_the_dashboard_draws_cases_per_meeting(nina, meeting, board_case):
    html = logged_in(nina).get("/dashboard/").content.decode()
    assert html.count('<svg class="chart"') == 2
    assert "<title>3 Mar: 1</title>" in html


def test_patients_and_outsiders_cannot_open_the_board(alice, olivia, meeting):
    for user in (alice.user, olivia):
        assert logged_in(user).get(f"/board/meetings/{meeting.pk}/").status_code == 403
