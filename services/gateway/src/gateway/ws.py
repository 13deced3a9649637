"""The customer's WebSocket: `/v1/sessions/{session_id}/stream`."""

import asyncio
import contextlib

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from contracts.frames import Error
from gateway.connections import ClientConnection
from gateway.deps import bearer
from gateway.protocol import ProtocolHandler
from gateway.service import Gateway
from gateway.sessions import ChatSession
from gateway.tokens import InvalidToken
from support_core.observability.context import log_context

router = APIRouter()
UNAUTHORIZED_CLOSE = 4401
TOO_MANY_SOCKETS_CLOSE = 4429
SOCKET_RETRY_SECONDS = 30.0


async def authenticate(websocket: WebSocket, gateway: Gateway, session_id: str) -> ChatSession:
    """The session a valid customer token grants, else raise `InvalidToken`."""
    token = websocket.query_params.get("token") or bearer(websocket.headers.get("authorization"))
    if not token:
        raise InvalidToken("no token")
    principal = gateway.tokens.verify(token)
    if principal.role != "customer" or principal.subject != session_id:
        raise InvalidToken("token is not for this session")
    vouched = ChatSession(session_id, principal.tenant_id, principal.customer_id)
    session = await gateway.sessions.get(principal.tenant_id, session_id, vouched=vouched)
    if session is None:
        raise InvalidToken("session expired")
    return session


@router.websocket("/v1/sessions/{session_id}/stream", name="session_stream")
async def session_stream(websocket: WebSocket, session_id: str) -> None:
    """Stream frames to a customer and take theirs (protocol: docs/websocket-protocol.md)."""
    gateway: Gateway = websocket.app.state.gateway
    await websocket.accept()
    try:
        session = await authenticate(websocket, gateway, session_id)
    except InvalidToken as exc:
        await refuse(websocket, Error(code="unauthorized", detail=str(exc)), UNAUTHORIZED_CLOSE)
        return
    slot = await gateway.socket_slots.take(session.tenant_id)
    if slot is None:
        limit = gateway.settings.max_sockets_per_tenant
        error = Error(
            code="rate_limited",
            detail=f"the tenant has {limit} connections open already",
            retry_after=SOCKET_RETRY_SECONDS,
        )
        await refuse(websocket, error, TOO_MANY_SOCKETS_CLOSE)
        return
    try:
        with log_context(tenant_id=session.tenant_id, session_id=session.session_id):
            await serve(websocket, gateway, session)
    finally:
        await gateway.socket_slots.give_back(session.tenant_id, slot)


async def refuse(websocket: WebSocket, error: Error, close_code: int) -> None:
    """Say why in an `error` frame (outside the session's stream), then close."""
    await websocket.send_text(orjson.dumps(error.model_dump()).decode())
    await websocket.close(code=close_code)


async def serve(websocket: WebSocket, gateway: Gateway, session: ChatSession) -> None:
    """Run the connection's writer and read client frames until it closes."""
    stream = gateway.frames.stream
    connection = ClientConnection(
        websocket,
        stream,
        tenant_id=session.tenant_id,
        session_id=session.session_id,
        send_timeout=gateway.settings.send_timeout_seconds,
    )
    handler = ProtocolHandler(
        connection,
        session,
        sessions=gateway.sessions,
        frames=gateway.frames,
        message_limit=gateway.message_limit,
        publisher=gateway.runtime.publisher,
        instance_route=gateway.instance_route,
        max_frame_bytes=gateway.settings.max_frame_bytes,
        tracer=gateway.runtime.tracer,
    )
    connection.cursor = await stream.latest_seq(session.tenant_id, session.session_id)
    gateway.hub.add(connection)
    await stream.attach(session.tenant_id, session.session_id, gateway.instance_route)
    writer = asyncio.create_task(connection.run_writer())
    try:
        while not connection.closed.is_set():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text") or message.get("bytes") or b""
            await handler.handle(raw)
    except WebSocketDisconnect:
        pass
    finally:
        writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await writer
        if gateway.hub.remove(connection):
            with contextlib.suppress(Exception):
                await stream.detach(session.tenant_id, session.session_id, gateway.instance_route)
