"""Provides the watch-frame benchmark: one frame of ``tektonwatch watch`` for 20 running PipelineRuns of 15 tasks,
as a share of the redraw period (``--interval``, 1 s).

    python benchmarks/bench_frame.py [--repeat 9]

A frame here is the worst case: a snapshot in which every run changed reaches a fresh ``watch.Model`` (every
run assembled and race-analysed again), then a fresh ``watch.Screen`` draws the whole pane (``render.pane.frame``
at 200x60, every line turned into ANSI, written to an in-memory terminal). The steady redraw — the once-a-second
tick, nothing new, only changed rows rewritten — is reported too. Prints JSON figures.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from benchmarks.common import emit, median, timed
from benchmarks.generate import NOW, pipeline, play
from tektonwatch.app import Settings
from tektonwatch.clock import FrozenClock
from tektonwatch.events import Change, Synced
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.render.status import PaneOptions
from tektonwatch.store import Snapshot
from tektonwatch.watch import Model, Moment, Screen

RUNS, TASKS = 20, 15
WIDTH, HEIGHT = 200, 60
PERIOD = 1.0


def running_cluster(seed: int = 11) -> Snapshot:
    """20 PipelineRuns of 15 tasks, all mid-way at ``NOW``: some tasks done, several running, some waiting."""
    rng = random.Random(seed)
    pipelines = [pipeline(rng, f"service-{k}", "ci", TASKS, k == 0) for k in range(4)]
    ingestor = Ingestor("kube", FrozenClock(NOW))
    for i in range(RUNS):
        start = NOW - timedelta(seconds=rng.randint(300, 1500))
        run = play(rng, pipelines[i % len(pipelines)], f"service-{i % 4}-run-{i:03d}", start, NOW, False)
        ingestor.apply([Change("ADDED", decode(obj)) for obj in run.objects(NOW)])
    ingestor.apply([Synced()])
    return ingestor.snapshot()


def draw(model: Model, screen: Screen) -> str:
    """One frame on ``screen`` from ``model`` (the watch loop's ``redraw``)."""
    screen.show(Moment(model.picture(NOW), model.snapshot.health, NOW, PaneOptions(updated=NOW), True))
    return screen.file.getvalue()  # type: ignore[attr-defined]


def terminal() -> Screen:
    """A fresh screen on an in-memory 200x60 colour terminal."""
    console = Console(file=io.StringIO(), width=WIDTH, height=HEIGHT, force_terminal=True, color_system="truecolor")
    return Screen(console)


def cold(snapshot: Snapshot) -> str:
    """The worst-case frame: fresh model (every run analysed), fresh screen (every row written)."""
    model = Model(Settings())
    model.update(snapshot)
    return draw(model, terminal())


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    snapshot = running_cluster()
    assert "service-0-run-000" in cold(snapshot)
    worst = median(timed(lambda: cold(snapshot), args.repeat))
    model, screen = Model(Settings()), terminal()
    model.update(snapshot)
    draw(model, screen)
    steady = median(timed(lambda: draw(model, screen), args.repeat * 3))
    emit({"frame_s": worst, "steady_s": steady, "share": worst / PERIOD * 100, "runs": RUNS, "tasks": TASKS})


if __name__ == "__main__":
    main()
