"""Recording a treatment from the referral page: a wrong date is refused naming the
field and writes nothing; a right one stops the clock as of the day it began."""

from datetime import datetime

import pytest
import time_machine

from board.services.recommendations import recommendation_create
from care.models import Treatment
from tests.web.conftest import NY, logged_in

pytestmark = pytest.mark.django_db


def test_a_navigator_records_surgery_done_elsewhere_from_the_referral_page(
    board_case, center, nina, sam
):
    recommendation_create(
        case=board_case,
        by=sam,
        now=datetime(2026, 3, 3, 7, 30, tzinfo=NY),
        sign=True,
        modalities=["resection", "srs"],
        intent="local_control",
        rationale="One large metastasis with mass effect.",
    )
    url = f"/referrals/{board_case.referral.pk}/"
    client = logged_in(nina)
    with time_machine.travel(datetime(2026, 3, 9, 9, tzinfo=NY), tick=False):
        form = {"modality": "resection", "performer": "St. Mary's"}
        early = client.post(f"{url}treatments/", {**form, "started_at": "2026-03-02T08:00"})
        assert early.status_code == 400
        assert "before the board&#x27;s recommendation" in early.content.decode()
        assert not Treatment.objects.exists()

        done = client.post(f"{url}treatments/", {**form, "started_at": "2026-03-05T08:00"})
        assert done.status_code == 302
        page = client.get(url).content.decode()
        assert "Recorded: surgery: resection." in page
        assert "Thu 5 Mar 2026, 08:00" in page  # the treatment clock stopped then
        assert 'id="clock-postop_srs"' in page
