"""The board's test world (a Tuesday board, sam signing as the radiation oncologist),
reused for the clocks that follow the consult."""

from tests.board.conftest import (  # noqa: F401 - fixtures
    board,
    fast_passwords,
    pathologist_user,
)
