"""HL7 v2 over MLLP: send, wait for the ACK (python-hl7's asyncio streams, `hl7.mllp`),
with timeouts, one message at a time on one connection per batch of the outbox (opened at
the batch's first SIU, closed after its last, or at the first fault: the next message
then opens a fresh one). The endpoint is `HL7_MLLP_ENDPOINT` (host:port).

Outcomes as the outbox knows them (`DeliveryError.permanent`):
- AA/CA: sent; the id returned is the message control id (MSH-10).
- AE/CE (application error), no answer, a closed or refused connection, a timeout:
  temporary; the outbox retries with backoff, the same MSH-10 every time, so a receiver
  that had taken it de-duplicates.
- AR/CR (application reject): permanent; the row is failed and the navigators alerted once.
"""

from __future__ import annotations

import asyncio

import hl7
from django.conf import settings
from django.db.models import Subquery
from hl7.mllp import open_hl7_connection

from interop.hl7v2 import ack_code
from notifications.channels.base import Channel, Content, DeliveryError


def endpoint() -> tuple[str, int]:
    """`HL7_MLLP_ENDPOINT` as (host, port); raises DeliveryError when unset or unreadable."""
    host, _, port = (settings.HL7_MLLP_ENDPOINT or "").rpartition(":")
    if not host or not port.isdigit():
        raise DeliveryError("HL7_MLLP_ENDPOINT is not host:port", permanent=False)
    return host, int(port)


async def _exchange(reader, writer, body: str, timeout: float) -> hl7.Message:
    writer.writemessage(body)
    await asyncio.wait_for(writer.drain(), timeout)
    return await asyncio.wait_for(reader.readmessage(), timeout)


def _check_order(key: str) -> None:
    """A visit's SIU messages go in the order of its changes: while an earlier one is still
    waiting (retried), this one waits too (a temporary failure, retried with backoff)."""
    from notifications.models import Message

    prefix = ":".join(key.split(":")[:2]) + ":"
    mine = Message.objects.filter(idempotency_key=key).values("pk")[:1]
    if Message.objects.filter(
        channel=Message.Channel.HL7,
        idempotency_key__startswith=prefix,
        pk__lt=Subquery(mine),
        status=Message.Status.PENDING,
    ).exists():
        raise DeliveryError(
            "an earlier message about this visit is not through yet", permanent=False
        )


class MLLPChannel(Channel):
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._open: tuple[tuple[str, int], object, object] | None = None  # where, reader, writer

    def _run(self, coroutine):
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(coroutine)

    async def _connection(self, where: tuple[str, int], timeout: float):
        if self._open is not None:
            opened, reader, writer = self._open
            await asyncio.sleep(0)  # let a hang-up the peer sent meanwhile be noticed
            if opened == where and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            self._drop()
        reader, writer = await asyncio.wait_for(open_hl7_connection(*where), timeout)
        self._open = (where, reader, writer)
        return reader, writer

    async def _send(self, where: tuple[str, int], body: str, timeout: float) -> hl7.Message:
        reader, writer = await self._connection(where, timeout)
        return await _exchange(reader, writer, body, timeout)

    def _drop(self) -> None:
        if self._open is not None:
            self._open[2].close()
            self._open = None

    def close(self) -> None:
        """End of the outbox batch: hang up (the receiver sees a clean close)."""
        self._drop()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.run_until_complete(asyncio.sleep(0))  # let the close go out
            self._loop.close()
        self._loop = None

    def send(self, *, to: str, content: Content, key: str) -> str:
        _check_order(key)
        message = hl7.parse(content.body)
        control_id = str(message.segment("MSH")[10])
        where = endpoint()
        timeout = settings.HL7_MLLP_TIMEOUT_SECONDS
        try:
            ack = self._run(self._send(where, content.body, timeout))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            self._drop()  # a fault: the next message opens a fresh connection
            raise DeliveryError(
                f"MLLP endpoint gave no acknowledgement ({type(exc).__name__})", permanent=False
            ) from None
        except Exception as exc:  # noqa: BLE001 - an unreadable reply: try again later
            self._drop()
            raise DeliveryError(
                f"MLLP reply unreadable ({type(exc).__name__})", permanent=False
            ) from None
        code, text = ack_code(ack)
        if code in ("AA", "CA"):
            return control_id
        reason = f"the receiver answered {code or 'no code'}" + (f": {text}" if text else "")
        raise DeliveryError(reason[:250], permanent=code in ("AR", "CR"))
