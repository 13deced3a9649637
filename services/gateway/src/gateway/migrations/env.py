"""Alembic environment of the gateway schema."""

from gateway.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
