"""A local server speaking the OpenAI chat-completions and Anthropic Messages streaming wire
formats, with scripted failures: errors, rate limits, dropped streams, hangs.

Each request takes the next behaviour from `FakeProvider.script` (then `default`); every request
is counted, so tests can tell whether a circuit breaker kept traffic away.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

Behaviour = Literal["ok", "error", "rate_limited", "drop", "hang", "stream_error"]
ANSWER = ["You can freeze ", "a lost card ", "in the app ", "and order ", "a new one [1]."]


@dataclass
class FakeProvider:
    """What the next requests will get, and how many came."""

    script: list[Behaviour] = field(default_factory=list)
    default: Behaviour = "ok"
    answer: list[str] = field(default_factory=lambda: list(ANSWER))
    requests: int = 0
    bodies: list[dict[str, object]] = field(default_factory=list)

    def next(self) -> Behaviour:
        self.requests += 1
        return self.script.pop(0) if self.script else self.default


def sse(event: str | None, data: object) -> bytes:
    """One server-sent event."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n".encode()


class Dropped(Exception):
    """Ends a response mid-stream without finishing it (the connection is cut)."""


async def openai_stream(behaviour: Behaviour, answer: list[str]) -> AsyncIterator[bytes]:
    created = int(time.time())
    base = {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": created,
        "model": "fake",
    }
    yield sse(
        None,
        base
        | {
            "choices": [
                {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
            ]
        },
    )
    for n, piece in enumerate(answer):
        if behaviour == "drop" and n == 2:
            raise Dropped
        yield sse(
            None,
            base | {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]},
        )
    yield sse(None, base | {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    yield b"data: [DONE]\n\n"


async def anthropic_stream(behaviour: Behaviour, answer: list[str]) -> AsyncIterator[bytes]:
    message = {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "fake",
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 1},
    }
    yield sse("message_start", {"type": "message_start", "message": message})
    yield sse(
        "content_block_start",
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    )
    yield sse("ping", {"type": "ping"})
    for n, piece in enumerate(answer):
        if n == 2 and behaviour == "drop":
            raise Dropped
        if n == 2 and behaviour == "stream_error":
            yield sse(
                "error",
                {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            )
            return
        yield sse(
            "content_block_delta",
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": piece},
            },
        )
    yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    yield sse(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": "end_turn", "stop_sequence": None},
            "usage": {"output_tokens": 12},
        },
    )
    yield sse("message_stop", {"type": "message_stop"})


def create_provider_app(provider: FakeProvider) -> FastAPI:
    """Routes of both providers on one app."""
    app = FastAPI()

    async def refuse(behaviour: Behaviour, kind: Literal["openai", "anthropic"]) -> Response | None:
        if behaviour == "hang":
            await asyncio.sleep(3600)
        if behaviour == "error":
            body = (
                {
                    "error": {
                        "message": "The server had an error",
                        "type": "server_error",
                        "code": None,
                    }
                }
                if kind == "openai"
                else {
                    "type": "error",
                    "error": {"type": "api_error", "message": "Internal server error"},
                }
            )
            return JSONResponse(body, status_code=500)
        if behaviour == "rate_limited":
            body = (
                {
                    "error": {
                        "message": "Rate limit reached",
                        "type": "requests",
                        "code": "rate_limit_exceeded",
                    }
                }
                if kind == "openai"
                else {
                    "type": "error",
                    "error": {"type": "rate_limit_error", "message": "Rate limited"},
                }
            )
            return JSONResponse(body, status_code=429, headers={"retry-after": "1"})
        return None

    @app.post("/v1/chat/completions")
    async def chat_completions(request: Request) -> Response:
        provider.bodies.append(await request.json())
        behaviour = provider.next()
        refused = await refuse(behaviour, "openai")
        return refused or StreamingResponse(
            openai_stream(behaviour, provider.answer), media_type="text/event-stream"
        )

    @app.post("/v1/messages")
    async def messages(request: Request) -> Response:
        provider.bodies.append(await request.json())
        behaviour = provider.next()
        refused = await refuse(behaviour, "anthropic")
        return refused or StreamingResponse(
            anthropic_stream(behaviour, provider.answer), media_type="text/event-stream"
        )

    return app
