"""A gateway of its own for hostile input (with the services its routes ask)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from tests.support.infra import RunInfra, isolated
from tests.support.servers import ServiceProcess, start_service, wait_ready

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="package")
async def hostile_infra() -> AsyncIterator[RunInfra]:
    async with isolated() as infra:
        yield infra


@pytest.fixture(scope="package")
async def gateway(
    hostile_infra: RunInfra, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[ServiceProcess]:
    """The gateway in test mode (its echo route on), as its own process."""
    async with running_gateway(hostile_infra, tmp_path_factory) as process:
        yield process


@asynccontextmanager
async def running_gateway(
    infra: RunInfra, tmp_path_factory: pytest.TempPathFactory, **env: str
) -> AsyncIterator[ServiceProcess]:
    """A gateway process on `infra`, ready, stopped afterwards."""
    logs: Path = tmp_path_factory.mktemp("hostile")
    process = start_service("gateway", infra.env(), logs, **env)
    try:
        await wait_ready(process.base_url, timeout=90)
        yield process
    finally:
        process.terminate()
