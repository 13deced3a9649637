"""The gateway's REST routes: sessions, customers, knowledge base, tokens, escalations, the
agents' live feed, audit, analytics and the API docs."""
