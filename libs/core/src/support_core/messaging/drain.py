"""Stop consuming without stranding messages: cancel first, then let in-flight handlers finish."""

import asyncio
import logging
from collections.abc import Iterable

from faststream.rabbit.subscriber.usecase import RabbitSubscriber

log = logging.getLogger(__name__)

SETTLE_SECONDS = 0.1
"""Deliveries the broker sent just before cancel-ok are a few task hops from their handler."""


async def drain(subscribers: Iterable[RabbitSubscriber]) -> None:
    """Stop these consumers together; each waits up to the broker's graceful timeout.

    A consumer that cannot be stopped cleanly (the broker is gone) is logged and skipped: its
    unacknowledged messages return to the queue when the connection closes.
    """
    subscribers = list(subscribers)
    results = await asyncio.gather(*(_drain_one(s) for s in subscribers), return_exceptions=True)
    for subscriber, result in zip(subscribers, results, strict=True):
        if isinstance(result, Exception):
            log.warning("stopping %s failed", subscriber.queue.name, exc_info=result)


async def _drain_one(subscriber: RabbitSubscriber) -> None:
    # FastStream's stop() stops handling before it cancels the consumer, so whatever the broker
    # sends in between sits unacked until the channel closes and comes back with its delivery
    # count raised: quorum queues (RabbitMQ 3.x) count that toward the delivery limit, and a
    # few rolling restarts could park a healthy message. Cancelling first sends nothing more.
    queue, tag = subscriber._queue_obj, subscriber._consumer_tag
    if queue is not None and tag is not None and not queue.channel.is_closed:
        subscriber._consumer_tag = None
        await queue.cancel(tag)
        await asyncio.sleep(SETTLE_SECONDS)
    await subscriber.stop()
