"""Latency statistics printed by the benchmarks."""

import statistics
from dataclasses import dataclass


@dataclass(frozen=True)
class Summary:
    """Latency percentiles (ms) and throughput of one benchmark run."""

    label: str
    count: int
    p50_ms: float
    p99_ms: float
    per_second: float

    def row(self) -> str:
        """One aligned line of a results table."""
        return (
            f"{self.label:<34} n={self.count:<6} p50={self.p50_ms:8.2f} ms  "
            f"p99={self.p99_ms:8.2f} ms  {self.per_second:8.1f}/s"
        )


def summarise(label: str, latencies_s: list[float], wall_s: float) -> Summary:
    """Percentiles of `latencies_s` and the rate over `wall_s`."""
    ordered = sorted(latencies_s)
    p99_index = min(len(ordered) - 1, max(0, round(0.99 * len(ordered)) - 1))
    return Summary(
        label=label,
        count=len(ordered),
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[p99_index] * 1000,
        per_second=len(ordered) / wall_s,
    )
