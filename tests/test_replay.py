"""Recordings: the bundled demo, --replay timing and clock, malformed lines, and what --record leaves out."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tektonwatch.errors import SourceError
from tektonwatch.events import Change, Finished, Problem, Synced
from tektonwatch.ingest import Ingestor, drain
from tektonwatch.model import Status
from tektonwatch.sources.replay import Recorder, ReplayClock, ReplaySource, demo_path, load, strip_private


def test_demo_recording_plays_to_the_incident_and_keeps_its_own_clock():
    recording = load(demo_path())
    assert recording.begin == datetime(2025, 10, 27, 17, 55, 0, tzinfo=UTC)
    clock = ReplayClock(recording, None)
    snap = drain(ReplaySource(recording, clock), Ingestor("replay", clock))
    assert not snap.problems and snap.health.synced
    assert clock.now() == recording.end_time()
    q4 = snap.pipeline_runs[("private-ai", "model-serving-q4")]
    assert q4.status is Status.FAILED
    quay = snap.task_runs[("private-ai", "model-serving-q4-push-to-quay")]
    assert "permission denied" in quay.message


class FakeMonotonic:
    """A monotonic clock that moves only when a wait is requested."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class VirtualStop(threading.Event):
    """A stop event whose waits advance the fake monotonic clock instead of sleeping."""

    def __init__(self, monotonic: FakeMonotonic) -> None:
        super().__init__()
        self.monotonic = monotonic
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(round(timeout or 0, 3))
        self.monotonic.now += timeout or 0
        return self.is_set()


def test_timed_replay_waits_scaled_by_speed_and_the_clock_follows():
    recording = load(demo_path())
    monotonic = FakeMonotonic()
    clock = ReplayClock(recording, 60.0, monotonic)
    stop = VirtualStop(monotonic)
    seen: list[tuple[float, datetime]] = []
    ReplaySource(recording, clock).run(lambda ev: seen.append((monotonic.now, clock.now())), stop)
    assert sum(stop.waits) == pytest.approx(recording.length / 60.0, abs=0.01)
    assert seen[-1][1] == recording.end_time()
    times = [t for t, _ in seen]
    assert times == sorted(times)


def test_stop_interrupts_a_timed_replay():
    recording = load(demo_path())
    stop = threading.Event()
    stop.set()
    events: list = []
    ReplaySource(recording, ReplayClock(recording, 1.0)).run(events.append, stop)
    assert not any(isinstance(e, Finished) for e in events)


def test_malformed_lines_warn_with_their_line_number(tmp_path):
    good = Path(demo_path()).read_bytes().splitlines(keepends=True)[0]
    path = tmp_path / "r.jsonl"
    path.write_bytes(good + b'{"t": 1, "type": "MODIFIED", "obj\n\n{"t": 2, "type": "WEIRD", "object": {}}\n')
    recording = load(str(path))
    problems = [e.message for e in recording.events if isinstance(e, Problem)]
    assert problems == [f"{path}: line 2: not a recorded event (invalid JSON)",
                        f"{path}: line 4: unknown event type 'WEIRD'"]
    assert isinstance(recording.events[0], Change)


def test_a_file_that_is_not_a_recording_is_a_source_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\nworld\n")
    with pytest.raises(SourceError, match="not a tektonwatch recording"):
        load(str(path))


def test_recording_without_synced_is_synced_at_its_end(tmp_path):
    lines = [json.loads(line) for line in Path(demo_path()).read_text().splitlines()]
    path = tmp_path / "r.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines if line["type"] != "SYNCED"))
    recording = load(str(path))
    events: list = []
    ReplaySource(recording, ReplayClock(recording, None)).run(events.append, threading.Event())
    assert isinstance(events[-2], Synced) and isinstance(events[-1], Finished)


def test_record_leaves_out_private_fields():
    obj = {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
           "metadata": {"name": "t", "annotations": {"secret-ish": "x"}, "managedFields": [{"a": 1}]},
           "spec": {"params": [{"name": "token", "value": "hunter2"}]},
           "status": {"taskSpec": {"steps": [{"name": "push", "script": "echo hunter2", "args": ["a"],
                                              "env": [{"name": "PASS", "value": "hunter2"}]}]},
                      "steps": [{"name": "push", "terminated": {"exitCode": 0}}]}}
    stripped = strip_private(obj)
    text = json.dumps(stripped)
    assert "hunter2" not in text and "annotations" not in text and "managedFields" not in text
    assert stripped["spec"]["params"] == [{"name": "token"}]
    assert stripped["status"]["steps"][0]["terminated"] == {"exitCode": 0}


def test_recorder_writes_lines_replay_reads_back():
    raw = Path(demo_path()).read_bytes().splitlines(keepends=True)[0]
    first = json.loads(raw)
    out = io.StringIO()
    monotonic = FakeMonotonic()
    recorder = Recorder(out, monotonic)
    from tektonwatch.model import decode

    body = json.dumps(first["object"]).encode()
    monotonic.now += 1.5
    recorder.change(Change("ADDED", decode(body), raw=body))
    recorder.synced()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["t"], line["type"]) for line in lines] == [(1.5, "ADDED"), (1.5, "SYNCED")]
    recording = load("-", out.getvalue().encode())
    assert isinstance(recording.events[0], Change) and isinstance(recording.events[1], Synced)
