"""Async engine per service and Alembic migrations kept in the service's own schema."""

import asyncio
import zlib
from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from support_core.settings import DatabaseSettings


def create_engine(settings: DatabaseSettings) -> AsyncEngine:
    """Build the service's connection pool (connections open lazily)."""
    return create_async_engine(
        settings.url.get_secret_value(),
        pool_size=settings.pool_size,
        max_overflow=settings.max_overflow,
        # No pre-ping: it costs a round trip per checkout. A connection broken by a database
        # restart fails its statement; the message is retried and the pool replaces it.
        pool_recycle=1800,
    )


def alembic_config(script_location: Path, schema: str) -> Config:
    """Alembic configuration for one service; revision files are named by date and slug."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    config.attributes["schema"] = schema
    return config


async def migrate(engine: AsyncEngine, *, schema: str, script_location: Path) -> None:
    """Create the schema and upgrade it to head; replicas starting together take turns."""
    async with engine.begin() as conn:
        await conn.execute(sa.select(sa.func.pg_advisory_xact_lock(zlib.crc32(schema.encode()))))
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_upgrade, alembic_config(script_location, schema))


def _upgrade(connection: sa.Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def run_migrations_env(target_metadata: sa.MetaData) -> None:
    """Body of every service's `env.py`: online migrations on the shared or a new connection."""
    schema = context.config.attributes.get("schema") or target_metadata.schema
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection, target_metadata, schema)
        return
    asyncio.run(_run_standalone(target_metadata, schema))


async def _run_standalone(target_metadata: sa.MetaData, schema: str | None) -> None:
    engine = create_engine(DatabaseSettings())
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        await conn.run_sync(_run, target_metadata, schema)
    await engine.dispose()


def _run(connection: sa.Connection, target_metadata: sa.MetaData, schema: str | None) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table_schema=schema,
        include_schemas=True,
        include_name=lambda name, type_, _: type_ != "schema" or name == schema,
    )
    with context.begin_transaction():
        context.run_migrations()
