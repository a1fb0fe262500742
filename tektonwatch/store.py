"""Provides the ``Store`` that applies watch events, and the immutable ``Snapshot`` it yields.

The store is owned by a single writer (ingest). Objects are keyed by (namespace, name) per kind; the uid tells a
re-created object from an update. A stale event — an older resourceVersion than the one held for the same uid —
never overwrites a newer object. A TaskRun may arrive before its PipelineRun, or without one: it is indexed by the
PipelineRun name its labels give and shown standalone until that PipelineRun appears.
This module must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import ItemsView, Iterator, Mapping, ValuesView
from datetime import datetime
from typing import Generic, TypeVar

import msgspec

from tektonwatch.health import SourceHealth
from tektonwatch.model import PipelineRun, Run, TaskRun

Key = tuple[str, str]
V = TypeVar("V")
SHARDS = 256  # ~80 TaskRuns a shard at 20,000: a batch of changes copies a few small dicts, not the whole map


class Sharded(Mapping[Key, V]):
    """A read-only map kept as ``SHARDS`` dicts by key hash. Snapshots share the shards a batch did not change
    (``Shards`` copies a shard before its first change after a freeze), so freezing a snapshot costs the batch's
    changes, not the cluster's size (a copy of 20,000 TaskRuns per snapshot was ~8 µs per watch event)."""

    __slots__ = ("_len", "_shards")

    def __init__(self, shards: tuple[dict[Key, V], ...]) -> None:
        self._shards = shards
        self._len = sum(map(len, shards))

    def __getitem__(self, key: Key) -> V:
        return self._shards[hash(key) % SHARDS][key]

    def get(self, key: Key, default: V | None = None) -> V | None:  # type: ignore[override]
        return self._shards[hash(key) % SHARDS].get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self._shards[hash(key) % SHARDS]

    def __iter__(self) -> Iterator[Key]:
        for shard in self._shards:
            yield from shard

    def __len__(self) -> int:
        return self._len

    def items(self) -> ItemsView[Key, V]:
        return _Items(self)

    def values(self) -> ValuesView[V]:
        return _Values(self)


class Shards(Generic[V]):
    """The writable side of ``Sharded``: a map its one owner changes in place and ``freeze``s into read-only
    views. A shard a view holds is copied before its first change after the freeze, so a view never changes and
    a freeze costs the changes since the last one, not the map's size."""

    __slots__ = ("_shards", "_shared")

    def __init__(self) -> None:
        self._shards: list[dict[Key, V]] = [{} for _ in range(SHARDS)]
        self._shared: set[int] = set()  # the shards the last view holds

    def shard(self, key: Key) -> dict[Key, V]:
        """The shard of ``key``, to change (copied first when the last view holds it)."""
        index = hash(key) % SHARDS
        if index in self._shared:
            self._shards[index] = dict(self._shards[index])
            self._shared.discard(index)
        return self._shards[index]

    def get(self, key: Key, default: V | None = None) -> V | None:
        return self._shards[hash(key) % SHARDS].get(key, default)

    def __contains__(self, key: Key) -> bool:
        return key in self._shards[hash(key) % SHARDS]

    def __setitem__(self, key: Key, value: V) -> None:
        self.shard(key)[key] = value

    def pop(self, key: Key) -> V | None:
        """Remove ``key``; its value, or None."""
        shard = self._shards[hash(key) % SHARDS]
        return self.shard(key).pop(key) if key in shard else None

    def __len__(self) -> int:
        return sum(map(len, self._shards))

    def __iter__(self) -> Iterator[Key]:
        for shard in self._shards:
            yield from shard

    def freeze(self) -> Sharded[V]:
        """A read-only view of the map as it is now."""
        self._shared = set(range(SHARDS))
        return Sharded(tuple(self._shards))


class _Items(ItemsView[Key, V]):
    _mapping: Sharded[V]

    def __iter__(self) -> Iterator[tuple[Key, V]]:
        for shard in self._mapping._shards:
            yield from shard.items()


class _Values(ValuesView[V]):
    _mapping: Sharded[V]

    def __iter__(self) -> Iterator[V]:
        for shard in self._mapping._shards:
            yield from shard.values()


def _stale(held: Run | None, incoming: Run) -> bool:
    """True when ``incoming`` is an older version of the object ``held`` (same uid)."""
    return held is not None and held.uid == incoming.uid and not newer_or_equal(
        held.resource_version, incoming.resource_version)


def newer_or_equal(held: str, incoming: str) -> bool:
    """True when ``incoming`` is not older than ``held``.

    resourceVersions are opaque, but Kubernetes guarantees decimal strings that order by (length, value); when
    either is not decimal (or missing), arrival order wins.
    """
    if not (held.isdigit() and incoming.isdigit()):
        return True
    return (len(incoming), incoming) >= (len(held), held)


class Snapshot(msgspec.Struct, frozen=True, kw_only=True):
    """An immutable picture of the source at one instant.

    ``touched`` names the PipelineRuns (namespace, name) changed by the batch that produced this snapshot, so
    analyses can be incremental; ``version`` grows by one per snapshot.
    """

    pipeline_runs: Mapping[Key, PipelineRun]
    task_runs: Mapping[Key, TaskRun]
    children: Mapping[Key, frozenset[str]]
    health: SourceHealth
    version: int = 0
    touched: frozenset[Key] = frozenset()
    problems: tuple[str, ...] = ()
    at: datetime | None = None
    loose: frozenset[Key] | None = None  # TaskRuns without a PipelineRun label (None: not indexed, walk them)
    orphaned: frozenset[Key] = frozenset()  # PipelineRuns (namespace, name) with TaskRuns but not held

    def taskruns_of(self, run: PipelineRun) -> list[TaskRun]:
        """Every TaskRun known to belong to ``run``: named by it, or labelled with its name (and matching uid)."""
        key = (run.namespace, run.name)
        names = set(self.children.get(key, ()))
        names.update(c.name for c in run.children)
        found: list[TaskRun] = []
        embedded = {t.name: t for t in run.embedded}
        for name in sorted(names):
            tr = self.task_runs.get((run.namespace, name))
            if tr is not None and (not tr.pipeline_run_uid or not run.uid or tr.pipeline_run_uid == run.uid):
                found.append(tr)
            elif name in embedded:
                found.append(embedded.pop(name))
        return found + list(embedded.values())

    def standalone_taskruns(self) -> list[TaskRun]:
        """TaskRuns whose PipelineRun is not in the snapshot (or that belong to none), in no particular order.
        A store's snapshot knows them by index (the cost of the answer, not of the cluster); one built by hand
        (``loose`` None) walks every TaskRun."""
        if self.loose is None:
            return [
                tr for key, tr in self.task_runs.items()
                if not tr.pipeline_run or (tr.namespace, tr.pipeline_run) not in self.pipeline_runs
            ]
        found = [self.task_runs[key] for key in self.loose]
        for namespace, run in self.orphaned:
            found += [self.task_runs[(namespace, name)] for name in self.children[(namespace, run)]]
        return found


EMPTY = Snapshot(pipeline_runs={}, task_runs={}, children={}, health=SourceHealth(kind="none"))


class Store:
    """The mutable state behind snapshots; only the ingest thread calls it."""

    def __init__(self) -> None:
        self._prs: Shards[PipelineRun] = Shards()
        self._trs: Shards[TaskRun] = Shards()
        self._children: Shards[frozenset[str]] = Shards()
        self._touched: set[Key] = set()
        self._loose: set[Key] = set()  # see ``Snapshot.loose``
        self._orphaned: set[Key] = set()  # see ``Snapshot.orphaned``
        self._version = 0

    def __len__(self) -> int:
        return len(self._prs) + len(self._trs)

    def apply(self, kind: str, record: Run) -> bool:
        """Apply one event (``ADDED``/``MODIFIED``/``DELETED``); return False when it was stale and ignored."""
        key = (record.namespace, record.name)
        if isinstance(record, PipelineRun):
            if _stale(self._prs.get(key), record):
                return False
            self._apply_run(kind, key, record)
        else:
            table = self._trs.shard(key)
            held = table.get(key)
            if _stale(held, record):
                return False
            self._apply_taskrun(kind, key, record, held, table)
        self._touch(record)
        return True

    def _apply_run(self, kind: str, key: Key, record: PipelineRun) -> None:
        if kind != "DELETED":
            self._prs[key] = record
            self._orphaned.discard(key)
        elif self._prs.pop(key) is not None and key in self._children:
            self._orphaned.add(key)

    def _apply_taskrun(self, kind: str, key: Key, record: TaskRun, held: TaskRun | None,
                       table: dict[Key, TaskRun]) -> None:
        if kind == "DELETED":
            if held is not None:
                del table[key]
                self._unindex(held)
                self._touch(held)  # the run it was part of, whatever the event's copy says
            return
        table[key] = record
        if held is None or held.pipeline_run != record.pipeline_run:  # its run's index changes
            if held is not None:
                self._unindex(held)
                self._touch(held)  # the run it left changed too
            self._index(record)

    def _touch(self, record: Run) -> None:
        if isinstance(record, PipelineRun):
            self._touched.add((record.namespace, record.name))
        elif record.pipeline_run:
            self._touched.add((record.namespace, record.pipeline_run))

    def _index(self, record: TaskRun) -> None:
        if not record.pipeline_run:
            self._loose.add((record.namespace, record.name))
            return
        key = (record.namespace, record.pipeline_run)
        self._children[key] = (self._children.get(key) or frozenset()) | {record.name}
        if key not in self._prs:
            self._orphaned.add(key)

    def _unindex(self, record: TaskRun) -> None:
        if not record.pipeline_run:
            self._loose.discard((record.namespace, record.name))
            return
        key = (record.namespace, record.pipeline_run)
        remaining = (self._children.get(key) or frozenset()) - {record.name}
        if remaining:
            self._children[key] = remaining
        else:
            self._children.pop(key)
            self._orphaned.discard(key)

    def keys(self) -> set[tuple[str, str, str]]:
        """Every held object as (kind, namespace, name): used by relists to find what vanished."""
        return {("PipelineRun", *k) for k in self._prs} | {("TaskRun", *k) for k in self._trs}

    def snapshot(self, health: SourceHealth, problems: tuple[str, ...] = (), at: datetime | None = None) -> Snapshot:
        """Freeze the current state; the touched set starts afresh."""
        self._version += 1
        touched, self._touched = frozenset(self._touched), set()
        return Snapshot(
            pipeline_runs=self._prs.freeze(),
            task_runs=self._trs.freeze(),
            children=self._children.freeze(),
            health=health,
            version=self._version,
            touched=touched,
            problems=problems,
            at=at,
            loose=frozenset(self._loose),
            orphaned=frozenset(self._orphaned),
        )
