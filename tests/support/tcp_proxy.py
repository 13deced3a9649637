"""A TCP proxy between a service and a server that can cut, stall or slow the link.

`cut()` closes every connection and refuses new ones until `heal()`; `stall()` keeps the
connections open but forwards nothing (bytes wait, as behind a dead router) until `heal()`;
`delay(seconds)` adds latency to every chunk in both directions.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field

from tests.support.servers import free_port

CHUNK = 65536


@dataclass
class TcpProxy:
    """Listens on `port` and forwards to `target_host:target_port`."""

    target_host: str
    target_port: int
    port: int = field(default_factory=free_port)
    latency: float = 0.0
    _open: asyncio.Event = field(default_factory=asyncio.Event)
    _refusing: bool = False
    _server: asyncio.Server | None = None
    _links: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        """Start listening."""
        self._open.set()
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stop listening and drop every link."""
        if self._server is not None:
            self._server.close()
        await self._drop()
        if self._server is not None:
            await self._server.wait_closed()

    def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        self._refusing = True
        asyncio.ensure_future(self._drop())

    def stall(self) -> None:
        """Forward nothing, keeping connections open."""
        self._open.clear()

    def delay(self, seconds: float) -> None:
        """Add `seconds` of latency to every chunk."""
        self.latency = seconds

    def heal(self) -> None:
        """Forward normally again."""
        self._refusing = False
        self.latency = 0.0
        self._open.set()

    async def _drop(self) -> None:
        for writer in list(self._links):
            writer.transport.abort()  # both pipes of the link end at once

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._refusing:
            await _closed(writer)
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.target_host, self.target_port
            )
        except OSError:
            await _closed(writer)
            return
        self._links |= {writer, upstream_writer}
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
            )
        except (OSError, asyncio.IncompleteReadError, RuntimeError):
            pass
        finally:
            for end in (writer, upstream_writer):
                self._links.discard(end)
                await _closed(end)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(CHUNK):
            await self._open.wait()
            if self.latency:
                await asyncio.sleep(self.latency)
            writer.write(data)
            await writer.drain()
        writer.close()


async def _closed(writer: asyncio.StreamWriter) -> None:
    """Close a stream and wait for it (a cancelled link may still be closing)."""
    writer.close()
    with contextlib.suppress(Exception, asyncio.CancelledError):
        await writer.wait_closed()
