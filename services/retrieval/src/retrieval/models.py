"""Tables of the retrieval schema."""

import sqlalchemy as sa

from support_core.messaging.store import messaging_tables

metadata = sa.MetaData(schema="retrieval")
inbox, outbox = messaging_tables(metadata)
