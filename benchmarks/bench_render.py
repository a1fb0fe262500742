"""Provides the table-render benchmark: the run table of ``snapshot`` (``render.runs.run_rows`` laid out as rich
``Text`` lines, printed by ``snapshot.print_lines`` on a rich console with colour) against a plain f-string loop that writes the same cells
with raw ANSI codes — what kubectl's tabwriter does.

    python benchmarks/bench_render.py DATA_DIR [--repeat 7]

Both sides start from the same picture (decoded, assembled, analysed; not timed). The floor is given the cell
strings ready-made; the product side computes them from the views, as printing does. Output goes to an
in-memory file at width 160. Prints JSON figures.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rich.console import Console

from benchmarks.common import emit, median, timed
from benchmarks.generate import NOW, paths
from tektonwatch.app import Settings, build_source
from tektonwatch.ingest import drain
from tektonwatch.races import RaceSettings
from tektonwatch.render import theme
from tektonwatch.render.fmt import Zone, age, duration
from tektonwatch.render.runs import run_rows
from tektonwatch.snapshot import Picture, key, picture, print_lines

WIDTH = 160
ANSI = {"green": "\x1b[32m", "bold red": "\x1b[1;31m", "bold cyan": "\x1b[1;36m", "yellow": "\x1b[33m",
        "magenta": "\x1b[35m", "bold magenta": "\x1b[1;35m", "dim": "\x1b[2m", "dim yellow": "\x1b[2;33m"}
BOLD, DIM, RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def load(data: Path) -> Picture:
    """The picture ``snapshot`` prints for the generated cluster, at the generator's ``NOW``."""
    wiring = build_source(Settings.from_options({"from_files": [str(paths(data)["all"])]}, environ={}))
    snap = drain(wiring.source, wiring.ingestor)
    return picture(snap, Settings().scope, RaceSettings(), NOW)


def product(pic: Picture, zone: Zone) -> str:
    """The run table as ``snapshot`` prints it."""
    console = Console(file=io.StringIO(), width=WIDTH, force_terminal=True, color_system="standard",
                      highlight=False, emoji=False)
    findings = {key(v): list(pic.analyses[key(v)].findings) for v in pic.views if key(v) in pic.analyses}
    print_lines(console, run_rows(pic.views, NOW, zone, findings, WIDTH, True))
    return console.file.getvalue()  # type: ignore[attr-defined]


def cells(pic: Picture, zone: Zone) -> list[tuple[str, ...]]:
    """The same cells as plain strings (namespace, name, pipeline, status style, status, tasks, started,
    duration, age, races)."""
    rows = []
    for v in pic.views:
        done, total = v.progress()
        found = pic.analyses[key(v)].findings if key(v) in pic.analyses else ()
        races = f"! {max(found, key=lambda f: f.severity.rank).severity.value} +{len(found) - 1}" if found else ""
        rows.append((v.namespace, v.name, v.run.pipeline if v.run else "(TaskRun)", theme.status_style(v.status),
                     f"{theme.glyph(v.status)} {v.status.value}", f"{done}/{total}", zone.stamp(v.start, NOW),
                     duration(v.duration(NOW)), age(v.run.created if v.run else v.start, NOW), races))
    return rows


def floor(rows: list[tuple[str, ...]]) -> str:
    """The f-string loop: column widths, then one formatted line per row with ANSI colour codes."""
    w = [max(len(r[i]) for r in rows) for i in range(10)]
    out = io.StringIO()
    out.write(f"{BOLD}{'NAMESPACE':<{w[0]}}  {'NAME':<{w[1]}}  {'PIPELINE':<{w[2]}}  {'STATUS':<{w[4]}}  TASKS  "
              f"{'STARTED':<{w[6]}}  {'DURATION':>{w[7]}}  {'AGE':>{w[8]}}  RACES{RESET}\n")
    for ns, name, pipe, style, status, tasks, started, took, old, races in rows:
        out.write(f"{ns:<{w[0]}}  {BOLD}{name:<{w[1]}}{RESET}  {DIM}{pipe:<{w[2]}}{RESET}  "
                  f"{ANSI.get(style, '')}{status:<{w[4]}}{RESET}  {tasks:>5}  {started:<{w[6]}}  {took:>{w[7]}}  "
                  f"{DIM}{old:>{w[8]}}{RESET}  {ANSI['yellow']}{races}{RESET}\n")
    return out.getvalue()


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    pic, zone = load(args.data), Zone.utc()
    rows = cells(pic, zone)
    ours = median(timed(lambda: product(pic, zone), args.repeat))
    base = median(timed(lambda: floor(rows), args.repeat * 5))
    emit({"render_s": ours, "fstring_s": base, "ratio": ours / base, "rows": len(rows)})


if __name__ == "__main__":
    main()
