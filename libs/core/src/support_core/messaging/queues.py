"""Each service reports its own queues: messages waiting and consumers, parking queue included,
so queue depth, a non-empty DLQ and a queue nobody consumes can be alerted on."""

import asyncio
import contextlib
import logging

import aio_pika
from prometheus_client import CollectorRegistry, Gauge

from support_core.messaging.topology import parking_queue

log = logging.getLogger(__name__)


class QueueMonitor:
    """Polls the broker for the depth and consumer count of the service's queues."""

    def __init__(
        self,
        url: str,
        service: str,
        queues: list[str],
        metrics: CollectorRegistry,
        *,
        interval: float = 15.0,
    ) -> None:
        self._url = url
        self._queues = [*queues, parking_queue(service).name]
        self._interval = interval
        self._messages = Gauge(
            "support_queue_messages", "Messages waiting in a queue", ["queue"], registry=metrics
        )
        self._consumers = Gauge(
            "support_queue_consumers", "Consumers attached to a queue", ["queue"], registry=metrics
        )

    async def poll_forever(self) -> None:
        """Refresh the gauges until cancelled (a broker outage just skips a round)."""
        while True:
            with contextlib.suppress(Exception):
                await self.poll()
            await asyncio.sleep(self._interval)

    async def poll(self) -> None:
        """Read every queue once."""
        connection = await aio_pika.connect(self._url, timeout=5)
        async with connection:
            for name in self._queues:
                channel = await connection.channel()
                try:
                    queue = await channel.declare_queue(name, passive=True)
                except aio_pika.exceptions.ChannelClosed:
                    continue  # not declared yet
                result = queue.declaration_result
                self._messages.labels(queue=name).set(result.message_count or 0)
                self._consumers.labels(queue=name).set(result.consumer_count or 0)
                await channel.close()
