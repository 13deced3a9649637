"""What the gateway's routes work with, built once the runtime has connected."""

from functools import cached_property

from gateway.agent_feed import AgentFeed
from gateway.feedback import AnswerRatings
from gateway.knowledge import KnowledgeDocuments
from gateway.ratelimit import RateLimit
from gateway.sessions import SessionStore
from gateway.settings import GatewaySettings
from gateway.tenants import TenantDirectory
from gateway.tokens import TokenIssuer
from gateway.websocket.admission import TurnAdmission
from gateway.websocket.connections import ConnectionHub
from gateway.websocket.socket_slots import SocketSlots
from support_core.frames import FrameEmitter
from support_core.runtime import ServiceRuntime
from support_core.session_stream import SessionStream


class Gateway:
    """The gateway's collaborators; each is created on first use, after startup."""

    def __init__(self, runtime: ServiceRuntime, settings: GatewaySettings) -> None:
        self.runtime = runtime
        self.settings = settings
        self.hub = ConnectionHub(runtime.metrics)
        self.instance_route = runtime.instance.route
        self.admission = TurnAdmission(
            settings.max_turns_in_flight, settings.turn_deadline_seconds, runtime.metrics
        )

    @cached_property
    def feed(self) -> AgentFeed:
        """Events for the agents' consoles."""
        runtime = self.runtime
        return AgentFeed(runtime.redis, runtime.keys, runtime.redis_guard)

    @cached_property
    def tenants(self) -> TenantDirectory:
        """Tenants and API keys."""
        return TenantDirectory(self.runtime.engine)

    @cached_property
    def tokens(self) -> TokenIssuer:
        """JWT issuer."""
        return TokenIssuer(
            self.settings.jwt_secret.get_secret_value(),
            ttl_seconds=self.settings.token_ttl_seconds,
        )

    @cached_property
    def sessions(self) -> SessionStore:
        """Chat sessions."""
        return SessionStore(
            self.runtime.redis,
            self.runtime.keys,
            self.runtime.redis_guard,
            ttl_seconds=self.settings.session_ttl_seconds,
        )

    @cached_property
    def message_limit(self) -> RateLimit:
        """Customer messages per session."""
        return self._rate_limit(self.settings.message_rate)

    @cached_property
    def session_limit(self) -> RateLimit:
        """New sessions per tenant."""
        return self._rate_limit(self.settings.session_rate)

    def _rate_limit(self, rate: str) -> RateLimit:
        runtime = self.runtime
        return RateLimit(
            rate, runtime.redis, runtime.redis_guard, key_prefix=f"{runtime.keys.prefix}:limits"
        )

    @cached_property
    def socket_slots(self) -> SocketSlots:
        """Open sockets per tenant, across instances."""
        return SocketSlots(
            self.runtime.redis,
            self.runtime.keys,
            self.runtime.redis_guard,
            limit=self.settings.max_sockets_per_tenant,
            instance=self.instance_route,
        )

    @cached_property
    def documents(self) -> KnowledgeDocuments:
        """Knowledge-base documents and their indexing status."""
        return KnowledgeDocuments(
            self.runtime.engine,
            self.runtime.outbox,
            max_bytes=self.settings.max_document_bytes,
        )

    @cached_property
    def ratings(self) -> AnswerRatings:
        """Customers' ratings of answers."""
        return AnswerRatings(self.runtime.outbox)

    @cached_property
    def frames(self) -> FrameEmitter:
        """Frames to clients, delivered locally when the socket is here."""
        return FrameEmitter(
            SessionStream(
                self.runtime.redis,
                self.runtime.keys,
                self.runtime.redis_guard,
                ttl=self.settings.session_ttl_seconds,
                holds_sockets=True,
            ),
            self.runtime.publisher,
            local_route=self.instance_route,
            local_notify=self.hub.notify,
        )

    async def reattach(self) -> None:
        """After an outage (Redis may have lost its data): say again which sockets are here."""
        for tenant_id, session_id in self.hub.sessions():
            await self.frames.stream.attach(tenant_id, session_id, self.instance_route)

    async def bootstrap(self) -> None:
        """Create the development tenant, if configured and not in production."""
        self.runtime.redis_guard.on_recovery(self.reattach)
        self.runtime.redis_guard.on_recovery(self.socket_slots.renew)
        self.runtime.background(self.socket_slots.renew_forever())
        if self.settings.demo_tenant and self.settings.environment != "production":
            await self.tenants.ensure(
                self.settings.demo_tenant,
                self.settings.demo_api_key.get_secret_value(),
                widget_key=self.settings.demo_widget_key,
            )
