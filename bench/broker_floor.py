"""The raw aio-pika request/reply floor: one publish and one reply per request, nothing else."""

import asyncio
import time
import uuid

import aio_pika

from bench.stats import Summary, summarise


async def request_reply_floor(amqp_url: str, *, concurrency: int, requests: int) -> Summary:
    """Round trips through a responder on its own connection, `concurrency` in flight."""
    responder_conn = await aio_pika.connect_robust(amqp_url)
    client_conn = await aio_pika.connect_robust(amqp_url)
    async with responder_conn, client_conn:
        responder = await responder_conn.channel(publisher_confirms=True)
        await responder.set_qos(prefetch_count=64)
        request_queue = await responder.declare_queue(
            f"bench.floor.{uuid.uuid4().hex}", exclusive=True
        )

        async def respond(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            async with message.process():
                await responder.default_exchange.publish(
                    aio_pika.Message(message.body, correlation_id=message.correlation_id),
                    routing_key=str(message.reply_to),
                )

        await request_queue.consume(respond)
        client = await client_conn.channel(publisher_confirms=True)
        reply_queue = await client.declare_queue(exclusive=True)
        pending: dict[str, asyncio.Future[None]] = {}

        async def on_reply(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            future = pending.pop(str(message.correlation_id), None)
            if future is not None:
                future.set_result(None)
            await message.ack()

        await reply_queue.consume(on_reply)
        latencies: list[float] = []
        semaphore = asyncio.Semaphore(concurrency)

        async def one() -> None:
            async with semaphore:
                key = uuid.uuid4().hex
                pending[key] = asyncio.get_running_loop().create_future()
                started = time.perf_counter()
                await client.default_exchange.publish(
                    aio_pika.Message(b"{}", correlation_id=key, reply_to=reply_queue.name),
                    routing_key=request_queue.name,
                )
                await pending[key]
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        return summarise(
            f"aio-pika floor, {concurrency} in flight", latencies, time.perf_counter() - started
        )
