"""HL7 v2 over MLLP: one connection per message, send, wait for the ACK (python-hl7's
asyncio streams, `hl7.mllp`), with timeouts. The endpoint is `HL7_MLLP_ENDPOINT`
(host:port).

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
from hl7.mllp import open_hl7_connection

from interop.hl7v2 import ack_code
from notifications.channels.base import Channel, Content, DeliveryError


def endpoint() -> tuple[str, int]:
    """`HL7_MLLP_ENDPOINT` as (host, port); raises DeliveryError when unset or unreadable."""
    host, _, port = (settings.HL7_MLLP_ENDPOINT or "").rpartition(":")
    if not host or not port.isdigit():
        raise DeliveryError("HL7_MLLP_ENDPOINT is not host:port", permanent=False)
    return host, int(port)


async def _exchange(host: str, port: int, body: str, timeout: float) -> hl7.Message:
    reader, writer = await asyncio.wait_for(open_hl7_connection(host, port), timeout)
    try:
        writer.writemessage(body)
        await asyncio.wait_for(writer.drain(), timeout)
        return await asyncio.wait_for(reader.readmessage(), timeout)
    finally:
        writer.close()


def _check_order(key: str) -> None:
    """A visit's SIU messages go in the order of its changes: while an earlier one is still
    waiting (retried), this one waits too (a temporary failure, retried with backoff)."""
    from notifications.models import Message

    prefix = ":".join(key.split(":")[:2]) + ":"
    mine = Message.objects.filter(idempotency_key=key).values_list("pk", flat=True).first()
    if (
        mine is not None
        and Message.objects.filter(
            channel=Message.Channel.HL7,
            idempotency_key__startswith=prefix,
            pk__lt=mine,
            status=Message.Status.PENDING,
        ).exists()
    ):
        raise DeliveryError(
            "an earlier message about this visit is not through yet", permanent=False
        )


class MLLPChannel(Channel):
    def send(self, *, to: str, content: Content, key: str) -> str:
        _check_order(key)
        message = hl7.parse(content.body)
        control_id = str(message.segment("MSH")[10])
        host, port = endpoint()
        timeout = settings.HL7_MLLP_TIMEOUT_SECONDS
        try:
            ack = asyncio.run(_exchange(host, port, content.body, timeout))
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            raise DeliveryError(
                f"MLLP endpoint gave no acknowledgement ({type(exc).__name__})", permanent=False
            ) from None
        except Exception as exc:  # noqa: BLE001 - an unreadable reply: try again later
            raise DeliveryError(
                f"MLLP reply unreadable ({type(exc).__name__})", permanent=False
            ) from None
        code, text = ack_code(ack)
        if code in ("AA", "CA"):
            return control_id
        reason = f"the receiver answered {code or 'no code'}" + (f": {text}" if text else "")
        raise DeliveryError(reason[:250], permanent=code in ("AR", "CR"))
