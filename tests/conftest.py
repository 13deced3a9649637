"""Fixtures shared by all tests: one private vhost, database and Redis prefix per run."""

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.infra import RunInfra, isolated


@pytest.fixture(scope="session")
async def infra() -> AsyncIterator[RunInfra]:
    """This run's isolated resources; services created in-process pick them up from the env."""
    resources = RunInfra()
    await resources.create()
    saved = dict(os.environ)
    os.environ.update(resources.env())
    try:
        yield resources
    finally:
        os.environ.clear()
        os.environ.update(saved)
        await resources.destroy()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Where service processes write their logs."""
    yield tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="module")
async def module_infra() -> AsyncIterator[RunInfra]:
    """Private resources for a module that starts real services (so no other test's
    instances of the same service compete for its queues)."""
    async with isolated() as resources:
        yield resources


@pytest.fixture
async def private_infra() -> AsyncIterator[RunInfra]:
    """Private resources for one test."""
    async with isolated() as resources:
        yield resources
