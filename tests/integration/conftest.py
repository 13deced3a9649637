"""Integration tests talk to the real RabbitMQ, PostgreSQL and Redis."""

import pytest

pytestmark = pytest.mark.integration
