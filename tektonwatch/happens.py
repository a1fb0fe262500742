"""Provides the happens-before order of a run's pipeline tasks: the transitive closure of the DAG's edges.

Edges come from ``runAfter``, from result (and, for finally tasks, status) references, and from every
non-finally task to every finally task. When the run's resolved pipeline spec is unknown (a dump without
``status.pipelineSpec``), the order is inferred from what was observed instead: a task that completed no later
than the second another one started is taken to be before it — at whole-second resolution an order cannot be
told apart from a proper edge, and guessing concurrency there would flag every sequential pipeline.
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from tektonwatch.model import PipelineRun, PipelineTask
from tektonwatch.timeline import RunView, TaskView


class Order:
    """Happens-before between pipeline task names; ``before(a, b)`` means ``b`` may only start after ``a``.

    Built once per run from the ancestor sets of ``closure``; every query is a set lookup (the detectors ask
    for every pair of uses)."""

    def __init__(self, ancestors: Mapping[str, frozenset[str]]) -> None:
        self._ancestors = {
            node: found - {node} if node in found else found for node, found in ancestors.items()
        }

    def ancestors(self, b: str) -> frozenset[str]:
        """Every task that happens-before ``b`` (never ``b`` itself)."""
        return self._ancestors.get(b, NONE)

    def before(self, a: str, b: str) -> bool:
        """True when ``a`` happens-before ``b`` (never for ``a == b``)."""
        return a in self._ancestors.get(b, NONE)

    def ordered(self, a: str, b: str) -> bool:
        """True when either happens-before the other."""
        return a in self._ancestors.get(b, NONE) or b in self._ancestors.get(a, NONE)


NONE: frozenset[str] = frozenset()


def order_of(view: RunView) -> Order:
    """The run's happens-before order: from its DAG when the spec is resolved, else inferred from times."""
    if view.run is not None and view.run.tasks:
        return _dag_order(view.run)
    return Order(closure(observed_edges(view.tasks)))


_ORDERS: dict[int, tuple[tuple[PipelineTask, ...], Order]] = {}
_ORDERS_MAX = 1024


def _dag_order(run: PipelineRun) -> Order:
    """The order of a resolved DAG, computed once per tasks tuple: the model shares one tuple among the runs of
    one pipeline spec, so a watch re-analysing a run of a known pipeline skips the closure. Keyed by identity;
    the entry holds the tuple, so the id cannot be reused while it is cached."""
    held = _ORDERS.get(id(run.tasks))
    if held is not None and held[0] is run.tasks:
        return held[1]
    if len(_ORDERS) >= _ORDERS_MAX:
        _ORDERS.clear()
    order = Order(closure(edges(run)))
    _ORDERS[id(run.tasks)] = (run.tasks, order)
    return order


def edges(run: PipelineRun) -> dict[str, set[str]]:
    """Direct predecessors of each pipeline task: runAfter, result references, and finally after all tasks."""
    names = {t.name for t in run.tasks}
    regular = {t.name for t in run.tasks if not t.is_finally}
    preds: dict[str, set[str]] = {}
    for task in run.tasks:
        direct = names.intersection(task.run_after)  # in runAfter's order, as a comprehension would add them
        if task.result_refs:
            direct.update(n for n in task.result_refs if n in names)
        if task.is_finally:
            direct |= regular
        preds[task.name] = direct - {task.name}
    return preds


def observed_edges(tasks: Iterable[TaskView]) -> dict[str, set[str]]:
    """Edges inferred from times: ``a`` before ``b`` when ``a`` ended in or before the second ``b`` began."""
    spans = _spans(tasks)
    preds: dict[str, set[str]] = {name: set() for name in spans}
    for a, (_, a_end) in spans.items():
        for b, (b_start, _) in spans.items():
            if a != b and a_end is not None and b_start is not None and _sec(a_end) <= _sec(b_start):
                preds[b].add(a)
    return preds


def _spans(tasks: Iterable[TaskView]) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Per pipeline task: the earliest start and the latest end of its rows (an end only when all ended)."""
    rows: dict[str, list[TaskView]] = {}
    for task in tasks:
        rows.setdefault(task.name, []).append(task)
    spans: dict[str, tuple[datetime | None, datetime | None]] = {}
    for name, group in rows.items():
        starts = [t.start for t in group if t.start is not None]
        ends = [t.end for t in group if t.end is not None]
        spans[name] = (min(starts, default=None), max(ends) if len(ends) == len(group) else None)
    return spans


def _sec(at: datetime) -> int:
    return int(at.timestamp())


def closure(preds: Mapping[str, Iterable[str]]) -> dict[str, frozenset[str]]:
    """Every ancestor of each node; cycles (an invalid DAG) are tolerated, never followed forever."""
    done: dict[str, frozenset[str]] = {}
    visiting: set[str] = set()  # the path being followed; empty again after each walk
    for node in preds:
        if node not in done:
            _ancestors(node, preds, done, visiting)
    return done


def _ancestors(
    node: str, preds: Mapping[str, Iterable[str]], done: dict[str, frozenset[str]], visiting: set[str]
) -> frozenset[str]:
    """The ancestors of ``node``, memoised in ``done``; a parent still being visited (a cycle) adds none."""
    visiting.add(node)
    found: set[str] = set()
    for parent in preds.get(node, ()):
        found.add(parent)
        above = done.get(parent)
        if above is None:
            above = NONE if parent in visiting else _ancestors(parent, preds, done, visiting)
        found |= above
    visiting.discard(node)
    found.discard(node)
    done[node] = frozenset(found)
    return done[node]
