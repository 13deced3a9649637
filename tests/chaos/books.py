"""The books after a fault: what the customers received, what memory and audit recorded, what
the broker holds, whether every queue is consumed again and the audit chain verifies."""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import asyncpg
import httpx

from gateway.settings import GatewaySettings
from gateway.tokens import Principal, TokenIssuer
from support_core.messaging.catalogue import BINDINGS, SERVICES
from tests.chaos.customers import Customer
from tests.support.infra import RunInfra


@dataclass
class Books:
    """Everything that must balance after a fault."""

    messages: int = 0
    lost: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)
    history_missing: list[str] = field(default_factory=list)
    history_twice: list[str] = field(default_factory=list)
    audit_missing: list[str] = field(default_factory=list)
    audit_twice: list[str] = field(default_factory=list)
    open_tickets_over_one: list[str] = field(default_factory=list)
    queued: dict[str, int] = field(default_factory=dict)
    unconsumed: list[str] = field(default_factory=list)
    chain_verified: bool = False
    longest_wait: float = 0.0
    turn_timeouts: int = 0

    @property
    def balanced(self) -> bool:
        """Nothing lost, nothing twice, nothing stuck, the chain intact."""
        return (
            not (
                self.lost
                or self.twice
                or self.history_missing
                or self.history_twice
                or self.audit_missing
                or self.audit_twice
                or self.open_tickets_over_one
                or self.queued
                or self.unconsumed
            )
            and self.chain_verified
        )

    def summary(self) -> dict[str, Any]:
        """What a report prints."""
        return {
            "messages": self.messages,
            "lost": len(self.lost),
            "twice": len(self.twice),
            "history missing/twice": (len(self.history_missing), len(self.history_twice)),
            "audit missing/twice": (len(self.audit_missing), len(self.audit_twice)),
            "sessions with >1 open ticket": len(self.open_tickets_over_one),
            "queued": self.queued,
            "unconsumed queues": self.unconsumed,
            "chain verified": self.chain_verified,
            "longest wait s": round(self.longest_wait, 1),
            "turn_timeout frames": self.turn_timeouts,
        }


async def settle(infra: RunInfra, *, timeout: float = 60) -> None:
    """Wait until every work queue is empty and consumed (events still flowing to memory and
    audit after the last answer)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        depths, consumers = await queue_states(infra)
        if not any(depths.values()) and all(consumers.values()):
            return
        await asyncio.sleep(0.5)


async def queue_states(infra: RunInfra) -> tuple[dict[str, int], dict[str, int]]:
    """Messages waiting and consumers of every catalogued work queue (parking excluded)."""
    depths: dict[str, int] = {}
    consumers: dict[str, int] = {}
    connection = await aio_pika.connect(infra.rabbitmq_url, timeout=10)
    async with connection:
        for binding in BINDINGS:
            channel = await connection.channel()
            try:
                queue = await channel.declare_queue(binding.queue, passive=True)
            except aio_pika.exceptions.ChannelClosed:
                depths[binding.queue], consumers[binding.queue] = -1, 0
                continue
            result = queue.declaration_result
            depths[binding.queue] = int(result.message_count or 0)
            consumers[binding.queue] = int(result.consumer_count or 0)
            await channel.close()
    return depths, consumers


async def parked(infra: RunInfra) -> dict[str, int]:
    """Messages in each service's parking queue."""
    found: dict[str, int] = {}
    connection = await aio_pika.connect(infra.rabbitmq_url, timeout=10)
    async with connection:
        for service in SERVICES:
            channel = await connection.channel()
            queue = await channel.declare_queue(f"{service}.parking", passive=True)
            found[service] = int(queue.declaration_result.message_count or 0)
            await channel.close()
    return found


async def count(crowd: list[Customer], infra: RunInfra, gateway_url: str) -> Books:
    """Balance the books of one run."""
    await settle(infra)
    books = Books()
    sessions = [c.session.session_id for c in crowd]
    conn = await asyncpg.connect(infra.database_url.replace("+asyncpg", ""))
    try:
        history = Counter(
            row["text"]
            for row in await conn.fetch(
                "SELECT text FROM memory.messages WHERE role = 'customer' "
                "AND session_id = ANY($1::text[])",
                sessions,
            )
        )
        audited = Counter(
            json.loads(row["payload"])["message_id"]
            for row in await conn.fetch(
                "SELECT payload FROM audit.records WHERE event_type = 'turn.completed' "
                "AND session_id = ANY($1::text[])",
                sessions,
            )
        )
        tickets = await conn.fetch(
            "SELECT session_id, count(*) AS open FROM escalation.tickets "
            "WHERE status <> 'resolved' AND session_id = ANY($1::text[]) GROUP BY session_id",
            sessions,
        )
    finally:
        await conn.close()
    for customer in crowd:
        books.turn_timeouts += customer.timeouts
        books.longest_wait = max([books.longest_wait, *customer.waits])
        for n, message_id in enumerate(customer.sent):
            books.messages += 1
            answers = len(customer.answer_turns(message_id))
            if answers == 0:
                books.lost.append(message_id)
            elif answers > 1:
                books.twice.append(message_id)
            text_tag = f"({customer.tag} #{n})"
            recorded = sum(times for text, times in history.items() if text.endswith(text_tag))
            if recorded == 0:
                books.history_missing.append(message_id)
            elif recorded > 1:
                books.history_twice.append(message_id)
            if audited[message_id] == 0:
                books.audit_missing.append(message_id)
            elif audited[message_id] > 1:
                books.audit_twice.append(message_id)
    books.open_tickets_over_one = [row["session_id"] for row in tickets if row["open"] > 1]
    depths, consumers = await queue_states(infra)
    books.queued = {name: depth for name, depth in depths.items() if depth}
    books.unconsumed = [name for name, n in consumers.items() if n == 0]
    books.chain_verified = await chain_verifies(gateway_url)
    return books


async def chain_verifies(gateway_url: str) -> bool:
    """The demo tenant's audit chain, as an auditor checks it."""
    issuer = TokenIssuer(GatewaySettings().jwt_secret.get_secret_value(), ttl_seconds=600)
    token, _ = issuer.issue(Principal(tenant_id="demo", role="auditor", subject="chaos"))
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as http:
        response = await http.get("/v1/audit/verify", headers={"Authorization": f"Bearer {token}"})
    return response.status_code == 200 and bool(response.json()["ok"])
