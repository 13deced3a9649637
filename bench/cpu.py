"""CPU time per process from /proc (Linux): the platform's services and the servers they use."""

import os
from dataclasses import dataclass, field
from pathlib import Path

SERVERS = {"rabbitmq": "beam.smp", "postgresql": "postgres", "redis": "redis-server"}
TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                tree.setdefault(int(_stat(int(entry.name))[1]), []).append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return tree


def _roots(command: str) -> list[int]:
    """Processes named `command` whose parent is not (the server's main processes)."""
    named = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    named.add(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return [pid for pid in named if int(_stat(pid)[1]) not in named]


def tree_seconds(pid: int, tree: dict[int, list[int]]) -> float:
    """CPU seconds of a process and its descendants, the exited ones included (as reaped)."""
    try:
        fields = _stat(pid)
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    own = sum(int(f) for f in fields[11:15]) / TICK
    return own + sum(tree_seconds(child, tree) for child in tree.get(pid, []))


@dataclass
class CpuMeter:
    """Reads the CPU seconds of named process trees; `since` gives what each used meanwhile."""

    pids: dict[str, int]
    start: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, services: dict[str, int]) -> "CpuMeter":
        """The services' processes and every server of SERVERS running on this machine."""
        servers = {name: _roots(command) for name, command in SERVERS.items()}
        pids = dict(services) | {name: roots[0] for name, roots in servers.items() if roots}
        return cls(pids)

    def read(self) -> dict[str, float]:
        """CPU seconds used so far by each process tree."""
        tree = _children()
        return {name: tree_seconds(pid, tree) for name, pid in self.pids.items()}

    def mark(self) -> None:
        """Start a measurement."""
        self.start = self.read()

    def since(self) -> dict[str, float]:
        """CPU seconds each process tree used since `mark`."""
        now = self.read()
        return {name: now[name] - self.start.get(name, 0.0) for name in now}


def per_turn_row(label: str, used: dict[str, float], turns: int) -> str:
    """CPU milliseconds per turn of each process and in all."""
    parts = [f"{name} {seconds * 1000 / turns:.1f}" for name, seconds in used.items()]
    total = sum(used.values()) * 1000 / turns
    return f"{label}: CPU ms per turn {total:.1f} = " + ", ".join(parts)
