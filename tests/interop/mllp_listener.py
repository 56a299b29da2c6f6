"""A real MLLP listener for tests: python-hl7's asyncio server in a thread of its own. It
parses every message it receives and answers as told: AA, AE or AR (an ACK built by
python-hl7 from the message), or "close" (it reads the message, then hangs up without
a reply, as a receiver that dies mid-exchange). It can be stopped and started again on
the same port."""

from __future__ import annotations

import asyncio
import socket
import threading

import hl7
from hl7.mllp import start_hl7_server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Listener:
    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.answer = "AA"
        self.received: list[hl7.Message] = []
        self.connections = 0  # how many the senders opened
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def control_ids(self) -> list[str]:
        return [str(m.segment("MSH")[10]) for m in self.received]

    async def _handle(self, reader, writer):
        self.connections += 1
        try:
            while not reader.at_eof():
                message = await reader.readmessage()
                self.received.append(message)
                if self.answer == "close":
                    break
                writer.writemessage(message.create_ack(ack_code=self.answer))
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            writer.close()

    def start(self) -> Listener:
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)

            async def serve():
                self._server = await start_hl7_server(
                    self._handle, "127.0.0.1", self.port, reuse_address=True
                )
                ready.set()

            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert ready.wait(5), "the MLLP listener did not start"
        return self

    def stop(self) -> None:
        if self._loop is None:
            return
        loop, server = self._loop, self._server

        async def shutdown():
            server.close()
            await server.wait_closed()
            loop.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), loop)
        self._thread.join(5)
        loop.close()
        self._loop = None
