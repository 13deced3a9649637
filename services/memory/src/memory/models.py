"""Tables of the memory schema."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="memory")
inbox, outbox = messaging_tables(metadata)
