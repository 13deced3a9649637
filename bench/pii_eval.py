"""Precision and recall of PII redaction on a Faker-generated corpus plus hand-picked edge cases.

    uv run python -m bench.pii_eval [--samples 2000] [--seed 7] [--real DIR]

Recall: the share of labelled personal data left with no character unredacted ("fully
redacted"). Precision: the share of findings of a kind that overlap labelled data of that kind.
Look-alikes (order numbers, amounts, dates, numbers failing their checksum) must survive intact;
their survival rate is printed too. `PERSON_BARE` are names with no cue, which the offline
redactor is known to miss.

`--real DIR` also counts findings per kind in unlabelled real text (`documents.jsonl` and
`dev_tasks.jsonl` of the tau2 banking set: bank documents and customer personas) and prints
every name found there, for a precision check by eye.
"""

import argparse
import json
import time
from collections import Counter
from pathlib import Path

from support_core.redaction import Finding, Redactor
from tests.support.pii_corpus import EDGE_CASES, CorpusFactory, Sample


def covered(start: int, end: int, findings: list[Finding]) -> bool:
    """Whether every character of `[start, end)` is inside a finding."""
    return all(any(f.start <= i < f.end for f in findings) for i in range(start, end))


def overlaps(finding: Finding, sample: Sample, entity: str) -> bool:
    """Whether the finding overlaps labelled data of `entity`."""
    return any(e == entity and finding.start < b and a < finding.end for e, a, b in sample.pii)


def evaluate(redactor: Redactor, samples: list[Sample]) -> dict[str, Counter[str]]:
    """Counts per entity: labelled, fully redacted, findings, correct findings; look-alikes."""
    counts: dict[str, Counter[str]] = {}
    for sample in samples:
        findings = redactor.findings(sample.text)
        for entity, start, end in sample.pii:
            row = counts.setdefault(entity, Counter())
            row["labelled"] += 1
            row["redacted"] += covered(start, end, findings)
        for finding in findings:
            row = counts.setdefault(finding.entity.value, Counter())
            row["found"] += 1
            row["correct"] += overlaps(finding, sample, finding.entity.value)
        redacted, _ = redactor.redact(sample.text)
        looks = counts.setdefault("look-alikes", Counter())
        looks["labelled"] += len(sample.keep)
        looks["redacted"] += sum(value in redacted for value in sample.keep)
    return counts


def ratio(part: int, whole: int) -> str:
    """A share with three decimals, or a dash."""
    return f"{part / whole:.3f}" if whole else "-"


def real_text(redactor: Redactor, dataset: Path) -> None:
    """Findings per kind in the dataset's texts, and the names found, for a check by eye."""
    texts = [
        row.get("content") or row.get("query")
        for name in ("documents.jsonl", "dev_tasks.jsonl")
        for row in map(json.loads, (dataset / name).open())
    ]
    findings = [(text, f) for text in texts for f in redactor.findings(text)]
    kinds = Counter(f.entity.value for _, f in findings)
    print(f"real text: {len(texts)} texts, {sum(map(len, texts))} characters: {dict(kinds)}")
    for text, finding in findings:
        if finding.entity.value == "PERSON":
            print(f"  PERSON ...{text[max(0, finding.start - 25) : finding.end]!r}")


def main() -> None:
    """Generate the corpus, redact it, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real", type=Path, help="tau2 banking folder, for the real-text check")
    args = parser.parse_args()
    samples = CorpusFactory(args.seed).samples(args.samples) + list(EDGE_CASES)
    redactor = Redactor()
    started = time.perf_counter()
    counts = evaluate(redactor, samples)
    elapsed = time.perf_counter() - started
    print(f"{len(samples)} messages, {elapsed / len(samples) * 1000:.2f} ms per message")
    print(f"{'entity':<12} {'labelled':>8} {'recall':>7} {'found':>6} {'precision':>9}")
    for entity, row in sorted(counts.items()):
        if entity == "look-alikes":
            continue
        print(
            f"{entity:<12} {row['labelled']:>8} {ratio(row['redacted'], row['labelled']):>7}"
            f" {row['found']:>6} {ratio(row['correct'], row['found']):>9}"
        )
    looks = counts["look-alikes"]
    print(f"look-alikes kept intact: {looks['redacted']}/{looks['labelled']}")
    if args.real:
        real_text(redactor, args.real)


if __name__ == "__main__":
    main()
