"""Provides the dashboard's model: a ``Board`` (one snapshot's runs, assembled and analysed) and the user's
``Filter``.

A board is built in the ingest thread, once per snapshot, and never changes after: the event loop only assigns
it. It does not depend on the clock; ``picture`` applies the scope (``--since`` moves with time) and the filter
at each redraw. This module must never import textual: it is the part of the dashboard tests can drive alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from tektonwatch.races import Analysis, Analyzer, ByName
from tektonwatch.scope import Scope
from tektonwatch.snapshot import Picture, key
from tektonwatch.store import EMPTY, Snapshot
from tektonwatch.timeline import RunView, Timelines, build_all


@dataclass(frozen=True)
class Filter:
    """Which runs the user wants to see: a name fragment (``/``) and "only failed or raced" (``f``)."""

    text: str = ""
    troubled: bool = False

    def keeps(self, view: RunView, analysis: Analysis | None) -> bool:
        """Whether ``view`` passes: its ``namespace/name`` contains the text (any case), and, when ``troubled``,
        it failed (or was cancelled, or timed out) or has a race finding."""
        if self.text and self.text.casefold() not in key(view).casefold():
            return False
        if self.troubled:
            return view.status.bad or bool(analysis and analysis.findings)
        return True

    def toggled(self) -> Filter:
        """The same filter with "only failed or raced" flipped."""
        return replace(self, troubled=not self.troubled)

    def named(self, text: str) -> Filter:
        """The same filter with another name fragment."""
        return replace(self, text=text.strip())

    def describe(self) -> str:
        """``name~q4, failed/raced`` for a title; empty when nothing is filtered."""
        parts = ([f"name~{self.text}"] if self.text else []) + (["failed/raced"] if self.troubled else [])
        return ", ".join(parts)


@dataclass(frozen=True)
class Board:
    """One snapshot's runs, newest first, and the analysis of each PipelineRun keyed ``namespace/name``."""

    snapshot: Snapshot = EMPTY
    views: tuple[RunView, ...] = ()
    analyses: Mapping[str, Analysis] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(cls, snapshot: Snapshot, analyzer: Analyzer, timelines: Timelines | None = None) -> Board:
        """Assemble and analyse ``snapshot``; ``analyzer`` (and ``timelines``, when given) redo only the runs it
        changed, so each must serve one thread and see the snapshots in order."""
        views = timelines.build(snapshot) if timelines is not None else build_all(snapshot)
        by_key = timelines.by_key if timelines is not None else None
        return cls(snapshot, tuple(views), ByName(analyzer.analyse(snapshot, by_key)))

    def picture(self, scope: Scope, flt: Filter, now: datetime) -> Picture:
        """The runs in ``scope`` that pass ``flt`` at ``now``, with their analyses."""
        views = [v for v in scope.filter(self.views, now) if flt.keeps(v, self.analyses.get(key(v)))]
        return Picture(views, {key(v): self.analyses[key(v)] for v in views if key(v) in self.analyses})

    def view(self, run_key: str | None) -> RunView | None:
        """The run called ``namespace/name``, if the board has it."""
        return next((v for v in self.views if key(v) == run_key), None)
