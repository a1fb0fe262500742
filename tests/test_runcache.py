"""``RunCache``: one value per PipelineRun over a stream of snapshots, computed again only for runs that changed;
``Timelines`` on top of it assembles the very views ``build_all`` does."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from tektonwatch.health import SourceHealth
from tektonwatch.model import PipelineRun, TaskRun, decode
from tektonwatch.runcache import RunCache
from tektonwatch.store import Snapshot, Store
from tektonwatch.timeline import Timelines, build_all
from tests.builders import PipelineBuilder, RunBuilder

NS = "ci"
HEALTH = SourceHealth(kind="kube")


def run_of(name: str) -> RunBuilder:
    p = PipelineBuilder("release", namespace=NS).task("build", workspaces={"source": "source"})
    p.task("push", run_after=["build"], workspaces={"source": "source"}).bind("source", pvc="release-pvc")
    run = p.run(name, "2025-10-27T18:00:00Z")
    run.task_ran("build", "2025-10-27T18:00:00Z", "2025-10-27T18:05:00Z")
    run.task_started("push", "2025-10-27T18:05:01Z")
    return run.task_finished("push", "2025-10-27T18:07:00Z").finish("2025-10-27T18:07:00Z")


def apply(store: Store, objects: list[dict], kind: str = "ADDED") -> None:
    for obj in objects:
        store.apply(kind, decode(obj))


class Counting:
    """A compute function that records which runs it was asked for."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, snapshot: Snapshot, run: PipelineRun, taskruns: Sequence[TaskRun]) -> tuple[str, int]:
        self.calls.append(run.name)
        assert list(taskruns) == snapshot.taskruns_of(run)
        return run.name, len(taskruns)


def test_only_touched_runs_are_computed_again_and_earlier_maps_stay_as_they_were() -> None:
    a, b = run_of("a"), run_of("b")
    store, compute = Store(), Counting()
    cache = RunCache(compute)
    apply(store, a.objects("2025-10-27T18:03:00Z") + b.objects("2025-10-27T18:03:00Z"))
    first = cache.update(store.snapshot(HEALTH))
    assert sorted(compute.calls) == ["a", "b"] and first[(NS, "a")] == ("a", 1)
    compute.calls.clear()
    apply(store, a.taskruns("2025-10-27T18:06:00Z"), "MODIFIED")  # push has started: a second TaskRun
    second = cache.update(store.snapshot(HEALTH))
    assert compute.calls == ["a"] and cache.recomputed == {(NS, "a")}
    assert second[(NS, "a")] == ("a", 2) and first[(NS, "a")] == ("a", 1)
    assert second[(NS, "b")] is first[(NS, "b")]
    compute.calls.clear()
    cache.update(store.snapshot(HEALTH))  # nothing happened
    assert compute.calls == [] and cache.recomputed == frozenset()


def test_a_deleted_run_leaves_and_a_touch_without_change_keeps_the_value() -> None:
    a, b = run_of("a"), run_of("b")
    store, compute = Store(), Counting()
    cache = RunCache(compute)
    apply(store, a.objects("2025-10-27T18:08:00Z") + b.objects("2025-10-27T18:08:00Z"))
    cache.update(store.snapshot(HEALTH))
    store.apply("DELETED", decode(b.pipelinerun("2025-10-27T18:08:00Z")))
    compute.calls.clear()
    values = cache.update(store.snapshot(HEALTH))
    assert set(values) == {(NS, "a")} and compute.calls == []


def test_out_of_sequence_snapshots_compare_records() -> None:
    a = run_of("a")
    store, compute = Store(), Counting()
    cache = RunCache(compute)
    apply(store, a.objects("2025-10-27T18:08:00Z"))
    first = store.snapshot(HEALTH)
    apply(store, [a.pipelinerun("2025-10-27T18:08:00Z")], "MODIFIED")  # a new record, equal content
    store.snapshot(HEALTH)  # never seen by the cache
    third = store.snapshot(HEALTH)
    cache.update(first)
    cache.update(third)
    assert compute.calls == ["a", "a"]  # a different PipelineRun record: computed again
    cache.update(first)  # out of sequence, back to the first records
    assert compute.calls == ["a", "a", "a"]


def test_timelines_give_what_build_all_gives_at_every_step() -> None:
    runs = [run_of("a"), run_of("b")]
    store, timelines = Store(), Timelines()
    for at in ("2025-10-27T18:01:00Z", "2025-10-27T18:05:30Z", "2025-10-27T18:09:00Z"):
        apply(store, [obj for run in runs[:1] for obj in run.objects(at)], "MODIFIED")
        snap = store.snapshot(HEALTH)
        assert timelines.build(snap) == build_all(snap)
        runs.reverse()


def test_analyses_from_the_timelines_views_equal_analyses_from_scratch() -> None:
    from tektonwatch.races import Analyzer

    runs = [run_of("a"), run_of("b")]
    store, timelines, analyzer = Store(), Timelines(), Analyzer()
    for at in ("2025-10-27T18:01:00Z", "2025-10-27T18:05:30Z", "2025-10-27T18:09:00Z"):
        apply(store, [obj for run in runs for obj in run.objects(at)], "MODIFIED")
        snap = store.snapshot(HEALTH)
        timelines.build(snap)
        analyses = dict(analyzer.analyse(snap, timelines.by_key))
        assert analyses == dict(Analyzer().analyse(snap))
    assert analyses[(NS, "a")].handoffs  # push started 1 s after build completed: a hot handoff


def _pr(name: str, rv: int, start: int | None) -> dict:
    status = {"startTime": f"2025-10-27T18:{start:02d}:00Z"} if start is not None else {}
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun", "status": status,
            "metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}", "resourceVersion": str(rv),
                         "creationTimestamp": "2025-10-27T17:00:00Z"}}


def _tr(name: str, run: str, rv: int, start: int | None) -> dict:
    status = {"startTime": f"2025-10-27T18:{start:02d}:00Z"} if start is not None else {}
    labels = {"tekton.dev/pipelineRun": run} if run else {}
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "status": status,
            "metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}", "resourceVersion": str(rv),
                         "labels": labels}}


STEPS = st.lists(st.tuples(st.sampled_from(["ADDED", "MODIFIED", "DELETED"]), st.booleans(), st.integers(0, 4),
                           st.sampled_from(["", "r0", "r1", "r2", "r3"]), st.none() | st.integers(0, 3),
                           st.integers(0, 3)), max_size=50)


@settings(max_examples=300, deadline=None)
@given(STEPS)
def test_timelines_keep_build_alls_order_whatever_arrives(steps: list) -> None:
    """Runs that start, restart later or earlier, vanish and return, TaskRuns without their run (shown alone, even
    under a run's name), snapshots the timelines never see: the order is always ``build_all``'s."""
    store, timelines = Store(), Timelines()
    for rv, (kind, is_run, n, run, start, every) in enumerate(steps, start=1):
        obj = _pr(f"r{n % 4}", rv, start) if is_run else _tr(f"r{n}" if n == 4 else f"t{n}", run, rv, start)
        store.apply(kind, decode(obj))
        snap = store.snapshot(HEALTH)
        if every:  # 0: a snapshot the timelines skip
            assert timelines.build(snap) == build_all(snap)
