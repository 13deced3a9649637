"""Rate limits when Redis is unreachable: the gateway fails open to limits kept per instance,
so customers are served (degraded) and a flood is still slowed down."""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import httpx
import websockets
from prometheus_client import CollectorRegistry
from redis.asyncio import Redis

from gateway.app import create_app
from gateway.settings import GatewaySettings
from gateway.websocket.socket_slots import SocketSlots
from support_core.degraded import RedisGuard
from support_core.redis import Keys
from support_core.settings import RedisSettings
from tests.support.client import DEMO_KEY
from tests.support.infra import RunInfra
from tests.support.servers import serve_app


@asynccontextmanager
async def customer_messages_queue(infra: RunInfra) -> AsyncIterator[None]:
    """Somebody listens for customer messages (the orchestrator is not part of this test)."""
    connection = await aio_pika.connect(infra.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind("support.events", routing_key="chat.message.received")
        yield


async def test_without_redis_each_instance_enforces_the_limits_itself(
    private_infra: RunInfra,
) -> None:
    connections = private_infra.settings() | {
        "redis": RedisSettings(url="redis://127.0.0.1:9/0", socket_timeout=0.5)
    }
    settings = GatewaySettings(
        session_rate="2 per 30 seconds",
        message_rate="1 per 30 seconds",
        max_sockets_per_tenant=1,
        **connections,
    )
    async with serve_app(create_app(settings)) as url, customer_messages_queue(private_infra):
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            created = [
                await http.post("/v1/sessions", json={}, headers={"X-API-Key": DEMO_KEY})
                for _ in range(3)
            ]
            assert [r.status_code for r in created] == [201, 201, 429]
            assert int(created[2].headers["Retry-After"]) > 0
            ready = (await http.get("/readyz")).json()
            assert ready["checks"]["redis"]["ok"] is False

        first, second = (r.json() for r in created[:2])
        stream = url.replace("http", "ws", 1) + "/v1/sessions/{}/stream?token={}"
        async with websockets.connect(stream.format(first["session_id"], first["token"])) as ws:
            for message_id in ("m1", "m2"):
                frame = {"type": "user_message", "client_message_id": message_id, "text": "hi"}
                await ws.send(json.dumps(frame))
            replies = [json.loads(await ws.recv()) for _ in range(2)]
            assert [r["type"] for r in replies] == ["ack", "error"]
            assert replies[1]["code"] == "rate_limited"

            async with websockets.connect(
                stream.format(second["session_id"], second["token"])
            ) as refused:
                frame = json.loads(await refused.recv())
                assert frame["code"] == "rate_limited"
                await refused.wait_closed()
            assert refused.close_code == 4429


async def test_renewing_leases_puts_back_the_sockets_redis_lost(infra: RunInfra) -> None:
    redis = Redis.from_url(infra.redis_url)
    metrics = CollectorRegistry()
    keys = Keys(f"{infra.name}:{uuid.uuid4().hex[:8]}")
    slots = SocketSlots(redis, keys, RedisGuard(redis, metrics), limit=2, instance="gw-1")
    try:
        held = [await slots.take("acme"), await slots.take("acme")]
        assert all(held) and await slots.take("acme") is None
        await redis.delete(keys.tenant("acme", "sockets"))  # e.g. Redis restarted empty
        assert await slots.take("acme") is not None  # a fresh Redis knows no sockets...
        await redis.delete(keys.tenant("acme", "sockets"))
        await slots.renew()  # ...until this instance's leases are renewed
        assert await redis.zcard(keys.tenant("acme", "sockets")) == 3
        assert await slots.take("acme") is None
    finally:
        await redis.delete(keys.tenant("acme", "sockets"))
        await redis.aclose()
