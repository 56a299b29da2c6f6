"""The agenda benchmark's loader and client, against a live server, in miniature."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rest_framework.authtoken.models import Token

from bench.board import bench_agenda, board_load
from tests.conftest import client_for


@pytest.mark.django_db(transaction=True)
def test_it_loads_a_40_case_meeting_and_times_its_agenda(live_server):
    loaded = board_load(now=datetime(2026, 3, 5, 9, tzinfo=ZoneInfo("America/New_York")))
    user = Token.objects.get(key=loaded.token).user
    agenda = client_for(user).get(f"/api/v1/board/meetings/{loaded.meeting_id}/agenda/").json()
    assert len(agenda["items"]) == 40
    assert agenda["quorum"]["quorate"] is True
    assert agenda["rolled_over"] == []
    figure = bench_agenda(live_server.url, loaded.token, loaded.meeting_id, requests=5)
    assert figure["name"] == "agenda_p95_ms" and figure["value"] > 0
