"""Provides ``watch_events``: the stream of watch events a cluster would have delivered while runs progressed.

Given builders (RunBuilder, TaskRunBuilder — anything with ``objects(now)``/``at(now)`` and
``change_times()``) and a window ``[start, end]``, it yields ``(t, type, object)`` with ``t`` = seconds
since ``start``:

- the initial listing: ``ADDED`` for every object existing at ``start`` (its state at ``start``), ``t = 0.0``,
  then ``(synced_at, "SYNCED", None)``;
- then, at each instant ``W`` in ``(start, end]`` where something changed, in causal order: ``MODIFIED`` for
  TaskRuns that already existed, ``ADDED`` for objects created at ``W`` (as created: no ``status`` yet),
  ``MODIFIED`` for new TaskRuns the controller already started, then ``MODIFIED`` for the PipelineRun; and
  ``DELETED`` for objects that disappeared.

Every object is a full snapshot; ``metadata.resourceVersion`` comes from one counter, so it increases strictly
along the stream, as an API server's does.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from ._util import TimeLike, utc

Event = tuple[float, str, "dict | None"]


class Source(Protocol):
    def change_times(self) -> set[datetime]: ...


def _objects(source, now: datetime) -> list[dict]:
    """The objects of a source at ``now``: RunBuilder.objects, or a TaskRunBuilder's single object."""
    if hasattr(source, "objects"):
        return source.objects(now)
    obj = source.at(now)
    return [obj] if obj else []


def _key(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"]


def _stamp(obj: dict, rv: int) -> dict:
    out = copy.deepcopy(obj)
    out["metadata"]["resourceVersion"] = str(rv)
    return out


def _unversioned(obj: dict) -> dict:
    return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}}


def watch_events(sources: Iterable[Source], start: TimeLike, end: TimeLike, *, listing: bool = True,
                 synced_at: float = 0.5, first_resource_version: int = 1000) -> Iterator[Event]:
    """Yields ``(t, "ADDED"|"MODIFIED"|"DELETED"|"SYNCED", object|None)`` for the window ``[start, end]``.
    With ``listing=False`` objects existing at ``start`` are not listed and no SYNCED is emitted."""
    sources, start, end = list(sources), utc(start), utc(end)
    rv = itertools.count(first_resource_version)
    seen: list[dict[tuple, dict]] = [{_key(o): _unversioned(o) for o in _objects(s, start)} for s in sources]
    if listing:
        listed = [o for s in sources for o in _objects(s, start)]
        # the PipelineRuns list, then the TaskRuns list
        for obj in sorted(listed, key=lambda o: o["kind"] != "PipelineRun"):
            yield 0.0, "ADDED", _stamp(obj, next(rv))
        yield synced_at, "SYNCED", None
    instants = sorted({t for s in sources for t in s.change_times() if start < t <= end})
    for now in instants:
        t = (now - start).total_seconds()
        for source, known in zip(sources, seen):
            for kind, obj in _changes(_objects(source, now), known):
                yield t, kind, _stamp(obj, next(rv))


def _changes(objects: list[dict], seen: dict[tuple, dict]) -> Iterator[tuple[str, dict]]:
    """The events that take ``seen`` (one source's delivered states) to ``objects``, in causal order."""
    current = {_key(o): o for o in objects}
    new = [o for k, o in current.items() if k not in seen]
    old = [o for k, o in current.items() if k in seen]
    for obj in old:  # existing TaskRuns move first (e.g. the parent task completes)
        if obj["kind"] != "PipelineRun" and _unversioned(obj) != seen[_key(obj)]:
            seen[_key(obj)] = _unversioned(obj)
            yield "MODIFIED", obj
    for obj in sorted(new, key=lambda o: o["kind"] != "PipelineRun"):  # created: no status yet
        created = {k: v for k, v in obj.items() if k != "status"}
        seen[_key(obj)] = _unversioned(created)
        yield "ADDED", created
    for obj in sorted(new + old, key=lambda o: o["kind"] == "PipelineRun"):  # then the controllers' updates
        if _unversioned(obj) != seen[_key(obj)]:
            seen[_key(obj)] = _unversioned(obj)
            yield "MODIFIED", obj
    for key in [k for k in seen if k not in current]:
        yield "DELETED", seen.pop(key)
