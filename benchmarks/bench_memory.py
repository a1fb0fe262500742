"""Provides the memory benchmark: the resident memory a fresh process grows by to hold a cluster — the store's
snapshot, the assembled runs and their race analyses, what a live front end keeps — read page by page from the
list bodies an API server sends, the pages themselves freed.

    python benchmarks/bench_memory.py DATA_DIR

RSS is read after imports and a warm-up (baseline) and again after the pages are gone and the garbage collector
has run (held); the growth is scaled to MB per 10,000 TaskRuns (with their PipelineRuns). The process's peak RSS
is reported too. ``--heap`` reports the Python heap held instead (tracemalloc): the same objects, without the
allocator's free space, which makes RSS growth move by a few MB with what the process did before (importing
from ``.pyc`` files or compiling the sources leaves different amounts of free space to reuse). Prints JSON
figures.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import emit, peak_rss_mb, rss_mb
from benchmarks.generate import page_files
from tektonwatch.clock import SystemClock
from tektonwatch.events import Change
from tektonwatch.ingest import Ingestor
from tektonwatch.model import TaskRun, decode
from tektonwatch.races import Analyzer
from tektonwatch.sources.files import objects
from tektonwatch.timeline import build_all


def hold(pages: list[Path]) -> tuple[object, int]:
    """Read every page into an ingestor; return what a live front end holds, and the TaskRun count."""
    ingestor = Ingestor("kube", SystemClock())
    for path in pages:
        body = path.read_bytes()
        ingestor.apply([Change("ADDED", decode(raw)) for raw in objects(body, path.name)])
        del body
    snapshot = ingestor.snapshot()
    taskruns = sum(1 for r in snapshot.task_runs.values() if isinstance(r, TaskRun))
    return (ingestor, snapshot, build_all(snapshot), Analyzer().analyse(snapshot)), taskruns


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--heap", action="store_true", help="report the Python heap held (tracemalloc) instead")
    args = parser.parse_args()
    pages = page_files(args.data)
    hold(pages[:1])  # warm-up: every code path and lazy import once
    gc.collect()
    if args.heap:
        tracemalloc.start()
    base = rss_mb()
    held, taskruns = hold(pages)
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] / 2**20 if args.heap else rss_mb() - base
    emit({"baseline_mb": base, "held_mb": grown, "taskruns": taskruns, "mb_per_10k": grown * 10_000 / taskruns,
          "peak_mb": peak_rss_mb()})
    del held


if __name__ == "__main__":
    main()
