"""Ingest, the single writer: batches become snapshots, problems are kept, a failing source is reported."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from tektonwatch.clock import FrozenClock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, Problem, Synced
from tektonwatch.ingest import Ingestor, Pipeline, drain
from tektonwatch.model import decode

NOW = datetime(2025, 10, 27, 18, 0, tzinfo=UTC)


def taskrun(name: str, rv: str) -> Change:
    return Change("ADDED", decode({"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
                                   "metadata": {"name": name, "namespace": "ns", "resourceVersion": rv}}))


class ListSource:
    kind = "test"

    def __init__(self, events, error: Exception | None = None) -> None:
        self.events, self.error = events, error

    def run(self, emit, stop: threading.Event) -> None:
        for ev in self.events:
            emit(ev)
        if self.error:
            raise self.error


def run_pipeline(source) -> list:
    published, done = [], threading.Event()
    ingestor = Ingestor("test", FrozenClock(NOW))

    def publish(snapshot):
        published.append(snapshot)
        if snapshot.health.synced or ingestor.fatal:
            done.set()

    pipeline = Pipeline(source, ingestor, publish, batch_seconds=0.01)
    pipeline.start()
    assert done.wait(10), "no snapshot published"
    pipeline.stop()
    return published + [ingestor]


def test_pipeline_publishes_snapshots_with_everything_applied():
    *snapshots, _ = run_pipeline(ListSource([taskrun("a", "1"), taskrun("b", "2"), Synced()]))
    last = snapshots[-1]
    assert set(last.task_runs) == {("ns", "a"), ("ns", "b")} and last.health.synced
    assert [s.version for s in snapshots] == sorted(s.version for s in snapshots)


def test_a_source_error_becomes_fatal():
    *_, ingestor = run_pipeline(ListSource([taskrun("a", "1")], SourceError("cannot reach the cluster")))
    assert ingestor.fatal == "cannot reach the cluster"


def test_a_crashing_source_is_reported_not_silent():
    *_, ingestor = run_pipeline(ListSource([], RuntimeError("boom")))
    assert ingestor.fatal == "the source stopped unexpectedly: RuntimeError: boom"


def test_problems_are_kept_in_the_snapshot_and_capped():
    events = [Problem(f"bad object {i}") for i in range(500)] + [Synced()]
    snapshot = drain(ListSource(events), Ingestor("test", FrozenClock(NOW)))
    assert len(snapshot.problems) == 200 and snapshot.problems[0] == "bad object 0"


def test_drain_until_synced_stops_a_live_source():
    class Endless:
        kind = "test"

        def run(self, emit, stop):
            emit(taskrun("a", "1"))
            emit(Synced())
            assert stop.is_set(), "drain must ask the source to stop once synced"

    snapshot = drain(Endless(), Ingestor("test", FrozenClock(NOW)), until_synced=True)
    assert snapshot.health.synced and snapshot.at == NOW
