"""Alembic environment of the orchestrator schema."""

from orchestrator.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
