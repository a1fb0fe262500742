"""Provides the ``overlap`` and ``unordered-access`` detectors: unordered tasks on one shared artifact.

Two task rows conflict when they use the same shared storage with overlapping subPaths, at least one may
write it, they belong to different pipeline tasks (matrix children of one task are concurrent by design), and
neither happens-before the other. Conflicting pairs whose run intervals overlapped (equal seconds count as
overlapping) join into ``overlap`` findings, one per connected group per storage: warning, critical when one
of them failed. Pairs that did not overlap this time join into ``unordered-access`` findings (info: lucky
timing). Pairs that both consume one producer's artifact (judged together by ``fresh``), or that sit inside
an overlap group, are not reported again.
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable

from tektonwatch.findings import Evidence, Finding, Kind, Severity
from tektonwatch.model import Status
from tektonwatch.racefacts import (
    RunFacts,
    evidence,
    first_start,
    has_failed,
    names,
    outcome_evidence,
    sec,
    trouble,
    where,
)
from tektonwatch.storage import Use, overlaps
from tektonwatch.timeline import TaskView

Pair = tuple[Use, Use]
FIX = (
    "Serialise them with a runAfter edge, give each its own subPath, or declare the workspace readOnly in "
    "the Tasks that only read it."
)
INFINITY = float("inf")


def concurrent_findings(facts: RunFacts, covered: list[frozenset[str]]) -> list[Finding]:
    """Overlap and unordered-access findings, leaving out pairs inside any of the ``covered`` row sets."""
    sets = Membership(covered)
    overlapped, lucky = _pairs(facts, sets)
    if not overlapped and not lucky:
        return []
    groups = components(overlapped)
    found = [_finding(facts, Kind.OVERLAP, g) for g in groups]
    sets = Membership(covered + [frozenset(u.row for u in g) for g in groups])
    lucky = [p for p in lucky if not sets.together(p[0].row, p[1].row)]
    return found + [_finding(facts, Kind.UNORDERED_ACCESS, g) for g in components(lucky)]


class Membership:
    """Which of some row sets each row belongs to, to tell in O(1) whether two rows share one."""

    def __init__(self, sets: Iterable[frozenset[str]]) -> None:
        self._of: dict[str, set[int]] = {}
        for i, rows in enumerate(sets):
            for row in rows:
                self._of.setdefault(row, set()).add(i)

    def together(self, a: str, b: str) -> bool:
        """True when some set holds both rows."""
        return not self._of.get(a, set()).isdisjoint(self._of.get(b, ()))


def _pairs(facts: RunFacts, covered: Membership) -> tuple[list[Pair], list[Pair]]:
    """Conflicting pairs split into (overlapped this run, did not overlap); unknown timing is left out."""
    overlapped: list[Pair] = []
    lucky: list[Pair] = []
    above = facts.above
    for i, a in enumerate(facts.uses):
        task, before = a.task, above[a.task]
        for b in facts.uses[i + 1 :]:
            if b.task in before or task in above[b.task]:
                continue  # ordered, as most pairs of a run are: no conflict (told before the full test)
            if not conflict(facts, a, b) or covered.together(a.row, b.row):
                continue
            seen = _overlapped(facts.rows[a.row], facts.rows[b.row])
            if seen is not None:
                (overlapped if seen else lucky).append((a, b))
    return overlapped, lucky


def conflict(facts: RunFacts, a: Use, b: Use) -> bool:
    """Same storage, overlapping paths, one a writer, different pipeline tasks, neither before the other."""
    return (
        a.storage == b.storage
        and a.task != b.task
        and (a.writer or b.writer)
        and not facts.order.ordered(a.task, b.task)
        and overlaps(a.path, b.path)
    )


def _overlapped(a: TaskView, b: TaskView) -> bool | None:
    """Whether two rows ran at once (whole seconds; equal counts), or None when it cannot be told yet."""
    sa, sb, ea, eb = first_start(a), first_start(b), _end(a), _end(b)
    if sa is None or sb is None or ea is None or eb is None:
        return None
    return sec(sa) <= eb and sec(sb) <= ea


def _end(task: TaskView) -> float | None:
    """The end second; infinity while it runs; None when it finished without a recorded end."""
    if task.end is not None:
        return float(sec(task.end))
    return None if task.status.finished else INFINITY


def components(pairs: Iterable[Pair]) -> list[list[Use]]:
    """Connected groups of uses (joined by row, per storage), in first-seen order."""
    pairs = list(pairs)
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(use: Use) -> tuple[str, str]:
        node = (use.storage, use.row)
        while parent.setdefault(node, node) != node:
            parent[node] = node = parent[parent[node]]  # path halving
        return node

    for a, b in pairs:
        parent[root(b)] = root(a)
    groups: dict[tuple[str, str], dict[Use, None]] = {}
    for use in (u for pair in pairs for u in pair):
        groups.setdefault(root(use), {})[use] = None
    return [list(group) for group in groups.values()]


def _rows(facts: RunFacts, uses: list[Use]) -> list[str]:
    unique = {u.row for u in uses}
    return sorted(unique, key=lambda r: (sec(first_start(facts.rows[r])), r))  # type: ignore[arg-type]


def _finding(facts: RunFacts, kind: Kind, uses: list[Use]) -> Finding:
    rows = _rows(facts, uses)
    writers = [r for r in rows if any(u.writer for u in uses if u.row == r)]
    failed = tuple(r for r in rows if has_failed(facts.rows[r]))
    primary = min(uses, key=lambda u: (len(u.path), not u.writer, u.row))
    if kind is Kind.OVERLAP:
        severity = Severity.CRITICAL if failed else Severity.WARNING
    else:
        severity = Severity.INFO
    return Finding(
        kind=kind,
        severity=severity,
        namespace=facts.namespace,
        pipeline_run=facts.name,
        workspace=primary.workspace,
        storage=primary.storage,
        producer=writers[0] if len(writers) == 1 else None,
        tasks=tuple(rows),
        failed=failed,
        message=_message(facts, kind, rows, writers, primary),
        evidence=_evidence(facts, rows),
    )


def _evidence(facts: RunFacts, rows: list[str]) -> tuple[Evidence, ...]:
    """Each row's start and end, with deltas from the group's first start."""
    ref = min(first_start(facts.rows[r]) for r in rows)  # type: ignore[type-var]
    found: list[Evidence] = []
    for row in rows:
        task = facts.rows[row]
        found.append(evidence(row, "started", first_start(task), ref))  # type: ignore[arg-type]
        found.extend(outcome_evidence(row, task, ref))
        if task.end is not None and task.status is not Status.FAILED:
            found.append(evidence(row, "completed", task.end, ref))
    return tuple(sorted(found, key=lambda e: (e.time, e.event != "started", e.task)))


def _message(facts: RunFacts, kind: Kind, rows: list[str], writers: list[str], primary: Use) -> str:
    readers = [r for r in rows if r not in writers]
    if kind is Kind.OVERLAP:
        who = ("both" if len(rows) == 2 else "all of them") if not readers else names(writers)
        what = (
            f"{names(rows)} ran at the same time on {where(primary)} with nothing ordering them, and {who} "
            "may write it"
        )
    elif readers:
        verb = "uses" if len(readers) == 1 else "use"
        what = (
            f"{names(writers)} may write {where(primary)} while {names(readers)} {verb} it and nothing "
            "orders them; this run they did not overlap, which was lucky timing"
        )
    else:
        what = (
            f"{names(rows)} may {'both' if len(rows) == 2 else 'all'} write {where(primary)} and nothing "
            "orders them; this run they did not overlap, which was lucky timing"
        )
    return "; ".join([what, *trouble(facts, rows)]) + ". " + FIX
