"""Precision and recall of the escalation decision.

    uv run python -m bench.escalation_eval [--dataset ../shared/datasets/tau2_banking]

1. tau2 banking dev split: each task's `query` as the customer's opening message (turn 1, no
   low-confidence streak) against `expects_human_transfer`, with the default policy; on all
   tasks and on the odd and even halves.
2. The human-request rule alone on bench/data/human_request_wordings.jsonl (hand-written
   requests for a person and look-alikes that are not) and on
   bench/data/human_request_heldout.jsonl (written apart, after the rules, to check them):
   phrases only, classifier only, both. The classifier's threshold is chosen on the odd lines
   of the first file and reported on its even lines and on the held-out file.

Both call `Detectors` exactly as the escalation service does (`read_message` and `decide`);
the service adds only the stored policy, the per-session streaks and the ticket. The same
figures through the whole platform (a session and a WebSocket per question) come from
`support eval run` (docs/escalation.md).
"""

import argparse
import asyncio
import json
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from escalation.classifier import HumanRequestClassifier
from escalation.policy import EscalationPolicy
from escalation.rules import (
    FRUSTRATION,
    Detectors,
    Streaks,
    asks_for_human,
    candidate_requests,
    sentences_of,
)
from support_embeddings import Embedder, EmbeddingSettings

WORDINGS = Path(__file__).parent / "data" / "human_request_wordings.jsonl"
HELD_OUT = Path(__file__).parent / "data" / "human_request_heldout.jsonl"
RULES = {
    "human_request": {"human_request"},
    "sentiment": {"negative_sentiment"},
    "sensitive_topics": set(EscalationPolicy().sensitive_topics.topics),
}
THRESHOLDS = [round(0.30 + 0.025 * step, 3) for step in range(15)]


@dataclass
class Confusion:
    """Counts of a binary decision against labels."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, predicted: bool, expected: bool) -> None:
        """Count one decision."""
        if predicted and expected:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif expected:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        """Of the escalations, how many were right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        """Of the expected escalations, how many happened."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self, label: str) -> str:
        """One aligned line of a results table."""
        return (
            f"{label:<38} P={self.precision:.3f} R={self.recall:.3f} F1={self.f1:.3f}  "
            f"TP={self.tp} FP={self.fp} FN={self.fn} TN={self.tn}"
        )


async def tau2(
    detectors: Detectors, tasks: list[dict[str, object]], label: str, *, verbose: bool
) -> None:
    """The escalation decision on each task's opening message."""
    policy = EscalationPolicy()
    overall, fired = Confusion(), Counter[str]()
    per_reason: dict[str, Confusion] = {}
    without = {rule: Confusion() for rule in RULES}
    for task in tasks:
        scores = await detectors.read_message(policy, str(task["query"]))
        findings = detectors.decide(
            policy,
            scores,
            turn_index=1,
            streaks=Streaks(frustrated=int(FRUSTRATION in scores)),
        )
        expected = bool(task["expects_human_transfer"])
        overall.add(bool(findings.reasons), expected)
        fired.update(findings.reasons)
        for reason in findings.reasons:
            per_reason.setdefault(reason, Confusion()).add(True, expected)
        for signal in findings.signals:
            fired[f"{signal} (signal only)"] += 1
        for rule, codes in RULES.items():
            without[rule].add(bool(set(findings.reasons) - codes), expected)
        if verbose:
            print(f"  {task['id']}  expected={expected!s:<5} reasons={findings.reasons}")
    expecting = sum(task["expects_human_transfer"] is True for task in tasks)
    print(f"tau2 banking dev ({len(tasks)} tasks, {expecting} expect a transfer), {label}:")
    print(overall.row("  escalate (any rule)"))
    for reason, counts in sorted(per_reason.items()):
        print(f"  {reason:<22} fired {fired[reason]:>2}: {counts.tp} expected, {counts.fp} not")
    for signal, count in sorted(fired.items()):
        if signal.endswith("(signal only)"):
            print(f"  {signal:<36} {count:>2} (answered, priority raised if handed off)")
    for rule, counts in without.items():
        print(counts.row(f"  same, {rule} off"))


async def read_wordings(
    classifier: HumanRequestClassifier, path: Path
) -> list[tuple[bool, float, bool]]:
    """(phrase matched, classifier score, asks for a person) of each line of a wording file."""
    scored = []
    for row in (json.loads(line) for line in path.open()):
        sentences = sentences_of(row["text"])
        phrase = asks_for_human(sentences, [])
        score = await classifier.score(candidate_requests(sentences))
        scored.append((phrase, score, bool(row["asks_for_human"])))
    return scored


async def wordings(classifier: HumanRequestClassifier) -> None:
    """The human-request rule on hand-written wordings."""
    scored = await read_wordings(classifier, WORDINGS)
    held_out = await read_wordings(classifier, HELD_OUT)
    tune, test = scored[0::2], scored[1::2]

    def both(part: list[tuple[bool, float, bool]], threshold: float) -> Confusion:
        counts = Confusion()
        for phrase, score, expected in part:
            counts.add(phrase or score >= threshold, expected)
        return counts

    chosen = max(THRESHOLDS, key=lambda t: (both(tune, t).f1, t))
    default = EscalationPolicy().human_request.classifier_threshold
    print(f"\nhuman-request wordings ({len(scored)}: {sum(r[2] for r in scored)} requests):")
    print(f"  threshold chosen on the odd lines: {chosen} (policy default {default})")
    for label, part in (
        ("even lines", test),
        ("all lines", scored),
        (f"{HELD_OUT.name} ({len(held_out)}: {sum(r[2] for r in held_out)} requests)", held_out),
    ):
        print(f" {label}:")
        for threshold in sorted({chosen, default}):
            phrases, classifier_only = Confusion(), Confusion()
            for phrase, score, expected in part:
                phrases.add(phrase, expected)
                classifier_only.add(score >= threshold, expected)
            if threshold == min(chosen, default):
                print(phrases.row("  phrases only"))
            print(classifier_only.row(f"  classifier only (>= {threshold})"))
            print(both(part, threshold).row(f"  phrases + classifier (>= {threshold})"))


async def cost(detectors: Detectors, label: str) -> None:
    """Time to read one chat-length message."""
    texts = [json.loads(line)["text"] for line in WORDINGS.open()]
    policy = EscalationPolicy()
    for text in texts[:5]:
        await detectors.read_message(policy, text)
    timings = []
    for text in texts * 5:
        started = time.perf_counter()
        await detectors.read_message(policy, text)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    p50, p99 = statistics.median(timings), timings[int(0.99 * (len(timings) - 1))]
    print(
        f"reading a chat message, {label} ({len(timings)} runs): p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--dataset", type=Path, default=Path("../shared/datasets/tau2_banking"), help="folder"
    )
    parser.add_argument("--verbose", action="store_true", help="print each task's reasons")
    args = parser.parse_args()
    tasks = [json.loads(line) for line in (args.dataset / "dev_tasks.jsonl").open()]
    embedder = await asyncio.to_thread(Embedder, EmbeddingSettings())
    classifier = await asyncio.to_thread(HumanRequestClassifier, embedder)
    try:
        detectors = Detectors(classifier)
        await tau2(detectors, tasks, "default policy", verbose=args.verbose)
        for half, part in (("odd", tasks[0::2]), ("even", tasks[1::2])):
            print()
            await tau2(detectors, part, f"default policy, {half} tasks", verbose=False)
        print()
        await tau2(Detectors(), tasks, "default policy, phrases only", verbose=False)
        await wordings(classifier)
        print()
        await cost(Detectors(classifier), "with the classifier")
        await cost(Detectors(), "phrases, sentiment and topics only")
    finally:
        embedder.close()


if __name__ == "__main__":
    asyncio.run(main())
