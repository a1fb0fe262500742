"""A snapshot's TaskRuns are a sharded map the store shares with later snapshots: a later change never shows in
an earlier snapshot, and the map answers like a dict. The TaskRuns shown standalone come from an index the store
keeps, and are the ones the definition gives."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tektonwatch.health import SourceHealth
from tektonwatch.model import decode
from tektonwatch.store import SHARDS, Store

HEALTH = SourceHealth(kind="kube")


def taskrun(name: str, rv: int, reason: str = "Running") -> dict:
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": str(rv)},
            "status": {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": reason}],
                       "startTime": "2025-10-27T18:00:00Z"}}


def test_earlier_snapshots_keep_what_they_saw() -> None:
    store = Store()
    names = [f"tr-{i}" for i in range(3 * SHARDS)]  # every shard holds a few
    for i, name in enumerate(names):
        store.apply("ADDED", decode(taskrun(name, i + 1)))
    first = store.snapshot(HEALTH)
    store.apply("MODIFIED", decode(taskrun("tr-7", 10_000, "Failed")))
    store.apply("DELETED", decode(taskrun("tr-8", 10_001)))
    store.apply("ADDED", decode(taskrun("new", 10_002)))
    second = store.snapshot(HEALTH)

    assert len(first.task_runs) == len(names) and len(second.task_runs) == len(names)
    assert first.task_runs[("ns", "tr-7")].reason == "Running"
    assert second.task_runs[("ns", "tr-7")].reason == "Failed"
    assert ("ns", "tr-8") in first.task_runs and ("ns", "tr-8") not in second.task_runs
    assert first.task_runs.get(("ns", "new")) is None and second.task_runs.get(("ns", "new")) is not None
    assert sorted(k[1] for k in first.task_runs) == sorted(names)
    assert {k: v.resource_version for k, v in first.task_runs.items()} == {
        ("ns", n): str(i + 1) for i, n in enumerate(names)}
    assert sorted(v.name for v in second.task_runs.values()) == sorted({*names, "new"} - {"tr-8"})
    assert dict(second.task_runs) == {k: second.task_runs[k] for k in second.task_runs}
    unchanged = [k for k in first.task_runs if k[1] not in ("tr-7", "tr-8")]
    assert all(first.task_runs[k] is second.task_runs[k] for k in unchanged)


def _tr(name: str, run: str, rv: int) -> dict:
    obj = taskrun(name, rv)
    if run:
        obj["metadata"]["labels"] = {"tekton.dev/pipelineRun": run}
    return obj


def _pr(name: str, rv: int) -> dict:
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": str(rv)}}


OPS = st.lists(st.tuples(st.sampled_from(["ADDED", "MODIFIED", "DELETED"]), st.sampled_from(["pr", "tr"]),
                         st.integers(0, 5), st.sampled_from(["", "run-0", "run-1", "run-2"])), max_size=60)


@settings(max_examples=300, deadline=None)
@given(OPS, st.integers(1, 4))
def test_standalone_taskruns_by_index_are_those_a_walk_finds(ops: list, every: int) -> None:
    """Whatever arrives in whatever order (a TaskRun before its PipelineRun, a run deleted under its TaskRuns, a
    TaskRun moving between runs or losing its label), the indexed answer equals the definition."""
    store = Store()
    for i, (kind, what, n, run) in enumerate(ops, start=1):
        obj = _pr(f"run-{n % 3}", i) if what == "pr" else _tr(f"tr-{n}", run, i)
        store.apply(kind, decode(obj))
        if i % every == 0:
            snap = store.snapshot(HEALTH)
            walked = msgspec.structs.replace(snap, loose=None)
            assert sorted(t.name for t in snap.standalone_taskruns()) == sorted(
                t.name for t in walked.standalone_taskruns())
