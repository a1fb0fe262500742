"""Provides the race analysis of DESIGN §5: which tasks of a run used a shared artifact unsafely, and why.

``analyse(view, settings)`` is a pure function of one run's timeline: it resolves storage (``storage``), the
happens-before order (``happens``), and yields the findings — ``fresh-artifact`` (``fresh``), ``overlap`` and
``unordered-access`` (``concurrent``) — plus the hot-handoff markers, in a deterministic order (severity
first, then the first evidence instant). Timestamps are whole seconds: equal seconds are concurrent, never
ordered.
``Analyzer`` caches analyses between snapshots and re-analyses only the runs a snapshot changed.
This module must never import rich, textual or kubernetes, and never reads the clock.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from tektonwatch.concurrent import concurrent_findings
from tektonwatch.findings import Finding, Handoff
from tektonwatch.fresh import fresh_findings
from tektonwatch.happens import order_of
from tektonwatch.model import PipelineRun, TaskRun
from tektonwatch.racefacts import RaceSettings, RunFacts
from tektonwatch.storage import uses_of
from tektonwatch.store import Key, Snapshot
from tektonwatch.timeline import RunView, build_run

__all__ = ["Analysis", "Analyzer", "RaceSettings", "analyse", "finding_order"]


class Analysis(msgspec.Struct, frozen=True, kw_only=True):
    """The findings and hot-handoff markers of one run."""

    findings: tuple[Finding, ...] = ()
    handoffs: tuple[Handoff, ...] = ()


def analyse(view: RunView, settings: RaceSettings | None = None) -> Analysis:
    """Analyse one run (a standalone TaskRun has nothing to race with: an empty analysis)."""
    if view.run is None:
        return Analysis()
    uses = uses_of(view)
    if not uses:
        return Analysis()  # nothing shared, nothing to race on
    facts = RunFacts(view=view, order=order_of(view), uses=uses, settings=settings or RaceSettings())
    fresh, handoffs, co_consumers = fresh_findings(facts)
    found = fresh + concurrent_findings(facts, co_consumers)
    return Analysis(
        findings=tuple(sorted(found, key=finding_order)),
        handoffs=tuple(sorted(handoffs, key=lambda h: (h.producer, h.consumer, h.storage))),
    )


def finding_order(finding: Finding) -> tuple[int, datetime | None, str, tuple[str, ...]]:
    """Sort key: severity descending, the first evidence instant, then kind and tasks (a stable tie-break)."""
    first = min([e.time for e in finding.evidence], default=None)
    return (-finding.severity.rank, first, finding.kind, finding.tasks)  # a StrEnum sorts as its value


class _Entry(msgspec.Struct, frozen=True):
    records: tuple[PipelineRun | TaskRun, ...]
    analysis: Analysis


class Analyzer:
    """An incremental cache of analyses, keyed by PipelineRun (namespace, name).

    A run is re-analysed only when its PipelineRun or one of its TaskRuns is a different record than last time
    (records are immutable: a change is a new record). When snapshots arrive in sequence, a run the snapshot
    did not ``touch`` is reused without even looking at its TaskRuns. ``recomputed`` names the runs the last
    call analysed afresh. Not thread-safe: one owner (the thread that builds frames).
    """

    def __init__(self, settings: RaceSettings | None = None) -> None:
        self.settings = settings or RaceSettings()
        self.recomputed: frozenset[Key] = frozenset()
        self._cache: dict[Key, _Entry] = {}
        self._version: int | None = None

    def analyse(self, snapshot: Snapshot) -> dict[Key, Analysis]:
        """The analysis of every PipelineRun in ``snapshot``."""
        in_sequence = self._version is not None and snapshot.version == self._version + 1
        recomputed: set[Key] = set()
        fresh: dict[Key, _Entry] = {}
        for key, run in snapshot.pipeline_runs.items():
            fresh[key] = self._entry(snapshot, key, run, in_sequence, recomputed)
        self._cache, self._version, self.recomputed = fresh, snapshot.version, frozenset(recomputed)
        return {key: entry.analysis for key, entry in fresh.items()}

    def findings(self, snapshot: Snapshot) -> tuple[Finding, ...]:
        """Every finding of every run in ``snapshot``, in finding order."""
        found = [f for analysis in self.analyse(snapshot).values() for f in analysis.findings]
        return tuple(sorted(found, key=lambda f: (*finding_order(f), f.namespace, f.pipeline_run)))

    def _entry(
        self, snapshot: Snapshot, key: Key, run: PipelineRun, in_sequence: bool, recomputed: set[Key]
    ) -> _Entry:
        held = self._cache.get(key)
        if held is not None and in_sequence and key not in snapshot.touched and held.records[0] is run:
            return held
        records: tuple[PipelineRun | TaskRun, ...] = (run, *snapshot.taskruns_of(run))
        if held is not None and _same_records(held.records, records):
            return held
        recomputed.add(key)
        return _Entry(records, analyse(build_run(snapshot, run), self.settings))


def _same_records(a: tuple[PipelineRun | TaskRun, ...], b: tuple[PipelineRun | TaskRun, ...]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
