"""Provides ``RunCache``: a value per PipelineRun over a stream of snapshots, computed again only for the runs
that changed.

Records are immutable, so a changed run has a new PipelineRun or TaskRun record. In a snapshot that follows the
previous one (``version`` + 1) only the runs it ``touch``-ed are looked at — the cost of a snapshot is that of
its changes, not of the cluster (a watch at 200 events/s on 500 runs would otherwise walk every run four times a
second). Out of sequence, every run's records are compared with the ones its value was computed from. A touched
run whose records are all the same objects keeps its value.
This module must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Generic, TypeVar

from tektonwatch.model import PipelineRun, TaskRun
from tektonwatch.store import Key, Shards, Snapshot

T = TypeVar("T")
Records = tuple[PipelineRun | TaskRun, ...]


class RunCache(Generic[T]):
    """``compute(snapshot, run, taskruns)`` for every PipelineRun of each snapshot, incrementally (``taskruns``:
    ``snapshot.taskruns_of(run)``, found once for the check and the computation). ``recomputed`` names
    the runs the last ``update`` computed afresh; ``looked`` the runs whose value it may have changed or removed
    (None: it looked at every run). Not thread-safe: one owner."""

    def __init__(self, compute: Callable[[Snapshot, PipelineRun, Sequence[TaskRun]], T]) -> None:
        self.compute = compute
        self.recomputed: frozenset[Key] = frozenset()
        self.looked: frozenset[Key] | None = None
        self._held: dict[Key, tuple[Records, T]] = {}  # private: changed in place
        self._values: Shards[T] = Shards()
        self._version: int | None = None

    def update(self, snapshot: Snapshot) -> Mapping[Key, T]:
        """The value of every PipelineRun in ``snapshot`` (a read-only map that later updates leave as it is: the
        maps are changed in place and frozen, copy-on-write, so an update costs the runs it looks at)."""
        in_sequence = self._version is not None and snapshot.version == self._version + 1
        keys = snapshot.touched if in_sequence else snapshot.pipeline_runs.keys()
        held, values = (self._held, self._values) if in_sequence else ({}, Shards[T]())
        recomputed: set[Key] = set()
        for key in keys:
            run = snapshot.pipeline_runs.get(key)
            if run is None:
                held.pop(key, None)
                values.pop(key)
                continue
            taskruns = snapshot.taskruns_of(run)
            records: Records = (run, *taskruns)
            before = self._held.get(key)
            if before is None or not _same(before[0], records):
                before = (records, self.compute(snapshot, run, taskruns))
                recomputed.add(key)
            held[key], values[key] = before, before[1]
        self._held, self._values, self._version = held, values, snapshot.version
        self.recomputed = frozenset(recomputed)
        self.looked = snapshot.touched if in_sequence else None
        return values.freeze()


def _same(a: Records, b: Records) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))
