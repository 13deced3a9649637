"""Tables of the escalation schema."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="escalation")
inbox, outbox = messaging_tables(metadata)
