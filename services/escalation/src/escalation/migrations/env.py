"""Alembic environment of the escalation schema."""

from escalation.models import metadata
from support_core.db import run_migrations_env

run_migrations_env(metadata)
