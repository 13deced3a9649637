"""Redis client and key naming: every key carries the platform prefix and the tenant."""

from redis.asyncio import Redis

from support_core.settings import RedisSettings


def create_redis(settings: RedisSettings) -> Redis:
    """Build the client (connections open lazily)."""
    return Redis.from_url(
        settings.url.get_secret_value(),
        socket_timeout=settings.socket_timeout,
        socket_connect_timeout=settings.socket_timeout,
        health_check_interval=30,
    )


class Keys:
    """Key names; a session's keys share a hash tag so a Lua script may touch them together."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def session(self, tenant_id: str, session_id: str, part: str) -> str:
        """A key belonging to one session."""
        return f"{self.prefix}:{tenant_id}:session:{{{session_id}}}:{part}"

    def tenant(self, tenant_id: str, part: str) -> str:
        """A key belonging to one tenant."""
        return f"{self.prefix}:{tenant_id}:{part}"

    def platform(self, part: str) -> str:
        """A key shared by every tenant (circuit breakers, instance registry)."""
        return f"{self.prefix}:_:{part}"
