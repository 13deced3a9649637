"""Tenants and their API keys; keys are stored as SHA-256 hashes and shown once."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.models import api_keys, tenants

KeyRole = Literal["admin", "widget"]


@dataclass(frozen=True)
class ApiKeyOwner:
    """Who an API key belongs to."""

    tenant_id: str
    role: KeyRole


def hash_key(key: str) -> str:
    """Keys are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(key.encode()).hexdigest()


def slugify(name: str) -> str:
    """A tenant id from its name."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ValueError("tenant name needs at least one letter or digit")
    return slug[:64]


def new_key(tenant_id: str, role: KeyRole) -> str:
    """A fresh random key; the prefix tells operators what it is."""
    prefix = "sk" if role == "admin" else "pk"
    return f"{prefix}_{tenant_id}_{secrets.token_urlsafe(32)}"


class TenantDirectory:
    """Creates tenants and resolves API keys."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def create(
        self, name: str, *, admin_key: str | None = None
    ) -> tuple[str, dict[KeyRole, str]]:
        """Create a tenant with an admin and a widget key; return its id and the plain keys."""
        tenant_id = slugify(name)
        keys: dict[KeyRole, str] = {
            "admin": admin_key or new_key(tenant_id, "admin"),
            "widget": new_key(tenant_id, "widget"),
        }
        async with self._engine.begin() as conn:
            await conn.execute(tenants.insert().values(tenant_id=tenant_id, name=name))
            await conn.execute(
                api_keys.insert(),
                [
                    {"key_hash": hash_key(k), "tenant_id": tenant_id, "role": r, "label": r}
                    for r, k in keys.items()
                ],
            )
        return tenant_id, keys

    async def ensure(self, name: str, admin_key: str, *, widget_key: str) -> None:
        """Create the tenant with these keys unless they exist (development bootstrap)."""
        tenant_id = slugify(name)
        keys: dict[KeyRole, str] = {"admin": admin_key, "widget": widget_key}
        async with self._engine.begin() as conn:
            await conn.execute(
                insert(tenants).values(tenant_id=tenant_id, name=name).on_conflict_do_nothing()
            )
            await conn.execute(
                insert(api_keys).on_conflict_do_nothing(),
                [
                    {"key_hash": hash_key(k), "tenant_id": tenant_id, "role": r, "label": "demo"}
                    for r, k in keys.items()
                ],
            )

    async def resolve(self, key: str) -> ApiKeyOwner | None:
        """The owner of a valid, unrevoked key."""
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    sa.select(api_keys.c.tenant_id, api_keys.c.role).where(
                        api_keys.c.key_hash == hash_key(key), api_keys.c.revoked_at.is_(None)
                    )
                )
            ).first()
        return ApiKeyOwner(row.tenant_id, row.role) if row else None
