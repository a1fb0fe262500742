"""Property tests: the race analysis's precomputed indexes and short cuts agree with their plain definitions.

``RunFacts`` indexes rows once per run, ``Order`` answers from ancestor sets, ``producer_of`` scans only the
started writers of one storage, and ``uses_of`` resolves each binding once per run. Each is compared here, on
random runs (DAGs with and without cycles, matrix rows, retries, subPaths, read-only sources, missing ends),
with the straightforward definition it replaced: the analysis must give the same findings, only sooner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tektonwatch.fresh import producer_of, settled_access
from tektonwatch.happens import edges, order_of
from tektonwatch.model import (
    Attempt,
    Binding,
    PipelineRun,
    PipelineTask,
    Status,
    Step,
    Storage,
    TaskRun,
    TaskWorkspace,
)
from tektonwatch.racefacts import RaceSettings, RunFacts, first_start, sec
from tektonwatch.storage import READ_ONLY_KINDS, components, joined, overlaps, storage_key, uses_of
from tektonwatch.timeline import RunView, TaskView, label

T0 = datetime(2025, 10, 27, 18, 0, tzinfo=UTC)
SUB_PATHS = ["", "out", "out/reports", "outside", "./out", "/", "$(params.dir)", "a/b", "a/c"]
KINDS = ["pvc", "pvc", "pvc", "pvc", "vct", "emptyDir", "configMap", "secret", "csi", "unknown"]
CHECKED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def instants(draw, base: datetime | None) -> datetime | None:
    """None, or an instant near ``base`` (whole seconds, now and then with microseconds)."""
    if base is None or draw(st.integers(0, 9)) == 0:
        return None
    at = base + timedelta(seconds=draw(st.integers(-3, 40)))
    return at + timedelta(microseconds=draw(st.sampled_from([0, 0, 0, 250_000])))


@st.composite
def runs(draw) -> RunView:
    """A random run: a DAG (acyclic unless ``cyclic`` was drawn) on shared bindings, and rows for its tasks."""
    names = [f"t{i}" for i in range(draw(st.integers(2, 7)))]
    cyclic = draw(st.booleans()) and draw(st.booleans())
    bindings = tuple(
        Binding(
            name=ws,
            storage=Storage(
                kind=draw(st.sampled_from(KINDS)),
                ref=draw(st.sampled_from(["c", "d"])),
                read_only=draw(st.integers(0, 5)) == 0,
            ),
            sub_path=draw(st.sampled_from(["", "", "", "a", "out"])),
        )
        for ws in ("src", "out")
    )
    tasks = []
    for i, name in enumerate(names):
        pool = names if cyclic else names[:i]
        tasks.append(
            PipelineTask(
                name=name,
                is_finally=draw(st.integers(0, 9)) == 0,
                task_ref=draw(st.sampled_from(["", "push", "build"])),
                run_after=tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
                if pool and draw(st.integers(0, 4))
                else (),
                workspaces=tuple(
                    TaskWorkspace(
                        name=f"w{j}",
                        workspace=draw(st.sampled_from(["src", "src", "src", "out", "none"])),
                        sub_path=draw(st.sampled_from(["", "", *SUB_PATHS])),
                    )
                    for j in range(draw(st.integers(0, 2)))
                ),
                read_only_workspaces=draw(st.sampled_from([None, (), ("w0",), ("w1",)])),
            )
        )
    run = PipelineRun(
        namespace="ns", name="run", tasks=tuple(tasks) if draw(st.integers(0, 5)) else (), bindings=bindings
    )
    rows = [row for task in tasks for row in draw(task_rows(task))]
    return RunView(run=run, tasks=tuple(rows))


@st.composite
def task_rows(draw, task: PipelineTask) -> list[TaskView]:
    """No row, one row, or matrix children for ``task``."""
    indexes = draw(st.sampled_from([[None], [None], [None], [], [0, 1]]))
    found = []
    for index in indexes:
        status = draw(st.sampled_from([Status.SUCCEEDED, Status.SUCCEEDED, Status.FAILED, Status.RUNNING]))
        start = instants(draw, T0)
        end = instants(draw, start) if status.finished else None
        steps = tuple(
            Step(
                name=draw(st.sampled_from(["a", "b", "c"])),
                status=status,
                started=instants(draw, start),
                finished=instants(draw, start),
            )
            for _ in range(draw(st.integers(0, 3)))
        )
        retries = tuple(
            Attempt(
                status=draw(st.sampled_from([Status.FAILED, Status.SUCCEEDED])),
                start=instants(draw, T0),
                completion=instants(draw, T0),
            )
            for _ in range(draw(st.sampled_from([0, 0, 0, 1])))
        )
        run = TaskRun(
            namespace="ns",
            name=f"{task.name}-{index}",
            pipeline_task=task.name,
            status=status,
            start=start,
            completion=end,
            steps=steps,
            retries=retries,
            bindings=(Binding(name="w0", storage=Storage(kind="pvc", ref="own")),),
            read_only_workspaces=draw(st.sampled_from([None, ("w0",)])),
        )
        found.append(
            TaskView(
                name=task.name,
                task_run=run,
                spec=task if draw(st.integers(0, 9)) else None,
                index=index,
                status=status,
                start=start,
                end=end,
                steps=steps,
            )
        )
    return found


def facts_of(view: RunView, settings: RaceSettings | None = None) -> RunFacts:
    return RunFacts(view, order_of(view), uses_of(view), settings or RaceSettings())


def reachable(preds: dict[str, set[str]], a: str, b: str) -> bool:
    """Plain reachability: ``a`` is found walking predecessors back from ``b``."""
    seen, todo = set(), list(preds.get(b, ()))
    while todo:
        node = todo.pop()
        if node == a:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(preds.get(node, ()))
    return False


@CHECKED
@given(runs())
def test_order_is_reachability_over_the_dag(view):
    preds = edges(view.run)  # type: ignore[arg-type]
    if not preds or any(reachable(preds, name, name) for name in preds):
        return  # no spec (the order is observed), or a cycle: closure only has to terminate (see test_races)
    order = order_of(view)
    for a in preds:
        assert order.ancestors(a) == frozenset(n for n in preds if reachable(preds, n, a))
        for b in preds:
            assert order.before(a, b) is reachable(preds, a, b)
            assert order.ordered(a, b) is (reachable(preds, a, b) or reachable(preds, b, a))


@CHECKED
@given(runs())
def test_run_facts_index_every_row_as_the_plain_definitions_say(view):
    facts = facts_of(view)
    rows = {label(t): t for t in view.tasks}
    assert facts.rows == rows
    for row, task in rows.items():
        start = first_start(task)
        assert facts.starts[row] == start
        assert facts.start_secs[row] == (None if start is None else sec(start))
        assert facts.end_secs[row] == (None if task.end is None else sec(task.end))
        assert facts.end_stamps[row] == (task.end.timestamp() if task.end is not None else float("inf"))
        begun = [(s.started, s.name) for s in task.steps if s.started is not None]
        assert facts.first_step(row) == (min(begun) if begun else None)
        stepped = bool(begun) and not (task.task_run and task.task_run.retries)
        assert facts.step_access(row) == (sec(min(at for at, _ in begun)) if stepped else None)
    started_writers = [u for u in facts.uses if u.writer and first_start(rows[u.row]) is not None]
    assert set(facts.writers) == {u.storage for u in started_writers}
    for storage, found in facts.writers.items():
        assert [u for u, _ in found] == [u for u in started_writers if u.storage == storage]
        assert all(above == facts.order.ancestors(u.task) for u, above in found)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runs())
def test_producer_is_the_latest_writer_before_the_use(view):
    facts = facts_of(view)
    for use in facts.uses:
        assert producer_of(facts, use) == plain_producer_of(facts, use)


def plain_producer_of(facts: RunFacts, use):
    """The definition: of the started writers of overlapping storage before ``use``'s task (another row), the
    ones before no other such writer; the last to end (then the greater row, then the first in use order)."""
    if first_start(facts.rows[use.row]) is None:
        return None
    writers = [
        w
        for w in facts.uses
        if w.writer
        and w.storage == use.storage
        and w.row != use.row
        and facts.order.before(w.task, use.task)
        and overlaps(w.path, use.path)
        and first_start(facts.rows[w.row]) is not None
    ]
    latest = [w for w in writers if not any(facts.order.before(w.task, o.task) for o in writers)]

    def end(w):
        task = facts.rows[w.row]
        return task.end.timestamp() if task.end is not None else float("inf")

    return max(latest, key=lambda w: (end(w), w.row), default=None)


@CHECKED
@given(runs(), st.sampled_from([0.0, 3.5, 10.0]))
def test_settled_access_is_every_first_step_after_the_settling_time(view, settle):
    facts = facts_of(view, RaceSettings(settle=settle))
    for producer in facts.uses:
        rows = [u.row for u in facts.uses if u.row != producer.row]
        end = facts.rows[producer.row].end
        expected = end is not None and all(
            facts.step_access(r) is not None and facts.step_access(r) - sec(end) > settle  # type: ignore[operator]
            for r in rows
        )
        assert settled_access(facts, producer, rows) is expected


@CHECKED
@given(runs())
def test_uses_resolve_each_binding_as_the_plain_definition_says(view):
    assert [(u.task, u.row, u.workspace, u.storage, u.path, u.writer) for u in uses_of(view)] == plain_uses(
        view
    )


def plain_uses(view: RunView) -> list[tuple]:
    """Per row: each spec workspace through the run's binding (else the TaskRun's own, the last of a name), or
    every TaskRun binding when the row has no spec workspaces; shared storage only."""
    found = []
    run = view.run
    for task in view.tasks:
        tr = task.task_run
        read_only = (
            tr.read_only_workspaces
            if tr and tr.read_only_workspaces is not None
            else (
                task.spec.read_only_workspaces
                if task.spec and task.spec.read_only_workspaces is not None
                else ()
            )
        )
        spec_ws = task.spec.workspaces if task.spec else ()
        mounts = []
        if spec_ws:
            bound, own = {b.name: b for b in run.bindings}, {b.name: b for b in tr.bindings} if tr else {}
            for tw in spec_ws:
                if tw.workspace in bound:
                    b = bound[tw.workspace]
                    mounts.append((tw.name, tw.workspace, b.storage, joined(b.sub_path, tw.sub_path)))
                elif tw.name in own:
                    mounts.append(
                        (tw.name, tw.workspace, own[tw.name].storage, joined(own[tw.name].sub_path))
                    )
        elif tr:
            mounts = [(b.name, b.name, b.storage, joined(b.sub_path)) for b in tr.bindings]
        for task_ws, pipeline_ws, storage, path in mounts:
            key = storage_key(storage)
            if key is not None:
                writer = (
                    not storage.read_only and storage.kind not in READ_ONLY_KINDS and task_ws not in read_only
                )
                found.append((task.name, label(task), pipeline_ws, key, path, writer))
    return found


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SUB_PATHS), st.sampled_from(SUB_PATHS))
def test_overlap_short_cut_agrees_with_the_component_rule(a, b):
    x, y = components(a), components(b)
    plain = all(p == q or "$(" in p or "$(" in q for p, q in zip(x, y, strict=False))
    assert overlaps(x, y) is plain
