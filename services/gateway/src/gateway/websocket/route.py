"""The customer's WebSocket: `/v1/sessions/{session_id}/stream`."""

import asyncio
import contextlib
import logging

import orjson
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from contracts.frames import Error
from gateway.deps import bearer
from gateway.service import Gateway
from gateway.sessions import ChatSession
from gateway.tokens import InvalidToken
from gateway.websocket.connections import ClientConnection
from gateway.websocket.protocol import ProtocolHandler
from gateway.websocket.turn_watch import ENDS_TURN, TurnWatch
from support_core.observability.context import log_context

router = APIRouter()
log = logging.getLogger(__name__)
UNAUTHORIZED_CLOSE = 4401
TOO_MANY_SOCKETS_CLOSE = 4429
SOCKET_RETRY_SECONDS = 30.0
BEARER_PROTOCOL = "bearer"


def offered_token(websocket: WebSocket) -> tuple[str | None, str | None]:
    """The client's token and the subprotocol to accept: a browser, which cannot set headers,
    offers `Sec-WebSocket-Protocol: bearer, <token>` (kept out of URLs and access logs); others
    use `Authorization: Bearer` or `?token=`."""
    offered: list[str] = websocket.scope.get("subprotocols") or []
    if BEARER_PROTOCOL in offered and offered.index(BEARER_PROTOCOL) + 1 < len(offered):
        return offered[offered.index(BEARER_PROTOCOL) + 1], BEARER_PROTOCOL
    token = websocket.query_params.get("token") or bearer(websocket.headers.get("authorization"))
    return token, None


async def authenticate(gateway: Gateway, session_id: str, token: str | None) -> ChatSession:
    """The session a valid customer token grants, else raise `InvalidToken`."""
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
    token, subprotocol = offered_token(websocket)
    await websocket.accept(subprotocol=subprotocol)
    try:
        session = await authenticate(gateway, session_id, token)
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
        ratings=gateway.ratings,
        feed=gateway.feed,
        message_limit=gateway.message_limit,
        admission=gateway.admission,
        publisher=gateway.runtime.publisher,
        instance_route=gateway.instance_route,
        max_frame_bytes=gateway.settings.max_frame_bytes,
        tracer=gateway.runtime.tracer,
    )

    async def turn_timed_out(turn_id: str, message_id: str | None) -> None:
        for ended in ENDS_TURN:  # a re-sent message whose turn had already finished
            if await stream.has_frame(
                session.tenant_id, session.session_id, ended, turn_id=turn_id
            ):
                return
        if await gateway.sessions.first_to_report(session, turn_id, "turn-timeout"):
            await handler.error(
                "turn_timeout",
                f"no progress for {deadline:.0f}s; the answer may still follow, and re-sending "
                "this message never starts a second turn",
                message_id,
                turn_id=turn_id,
            )

    async def look_again() -> None:
        connection.notify(await stream.latest_seq(session.tenant_id, session.session_id))

    deadline = gateway.settings.turn_deadline_seconds
    watch = TurnWatch(deadline, turn_timed_out, look_again)
    connection.observers += [watch.saw, gateway.admission.saw]
    connection.cursor = await stream.latest_seq(session.tenant_id, session.session_id)
    gateway.hub.add(connection)
    await stream.attach(session.tenant_id, session.session_id, gateway.instance_route)
    writer = asyncio.create_task(connection.run_writer())
    watcher = asyncio.create_task(watch.run())
    try:
        while not connection.closed.is_set():
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            raw = message.get("text") or message.get("bytes") or b""
            try:
                await handler.handle(raw)
            except Exception:
                # A bug must cost the client one frame, never the socket and the session.
                log.exception("a client frame could not be handled")
                await handler.error("internal", "the frame could not be handled")
    except WebSocketDisconnect:
        pass
    finally:
        for task in (writer, watcher):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if gateway.hub.remove(connection):
            with contextlib.suppress(Exception):
                await stream.detach(session.tenant_id, session.session_id, gateway.instance_route)
                if gateway.hub.holds(session.session_id):  # a socket came back meanwhile
                    await stream.attach(
                        session.tenant_id, session.session_id, gateway.instance_route
                    )
