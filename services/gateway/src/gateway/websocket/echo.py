"""`/test/echo`: a WebSocket that sends back every message, served only when
`GATEWAY_ENVIRONMENT=test`, so a protocol-conformance suite (the Autobahn cases) can exercise
the gateway's WebSocket stack (uvicorn, wsproto, Starlette) as the real stream uses it."""

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

router = APIRouter(include_in_schema=False)


@router.websocket("/test/echo")
async def echo(websocket: WebSocket) -> None:
    """Echo text as text and bytes as bytes until the client closes."""
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            elif message.get("bytes") is not None:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:
        return
