"""Answer generators, chosen by `ORCHESTRATOR_GENERATOR`."""
