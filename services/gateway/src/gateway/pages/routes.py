"""The web pages the gateway serves: the customer chat widget, the agent console and the admins'
analytics."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from gateway.deps import GatewayDep

WEB = Path(__file__).parent / "web"
router = APIRouter(include_in_schema=False)
static = StaticFiles(directory=WEB)


class WidgetConfig(BaseModel):
    """What the chat page needs when no key is given in its URL."""

    widget_key: str | None


@router.get("/")
async def chat_widget() -> FileResponse:
    """The customer chat widget."""
    return FileResponse(WEB / "index.html")


@router.get("/agent")
async def agent_console() -> FileResponse:
    """The agent console."""
    return FileResponse(WEB / "agent.html")


@router.get("/analytics")
async def analytics_page() -> FileResponse:
    """The admins' analytics."""
    return FileResponse(WEB / "analytics.html")


@router.get("/widget/config")
async def widget_config(gateway: GatewayDep) -> WidgetConfig:
    """The demo tenant's widget key outside production, so `/` works out of the box."""
    settings = gateway.settings
    demo = settings.demo_tenant and settings.environment != "production"
    return WidgetConfig(widget_key=settings.demo_widget_key if demo else None)
