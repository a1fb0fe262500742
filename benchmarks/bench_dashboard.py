"""Provides the dashboard benchmark: the Textual dashboard (headless, 200x50) taking a snapshot of the whole
generated cluster, as a share of its 1 s tick.

    python benchmarks/bench_dashboard.py DATA_DIR [--repeat 7]

A new snapshot costs the dashboard two things. Off the event loop, on the ingest thread, its ``Board``: every run
assembled and race-analysed (measured cold, with a fresh ``Analyzer`` and ``Timelines``: the worst case, a first
listing). On the event loop, the frame: the message handler assigns the board and redraws the run list (a Line
API widget over every run), the detail of the selected run and the status line, then the whole screen is
composed (``render_strips``). The frame is what competes with keystrokes, so it is the figure held against the
tick; a page-down in the run list (the cursor moves a screenful, the newly selected run's detail is drawn) is
reported too, as the CPU it costs on the loop and as the wall time until the screen is composed (which also
waits for Textual's next frame). Prints JSON figures.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import emit, median
from benchmarks.generate import paths
from tektonwatch.app import Settings, Wiring, build_source
from tektonwatch.clock import FrozenClock
from tektonwatch.ingest import Ingestor, drain
from tektonwatch.races import Analyzer
from tektonwatch.store import Snapshot
from tektonwatch.timeline import Timelines
from tektonwatch.tui import make_app
from tektonwatch.tui.board import Board
from tektonwatch.tui.messages import SnapshotUpdated
from tektonwatch.tui.runlist import RunList

PERIOD = 1.0
SIZE = (200, 50)


class _Idle:
    """A source that delivers nothing: the benchmark hands the dashboard its boards itself."""

    kind = "kube"

    def run(self, emit: object, stop: object) -> None:
        return None


def listed(data: Path) -> Snapshot:
    """The generated cluster as one snapshot (not timed)."""
    wiring = build_source(Settings.from_options({"from_files": [str(paths(data)["all"])]}, environ={}))
    return drain(wiring.source, wiring.ingestor)


async def measure(snapshot: Snapshot, board: Board, repeat: int) -> tuple[float, float, float]:
    """Median seconds of a frame (handler + full composition) and of a page-down (CPU, wall), on the app's
    event loop."""
    clock = FrozenClock(snapshot.at or board.snapshot.at)  # type: ignore[arg-type]
    settings = Settings.from_options({"utc": True}, environ={})
    app = make_app(Wiring(_Idle(), clock, Ingestor("kube", clock), live=True), settings)  # type: ignore[arg-type]
    frames, pages, walls = [], [], []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for _ in range(repeat):
            start = time.perf_counter()
            app.on_snapshot_updated(SnapshotUpdated(snapshot, board))
            app.screen._compositor.render_strips()  # private, but the one call that composes the whole screen
            frames.append(time.perf_counter() - start)
            await pilot.pause()
        runs = app.screen.query_one(RunList)
        for _ in range(repeat):
            start, cpu = time.perf_counter(), time.process_time()
            runs.action_page(1)  # what the key does; the detail of the newly selected run follows as a message
            await pilot.pause()
            app.screen._compositor.render_strips()
            pages.append(time.process_time() - cpu)
            walls.append(time.perf_counter() - start)
        assert len(app.board.views) == len(board.views)
    return median(frames), median(pages), median(walls)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    snapshot = listed(args.data)
    builds = []
    for _ in range(max(3, args.repeat // 2)):
        start = time.perf_counter()
        board = Board.build(snapshot, Analyzer(), Timelines())
        builds.append(time.perf_counter() - start)
    frame, page, wall = asyncio.run(measure(snapshot, board, args.repeat))
    emit({"runs": len(board.views), "board_s": median(builds), "frame_s": frame, "page_s": page, "page_wall_s": wall,
          "share": frame / PERIOD * 100})


if __name__ == "__main__":
    main()
