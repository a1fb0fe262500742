"""Provides the watch-ingest benchmark: a recorded watch stream pushed through the live source's own reader
(``sources.kubewatch.Watcher``: line splitting, envelope and typed decoding, its object cache and health
counters), then ``Ingestor`` batches (store, snapshot) and the incremental race analysis (``Analyzer``) — no UI —
against a loop that only runs ``orjson.loads`` over the same event lines.

    python benchmarks/bench_ingest.py DATA_DIR [--repeat 5]

The store first holds the listed cluster (as after a real first sync), so every snapshot copies it. Two runs:
a flood (batches as ``ingest.Pipeline`` cuts them, at most one snapshot per 0.25 s) for events per second, and
the steady case of 200 events/s (batches of 50 per 0.25 s) for CPU seconds per event, from which the share of
one core at 200 events/s follows. For information, the same steady case through ``tektonwatch watch``'s
``Model.update`` (which also keeps every run's timeline up to date for the frame; still no drawing). The stream
is fed from memory in 64 KiB reads. Prints JSON figures.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import emit, median
from benchmarks.generate import paths
from tektonwatch.app import Settings, build_source
from tektonwatch.clock import SystemClock
from tektonwatch.events import SourceEvent
from tektonwatch.ingest import Ingestor, drain
from tektonwatch.races import Analyzer
from tektonwatch.sources.kubeconn import KubeSettings, Target
from tektonwatch.sources.kubewatch import Env, Watcher
from tektonwatch.watch import Model

BATCH_SECONDS = 0.25
STEADY_RATE = 200


class _Connection:
    """Stands in for ``kubeconn.Connection``: no cluster is contacted, the stream comes from memory."""

    def client(self, generation: int | None = None) -> tuple[Any, int]:
        return None, 0


class _Response:
    """The part of a urllib3 response ``kubeconn.chunks`` reads: plain ``read1`` of the recorded bytes."""

    chunked = False

    def __init__(self, data: bytes) -> None:
        self._body = io.BytesIO(data)

    def read1(self, size: int) -> bytes:
        return self._body.read1(size)


class Sink:
    """Collects what the watcher emits and hands it to ingest in batches: by time (``per`` None) or by count;
    each batch is applied, frozen into a snapshot and analysed — or, with ``model``, handed to the watch front
    end's ``Model.update`` (which also assembles every run's timeline) instead."""

    def __init__(self, ingestor: Ingestor, analyzer: Analyzer, per: int | None, model: Model | None = None) -> None:
        self.ingestor, self.analyzer, self.per, self.model = ingestor, analyzer, per, model
        self.batch: list[SourceEvent] = []
        self.changes = 0
        self.last = time.perf_counter()

    def put(self, ev: SourceEvent) -> None:
        self.batch.append(ev)
        if self.per is not None:
            if len(self.batch) >= self.per:
                self.flush()
        elif time.perf_counter() - self.last >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.ingestor.apply(self.batch)
            self.changes += len(self.batch)
            self.batch = []
            snapshot = self.ingestor.snapshot()
            if self.model is not None:
                self.model.update(snapshot)
            else:
                self.analyzer.analyse(snapshot)
        self.last = time.perf_counter()


def listed(data: Path) -> tuple[Ingestor, Analyzer]:
    """An ingestor holding the generated cluster and an analyzer that has seen it (not timed)."""
    wiring = build_source(Settings.from_options({"from_files": [str(paths(data)["all"])]}, environ={}))
    ingestor = Ingestor("kube", SystemClock())
    drain(wiring.source, ingestor)
    analyzer = Analyzer()
    analyzer.analyse(ingestor.snapshot())
    return ingestor, analyzer


def stream(data: Path, stream_bytes: bytes, per: int | None, clock: Callable[[], float], model: bool = False
           ) -> tuple[float, int]:
    """Seconds (by ``clock``) to absorb the whole stream, and the number of watch events it carried."""
    ingestor, analyzer = listed(data)
    front = None
    if model:
        front = Model(Settings())
        front.update(ingestor.snapshot())
    sink = Sink(ingestor, analyzer, per, front)
    env = Env(KubeSettings(), SystemClock(), sink.put, threading.Event(), rng=random.Random(1))
    watcher = Watcher(Target("taskruns", None), _Connection(), "v1", env)  # type: ignore[arg-type]
    start = clock()
    events = watcher.consume(_Response(stream_bytes))
    sink.flush()
    return clock() - start, events


def floor(lines: list[bytes]) -> float:
    """Seconds for ``orjson.loads`` of every line."""
    start = time.perf_counter()
    for line in lines:
        orjson.loads(line)
    return time.perf_counter() - start


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    raw = paths(args.data)["watch"].read_bytes()
    lines = raw.splitlines()
    flood = [stream(args.data, raw, None, time.perf_counter) for _ in range(args.repeat)]
    events = flood[0][1]
    ours = median([s for s, _ in flood])
    base = median([floor(lines) for _ in range(args.repeat * 3)])
    steady = median([stream(args.data, raw, STEADY_RATE // 4, time.process_time)[0] for _ in range(args.repeat)])
    per_event = steady / events
    watching = median([stream(args.data, raw, STEADY_RATE // 4, time.process_time, True)[0] for _ in range(2)])
    emit({"events": events, "ingest_s": ours, "orjson_s": base, "ingest_ev_s": events / ours,
          "orjson_ev_s": len(lines) / base, "ratio": (events / ours) / (len(lines) / base),
          "cpu_per_event_us": per_event * 1e6, "core_share_at_200": per_event * STEADY_RATE * 100,
          "watch_model_share_at_200": watching / events * STEADY_RATE * 100})


if __name__ == "__main__":
    main()
