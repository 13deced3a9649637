"""Alembic environment of the memory schema."""

from memory.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
