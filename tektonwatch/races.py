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

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

import msgspec

from tektonwatch.concurrent import concurrent_findings
from tektonwatch.findings import Finding, Handoff
from tektonwatch.fresh import fresh_findings
from tektonwatch.happens import order_of
from tektonwatch.model import PipelineRun, TaskRun
from tektonwatch.racefacts import RaceSettings, RunFacts
from tektonwatch.runcache import RunCache
from tektonwatch.storage import uses_of
from tektonwatch.store import Key, Snapshot
from tektonwatch.timeline import RunView, build_run

__all__ = ["Analysis", "Analyzer", "ByName", "RaceSettings", "analyse", "finding_order"]


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


class Analyzer:
    """An incremental cache of analyses, keyed by PipelineRun (namespace, name) (``runcache.RunCache``).

    A run is re-analysed only when its PipelineRun or one of its TaskRuns is a different record than last time
    (records are immutable: a change is a new record); in a sequence of snapshots only the runs a snapshot
    ``touch``-ed are looked at. ``recomputed`` names the runs the last call analysed afresh. Not thread-safe:
    one owner (the thread that builds frames).
    """

    def __init__(self, settings: RaceSettings | None = None) -> None:
        self.settings = settings or RaceSettings()
        self._runs: RunCache[Analysis] = RunCache(self._analyse)
        self._views: Mapping[Key, RunView] = {}

    @property
    def recomputed(self) -> frozenset[Key]:
        """The runs the last ``analyse`` analysed afresh."""
        return self._runs.recomputed

    def analyse(self, snapshot: Snapshot, views: Mapping[Key, RunView] | None = None) -> Mapping[Key, Analysis]:
        """The analysis of every PipelineRun in ``snapshot``. ``views``, the same snapshot's assembled runs
        (``Timelines.by_key``), saves assembling the changed ones again."""
        self._views = views or {}
        try:
            return self._runs.update(snapshot)
        finally:
            self._views = {}

    def findings(self, snapshot: Snapshot) -> tuple[Finding, ...]:
        """Every finding of every run in ``snapshot``, in finding order."""
        found = [f for analysis in self.analyse(snapshot).values() for f in analysis.findings]
        return tuple(sorted(found, key=lambda f: (*finding_order(f), f.namespace, f.pipeline_run)))

    def _analyse(self, snapshot: Snapshot, run: PipelineRun, taskruns: Sequence[TaskRun]) -> Analysis:
        view = self._views.get((run.namespace, run.name))
        return analyse(view if view is not None else build_run(snapshot, run, taskruns), self.settings)


class ByName(Mapping[str, Analysis]):
    """Analyses keyed ``namespace/name`` (how ``snapshot.key`` names a view) over ``Analyzer.analyse``'s map keyed
    (namespace, name): a view of it, not a copy, so a snapshot does not cost a string per run."""

    __slots__ = ("_by_key",)

    def __init__(self, by_key: Mapping[Key, Analysis]) -> None:
        self._by_key = by_key

    def __getitem__(self, name: str) -> Analysis:
        namespace, _, run = name.partition("/")
        return self._by_key[(namespace, run)]

    def __iter__(self) -> Iterator[str]:
        return (f"{namespace}/{run}" for namespace, run in self._by_key)

    def __len__(self) -> int:
        return len(self._by_key)
