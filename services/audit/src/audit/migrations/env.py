"""Alembic environment of the audit schema."""

from audit.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
