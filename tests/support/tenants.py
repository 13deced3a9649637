"""Tenants and role tokens for tests, obtained the way operators and agents get them."""

import asyncio
import os
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.infra import RunInfra

SUPPORT_CLI = Path(sys.executable).with_name("support")


@dataclass(frozen=True)
class Tenant:
    """A tenant and the keys `support tenant create` printed for it."""

    tenant_id: str
    admin_key: str
    widget_key: str


async def new_tenant(infra: RunInfra, name: str | None = None) -> Tenant:
    """Create a tenant with `support tenant create` against the run's database."""
    name = name or f"tenant {uuid.uuid4().hex[:10]}"
    process = await asyncio.create_subprocess_exec(
        str(SUPPORT_CLI),
        "tenant",
        "create",
        name,
        env=os.environ | infra.env() | {"COLUMNS": "300"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output = (await process.communicate())[0].decode()
    assert process.returncode == 0, output
    tenant_id = re.search(r"tenant (\S+) created", output)
    admin = re.search(r"admin key:\s+(\S+)", output)
    widget = re.search(r"widget key:\s+(\S+)", output)
    assert tenant_id and admin and widget, output
    return Tenant(tenant_id[1], admin[1], widget[1])


async def role_token(
    base_url: str, admin_key: str, role: str, subject: str, **extra: object
) -> str:
    """A token for `role` issued by `POST /v1/tokens` with the tenant's admin key."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        response = await http.post(
            "/v1/tokens",
            json={"role": role, "subject": subject, **extra},
            headers={"X-API-Key": admin_key},
        )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token
