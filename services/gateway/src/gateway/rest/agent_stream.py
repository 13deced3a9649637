"""The agents' live feed: `GET /v1/agent/events`, Server-Sent Events for an agent or admin."""

from collections.abc import AsyncIterator

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from gateway.deps import AgentOrAdmin, GatewayDep

router = APIRouter(prefix="/v1/agent", tags=["escalations"])


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`ticket` and `message` events of the tenant, as they happen",
        }
    },
)
async def agent_events(
    request: Request, staff: AgentOrAdmin, gateway: GatewayDep
) -> StreamingResponse:
    """Tickets opened, assigned or resolved (`event: ticket`, with `ticket_id`, `session_id`,
    `status`) and new messages (`event: message`, with `session_id`, `role`), for the consoles
    of the caller's tenant; a comment every 15 s keeps the stream open. Read what changed with
    the REST API. A console that reconnects re-reads its lists: nothing is replayed."""

    async def events() -> AsyncIterator[bytes]:
        yield b": connected\n\n"
        async for event in gateway.feed.follow(staff.tenant_id):
            if await request.is_disconnected():
                return
            if event is None:
                yield b": still here\n\n"
            else:
                yield (
                    b"event: "
                    + str(event["type"]).encode()
                    + b"\ndata: "
                    + orjson.dumps(event)
                    + b"\n\n"
                )

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
