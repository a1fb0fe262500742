"""Provides the ``fresh-artifact`` detector: siblings that started together on an artifact still settling.

For each task that used shared storage, its **producer** is the latest writer of overlapping storage that
happens-before it. The consumers of one producer are chained by start (each within ``window`` seconds of the
previous, with no happens-before among them): a fan-out. Its members that started within ``settle`` seconds
of the producer's completion (or before it completed — clock skew, or a live view whose producer update has
not arrived yet) are fresh. Two or more fresh siblings are a finding: warning; critical when one of them
failed; info when their first step containers are known to have begun only after the artifact settled. A
single fresh consumer is a hot-handoff marker, and a critical finding only when it failed with an I/O-looking
message.
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from datetime import datetime

from tektonwatch.findings import Evidence, Finding, Handoff, Kind, Severity
from tektonwatch.racefacts import (
    RunFacts,
    evidence,
    has_failed,
    io_phrase,
    names,
    outcome_evidence,
    sec,
    trouble,
    where,
)
from tektonwatch.storage import Use, overlaps
from tektonwatch.timeline import TaskView

FIX_MANY = (
    "Make the consumers wait for the artifact: add a readiness check (file complete and readable) "
    "or serialise them with runAfter."
)
FIX_ONE = (
    "Make {row} wait for the artifact: add a readiness check (file complete and readable) before it reads it."
)

Group = list[Use]
_RANK = {"started": 0, "step-started": 1, "attempt-failed": 2, "failed": 3}  # evidence order within a second


def fresh_findings(facts: RunFacts) -> tuple[list[Finding], list[Handoff], list[frozenset[str]]]:
    """The run's fresh-artifact findings, its hot handoffs, and the co-consumer row sets judged here.

    The consumers of one producer are judged here, as fan-outs, fresh or not; their mutual overlap is not
    reported again pairwise. Tasks rarely declare ``readOnly``, so a pairwise rule would flag every parallel
    fan-out after a clone, and the same two pushes would be fine together 3 minutes after a build but an
    overlap when started 3 seconds apart.
    """
    found: list[Finding] = []
    handoffs: list[Handoff] = []
    consumers_of: list[frozenset[str]] = []
    for producer, consumers in _buckets(facts).items():
        consumers_of.append(frozenset([u.row for u in consumers]))
        for chain in _chains(facts, consumers):
            group = [u for u in chain if _fresh(facts, producer, u)]
            if len(group) > 1 or (group and io_phrase(facts.rows[group[0].row])):
                found.append(_finding(facts, producer, group))
            elif group:
                handoffs.extend(_handoff(facts, producer, group[0]))
    return found, handoffs, consumers_of


def _buckets(facts: RunFacts) -> dict[Use, Group]:
    """Started consumers by producer use, each row once per producer, in use order."""
    buckets: dict[Use, Group] = {}
    for use in facts.uses:
        producer = producer_of(facts, use)
        if producer is None:
            continue
        bucket = buckets.setdefault(producer, [])
        if use.row not in [u.row for u in bucket]:
            bucket.append(use)
    return buckets


def producer_of(facts: RunFacts, use: Use) -> Use | None:
    """The latest started writer of overlapping storage that happens-before ``use``'s task, if any: of the
    candidates, one that happens-before no other, the last to end (a tie goes to the greater row, then to the
    first in use order)."""
    if facts.starts[use.row] is None:
        return None
    before, row, path = facts.above[use.task], use.row, use.path
    writers: list[Use] = []
    shadowed: set[str] = set()  # the candidates that happen-before another candidate
    for w, above in facts.writers.get(use.storage, ()):
        if w.task in before and w.row != row and (not path or overlaps(w.path, path)):
            writers.append(w)
            shadowed |= above
    if len(writers) > 1:
        writers = [w for w in writers if w.task not in shadowed]
        if len(writers) > 1:
            return max(writers, key=lambda w: (facts.end_stamps[w.row], w.row))
    return writers[0] if writers else None


def _fresh(facts: RunFacts, producer: Use, use: Use) -> bool:
    """Started within ``settle`` seconds of the producer's completion, or before it completed."""
    done, started, end = facts.rows[producer.row], facts.start_secs[use.row], facts.end_secs[producer.row]
    if end is None:
        return not done.status.finished
    return started is not None and started - end <= facts.settings.settle


def _chains(facts: RunFacts, consumers: Group) -> list[Group]:
    """Consumers chained by start (each within ``window`` of the previous), unordered among themselves."""
    if len(consumers) == 1:
        return [list(consumers)]
    groups: list[Group] = []
    for use in sorted(consumers, key=lambda u: (facts.start_secs[u.row], u.row)):
        for group in reversed(groups):
            if _joins(facts, group, use):
                group.append(use)
                break
        else:
            groups.append([use])
    return groups


def _joins(facts: RunFacts, group: Group, use: Use) -> bool:
    gap = facts.start_secs[use.row] - facts.start_secs[group[-1].row]  # type: ignore[operator]
    if not gap <= facts.settings.window:
        return False
    before = facts.above[use.task]
    for u in group:
        if u.task in before or use.task in facts.above[u.task]:  # ordered with it
            return False
    return True


def _handoff(facts: RunFacts, producer: Use, use: Use) -> list[Handoff]:
    done, started = facts.rows[producer.row], facts.start(use)
    if done.end is None or started is None:
        return []
    return [
        Handoff(
            namespace=facts.namespace,
            pipeline_run=facts.name,
            producer=producer.row,
            consumer=use.row,
            storage=producer.storage,
            delta=(started - done.end).total_seconds(),
        )
    ]


def _finding(facts: RunFacts, producer: Use, group: Group) -> Finding:
    rows = [u.row for u in group]
    failed = tuple([r for r in rows if has_failed(facts.rows[r])])
    settled = settled_access(facts, producer, rows)
    return Finding(
        kind=Kind.FRESH_ARTIFACT,
        severity=Severity.CRITICAL if failed else Severity.INFO if settled else Severity.WARNING,
        namespace=facts.namespace,
        pipeline_run=facts.name,
        workspace=producer.workspace,
        storage=producer.storage,
        producer=producer.row,
        tasks=tuple(rows),
        failed=failed,
        message=_message(facts, producer, rows, settled and not failed),
        evidence=_evidence(facts, producer, rows, settled, failed),
    )


def settled_access(facts: RunFacts, producer: Use, rows: list[str]) -> bool:
    """True when every consumer's first step is known to have begun more than ``settle`` seconds after the
    producer completed: the TaskRuns fanned out at once, but the containers touched a settled artifact."""
    end = facts.end_secs[producer.row]
    if end is None:
        return False
    for row in rows:
        at = facts.step_access(row)
        if at is None or not at - end > facts.settings.settle:
            return False
    return True


def _evidence(
    facts: RunFacts, producer: Use, rows: list[str], settled: bool, failed: tuple[str, ...]
) -> tuple[Evidence, ...]:
    """The producer's completion (the reference, delta 0), each start, telling step starts, the failures (of
    the ``failed`` rows: the others have none)."""
    done = facts.rows[producer.row]
    ref, last = done.end, _last_step(done)
    head = _reference(producer.row, done)
    rest: list[Evidence] = []
    stepped = False
    for row in rows:
        rest.append(evidence(row, "started", facts.starts[row], ref))  # type: ignore[arg-type]
        step = facts.first_step(row) if settled else _early_step(facts, row, last)
        if step is not None:
            rest.append(evidence(row, "step-started", step[0], ref, step=step[1]))
            stepped = True
        if row in failed:
            rest.extend(outcome_evidence(row, facts.rows[row], ref))
    if last is not None and stepped:
        head.append(evidence(producer.row, "step-finished", last[1], ref, step=last[0]))
    rest.sort(key=lambda e: (e.time, _RANK.get(e.event, 9), e.task))
    return (*head, *rest)


def _reference(row: str, done: TaskView) -> list[Evidence]:
    """The producer's completion (delta 0); while it still runs, its start (no reference, no deltas)."""
    if done.end is not None:
        return [evidence(row, "completed", done.end, done.end)]
    return [evidence(row, "started", done.start, None)] if done.start is not None else []


def _last_step(task: TaskView) -> tuple[str, datetime] | None:
    """The name and end of the task's last step to finish (the latest; a tie goes to the greater name)."""
    last = None
    for s in task.steps:
        if s.finished is not None and (last is None or (s.finished, s.name) > last):
            last = (s.finished, s.name)
    return None if last is None else (last[1], last[0])


def _early_step(facts: RunFacts, row: str, last: tuple[str, datetime] | None) -> tuple[datetime, str] | None:
    """The consumer's first step, if it started before the producer's ``last`` step finished (node clocks)."""
    step = facts.first_step(row)
    if last is None or step is None or sec(step[0]) >= sec(last[1]):
        return None
    return step


def _message(facts: RunFacts, producer: Use, rows: list[str], settled: bool) -> str:
    """What happened (who started when, on what, who failed) and what would fix it."""
    done = facts.rows[producer.row]
    if settled:
        return _settled_message(facts, producer, rows)
    settling = (
        "while it may still have been settling"
        if done.end
        else f"while {producer.row} may still be writing it"
    )
    what = f"{names(rows)} started {_when(facts, producer, rows)}, reading {where(producer)} {settling}"
    clauses = trouble(facts, rows) + _step_clause(facts, producer, rows)
    fix = FIX_MANY if len(rows) > 1 else FIX_ONE.format(row=rows[0])
    return "; ".join([what, *clauses]) + ". " + fix


def _when(facts: RunFacts, producer: Use, rows: list[str]) -> str:
    """``0s after build completed``, ``0-2s after…``, ``1s before… (clock skew)``, ``before build …``."""
    end = facts.end_secs[producer.row]
    if end is None:
        return f"before {producer.row} completed"
    deltas = sorted({facts.start_secs[r] - end for r in rows})  # type: ignore[operator]
    lo, hi = deltas[0], deltas[-1]
    if lo == hi:
        side = "after" if lo >= 0 else "before"
        skew = " (clock skew)" if lo < 0 else ""
        return f"{abs(lo)}s {side} {producer.row} completed{skew}"
    if lo >= 0:
        return f"{lo}-{hi}s after {producer.row} completed"
    return f"{lo:+d}s to {hi:+d}s from {producer.row}'s completion (clock skew)"


def _step_clause(facts: RunFacts, producer: Use, rows: list[str]) -> list[str]:
    last = _last_step(facts.rows[producer.row])
    early = [r for r in rows if _early_step(facts, r, last) is not None]
    if not early:
        return []
    return [f"the first step of {names(early)} began before {producer.row}'s last step finished"]


def _settled_message(facts: RunFacts, producer: Use, rows: list[str]) -> str:
    end = facts.end_secs[producer.row]
    deltas = sorted({facts.step_access(r) - end for r in rows})  # type: ignore[operator]
    span = f"{deltas[0]}s" if len(deltas) == 1 else f"{deltas[0]}-{deltas[-1]}s"
    when = _when(facts, producer, rows)  # every consumer used the producer's storage
    return (
        f"{names(rows)} started {when} on {where(producer)}, but their first steps began {span} after it, "
        f"once it had settled, and nothing failed. To depend on more than timing, add a readiness check "
        f"(file complete and readable) or serialise them with runAfter."
    )
