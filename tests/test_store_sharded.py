"""A snapshot's TaskRuns are a sharded map the store shares with later snapshots: a later change never shows in
an earlier snapshot, and the map answers like a dict."""

from __future__ import annotations

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
