"""Alembic environment of the retrieval schema."""

from retrieval.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
