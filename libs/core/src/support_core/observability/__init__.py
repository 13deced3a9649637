"""Logs, traces, metrics and health probes."""
