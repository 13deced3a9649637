"""The customers' WebSocket: its route and protocol, this instance's sockets and their limits."""
