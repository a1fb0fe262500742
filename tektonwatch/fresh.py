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
    access,
    evidence,
    first_start,
    has_failed,
    io_phrase,
    names,
    outcome_evidence,
    sec,
    stepped,
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
        consumers_of.append(frozenset(u.row for u in consumers))
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
        if all(u.row != use.row for u in bucket):
            bucket.append(use)
    return buckets


def producer_of(facts: RunFacts, use: Use) -> Use | None:
    """The latest started writer of overlapping storage that happens-before ``use``'s task, if any."""
    if facts.start(use) is None:
        return None
    writers = [
        w
        for w in facts.uses
        if w.writer
        and w.storage == use.storage
        and w.row != use.row
        and facts.order.before(w.task, use.task)
        and overlaps(w.path, use.path)
        and facts.start(w) is not None
    ]
    latest = [w for w in writers if not any(facts.order.before(w.task, o.task) for o in writers)]
    return max(latest, key=lambda w: (_end_key(facts.rows[w.row]), w.row), default=None)


def _end_key(task: TaskView) -> float:
    return task.end.timestamp() if task.end is not None else float("inf")


def _fresh(facts: RunFacts, producer: Use, use: Use) -> bool:
    """Started within ``settle`` seconds of the producer's completion, or before it completed."""
    done, started = facts.rows[producer.row], facts.start(use)
    if done.end is None:
        return not done.status.finished
    return started is not None and sec(started) - sec(done.end) <= facts.settings.settle


def _chains(facts: RunFacts, consumers: Group) -> list[Group]:
    """Consumers chained by start (each within ``window`` of the previous), unordered among themselves."""
    groups: list[Group] = []
    for use in sorted(consumers, key=lambda u: (sec(facts.start(u)), u.row)):  # type: ignore[arg-type]
        home = next((g for g in reversed(groups) if _joins(facts, g, use)), None)
        if home is None:
            groups.append([use])
        else:
            home.append(use)
    return groups


def _joins(facts: RunFacts, group: Group, use: Use) -> bool:
    gap = sec(facts.start(use)) - sec(facts.start(group[-1]))  # type: ignore[arg-type]
    return gap <= facts.settings.window and not any(facts.order.ordered(u.task, use.task) for u in group)


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
    failed = tuple(r for r in rows if has_failed(facts.rows[r]))
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
        message=_message(facts, producer, group, settled and not failed),
        evidence=_evidence(facts, producer, rows, settled),
    )


def settled_access(facts: RunFacts, producer: Use, rows: list[str]) -> bool:
    """True when every consumer's first step is known to have begun more than ``settle`` seconds after the
    producer completed: the TaskRuns fanned out at once, but the containers touched a settled artifact."""
    end = facts.rows[producer.row].end
    return end is not None and all(
        stepped(facts.rows[r]) and sec(access(facts.rows[r])) - sec(end) > facts.settings.settle  # type: ignore[arg-type]
        for r in rows
    )


def _evidence(facts: RunFacts, producer: Use, rows: list[str], settled: bool) -> tuple[Evidence, ...]:
    """The producer's completion (the reference, delta 0), each start, telling step starts, the failures."""
    done = facts.rows[producer.row]
    ref = done.end
    head = _reference(producer.row, done)
    rest: list[Evidence] = []
    for row in rows:
        task = facts.rows[row]
        rest.append(evidence(row, "started", first_start(task), ref))  # type: ignore[arg-type]
        rest.extend(_first_step(row, task, ref) if settled else _early_step(row, task, done, ref))
        rest.extend(outcome_evidence(row, task, ref))
    last = _last_step(done)
    if last is not None and any(e.event == "step-started" for e in rest):
        head.append(evidence(producer.row, "step-finished", last[1], ref, step=last[0]))
    return tuple(head + sorted(rest, key=lambda e: (e.time, _RANK.get(e.event, 9), e.task)))


def _reference(row: str, done: TaskView) -> list[Evidence]:
    """The producer's completion (delta 0); while it still runs, its start (no reference, no deltas)."""
    if done.end is not None:
        return [evidence(row, "completed", done.end, done.end)]
    return [evidence(row, "started", done.start, None)] if done.start is not None else []


def _last_step(task: TaskView) -> tuple[str, datetime] | None:
    finished = [(s.finished, s.name) for s in task.steps if s.finished is not None]
    return (max(finished)[1], max(finished)[0]) if finished else None


def _first_step(row: str, task: TaskView, ref: datetime | None) -> list[Evidence]:
    begun = [(s.started, s.name) for s in task.steps if s.started is not None]
    return [evidence(row, "step-started", min(begun)[0], ref, step=min(begun)[1])] if begun else []


def _early_step(row: str, task: TaskView, producer: TaskView, ref: datetime | None) -> list[Evidence]:
    """The consumer's first step, when it started before the producer's last step finished (node clocks)."""
    last = _last_step(producer)
    begun = [(s.started, s.name) for s in task.steps if s.started is not None]
    if last is None or not begun or sec(min(begun)[0]) >= sec(last[1]):
        return []
    at, step = min(begun)
    return [evidence(row, "step-started", at, ref, step=step)]


def _message(facts: RunFacts, producer: Use, group: Group, settled: bool) -> str:
    """What happened (who started when, on what, who failed) and what would fix it."""
    rows = [u.row for u in group]
    done = facts.rows[producer.row]
    if settled:
        return _settled_message(facts, producer, rows)
    settling = (
        "while it may still have been settling"
        if done.end
        else f"while {producer.row} may still be writing it"
    )
    what = f"{names(rows)} started {_when(facts, producer, group)}, reading {where(producer)} {settling}"
    clauses = trouble(facts, rows) + _step_clause(facts, producer, rows)
    fix = FIX_MANY if len(rows) > 1 else FIX_ONE.format(row=rows[0])
    return "; ".join([what, *clauses]) + ". " + fix


def _when(facts: RunFacts, producer: Use, group: Group) -> str:
    """``0s after build completed``, ``0-2s after…``, ``1s before… (clock skew)``, ``before build …``."""
    end = facts.rows[producer.row].end
    if end is None:
        return f"before {producer.row} completed"
    deltas = sorted({sec(facts.start(u)) - sec(end) for u in group})  # type: ignore[arg-type]
    lo, hi = deltas[0], deltas[-1]
    if lo == hi:
        side = "after" if lo >= 0 else "before"
        skew = " (clock skew)" if lo < 0 else ""
        return f"{abs(lo)}s {side} {producer.row} completed{skew}"
    if lo >= 0:
        return f"{lo}-{hi}s after {producer.row} completed"
    return f"{lo:+d}s to {hi:+d}s from {producer.row}'s completion (clock skew)"


def _step_clause(facts: RunFacts, producer: Use, rows: list[str]) -> list[str]:
    done = facts.rows[producer.row]
    early = [r for r in rows if _early_step(r, facts.rows[r], done, None)]
    if not early:
        return []
    return [f"the first step of {names(early)} began before {producer.row}'s last step finished"]


def _settled_message(facts: RunFacts, producer: Use, rows: list[str]) -> str:
    end = facts.rows[producer.row].end
    deltas = sorted({sec(access(facts.rows[r])) - sec(end) for r in rows})  # type: ignore[arg-type]
    span = f"{deltas[0]}s" if len(deltas) == 1 else f"{deltas[0]}-{deltas[-1]}s"
    when = _when(facts, producer, [u for u in facts.uses if u.row in rows and u.storage == producer.storage])
    return (
        f"{names(rows)} started {when} on {where(producer)}, but their first steps began {span} after it, "
        f"once it had settled, and nothing failed. To depend on more than timing, add a readiness check "
        f"(file complete and readable) or serialise them with runAfter."
    )
