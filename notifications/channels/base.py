from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime


class DeliveryError(Exception):
    """The provider did not take the message. Permanent errors are not retried."""

    def __init__(self, reason: str, *, permanent: bool, opted_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        # The recipient opted out at the provider (Twilio 21610): a STOP for the number.
        self.opted_out = opted_out


@dataclass(frozen=True)
class Content:
    """What to send, rendered at send time from the current state of the visit."""

    body: str
    subject: str = ""
    attachments: tuple[tuple[str, bytes, str], ...] = field(default=())  # name, data, mimetype


class Channel(ABC):
    # Sends a worker may have in flight at once. More than one only for a channel whose
    # `find_sent` can tell which of them the provider took if the worker dies mid-batch
    # (and whose `send` may be called from several threads).
    concurrent_sends = 1

    @abstractmethod
    def send(self, *, to: str, content: Content, key: str) -> str:
        """Hand the message to the provider; return its id for the message."""

    def close(self) -> None:
        """The batch is done: let go of what was held open for it (a connection)."""
        return None

    def find_sent(self, *, to: str, body: str, since: datetime) -> str | None:
        """The provider's id of this exact message if it took it at or after `since`, for
        recovering a send whose worker died before recording the outcome; None when it
        cannot tell."""
        return None
