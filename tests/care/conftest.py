"""The board's test world (a Tuesday board, sam signing as the radiation oncologist) and
the web pages' (a case on the 3 March board, Chromium), reused for the clocks that follow
the consult."""

from tests.board.conftest import (  # noqa: F401 - fixtures
    board,
    fast_passwords,
    pathologist_user,
)
from tests.web.conftest import board_case, meeting, radiation  # noqa: F401 - fixtures
from tests.web.test_browser import browser, context  # noqa: F401 - fixtures
