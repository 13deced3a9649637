"""The operators' command line, `support`: tenants, keys and tokens, the knowledge base, parked
messages, the pre-launch evaluation, the topology."""
