"""Regenerates ``screenshots/``: what a person sees of the bundled incident in each front end.

``python3 -m tests.make_screenshots`` writes SVG pictures (rich's own export, the same renderables every front end
uses) and plain-text twins of the snapshot table (120 columns) and of the tmux watch pane (100×24), from the demo
replayed to its end with its own clock, so the pictures never depend on today's date. The dashboard's picture
comes from its SVG snapshot test (``tests/__snapshots__``), copied here when it exists, and so does the logs
screen's (read from the API double: the demo has no pods).
"""

from __future__ import annotations

import io
import shutil
from contextlib import redirect_stdout
from pathlib import Path

from rich.console import Console

from tektonwatch.app import Settings, build_source, run_snapshot
from tektonwatch.ingest import drain
from tektonwatch.races import RaceSettings
from tektonwatch.render.fmt import Zone
from tektonwatch.render.pane import frame
from tektonwatch.render.status import PaneOptions
from tektonwatch.scope import Scope
from tektonwatch.snapshot import picture
from tektonwatch.sources.replay import demo_path

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"


def snapshot_text(width: int, color: str) -> str:
    """``tektonwatch demo snapshot`` as printed at ``width`` columns."""
    import os

    os.environ["COLUMNS"] = str(width)
    settings = Settings.from_options({"replay": demo_path(), "gantt": "all", "utc": True, "color": color},
                                     environ={})
    buf = io.StringIO()
    with redirect_stdout(buf):
        run_snapshot(settings)
    return buf.getvalue()


def svg(text_ansi: str, width: int, title: str) -> str:
    """An SVG of ANSI text, drawn by rich."""
    from rich.text import Text

    console = Console(record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    console.print(Text.from_ansi(text_ansi), no_wrap=True, overflow="crop")
    return console.export_svg(title=title)


def pane_lines(width: int, height: int) -> list:
    """The watch pane at the end of the demo."""
    settings = Settings.from_options({"replay": demo_path(), "utc": True}, environ={})
    wiring = build_source(settings)
    snap = drain(wiring.source, wiring.ingestor)
    now = wiring.clock.now()
    pic = picture(snap, Scope(), RaceSettings(), now)
    return frame(pic, snap.health, now, width, height, PaneOptions(zone=Zone.utc(), updated=now))


def main() -> None:
    """Write every screenshot."""
    SHOTS.mkdir(exist_ok=True)
    (SHOTS / "demo-snapshot.txt").write_text(snapshot_text(120, "never"))
    (SHOTS / "demo-snapshot.svg").write_text(svg(snapshot_text(120, "always"), 120, "tektonwatch demo snapshot"))
    lines = pane_lines(100, 24)
    (SHOTS / "demo-watch.txt").write_text("\n".join(line.plain.rstrip() for line in lines) + "\n")
    console = Console(record=True, width=100, file=io.StringIO(), force_terminal=True, color_system="truecolor")
    for line in lines:
        console.print(line, no_wrap=True, overflow="crop")
    (SHOTS / "demo-watch.svg").write_text(console.export_svg(title="tektonwatch demo watch (tmux pane 100×24)"))
    snapshots = ROOT / "tests" / "__snapshots__"
    for pattern, name in (("*demo*.svg", "demo-dashboard.svg"), ("*logs_of_the_failed_push*.svg", "logs.svg")):
        found = sorted(snapshots.rglob(pattern))
        if found:
            shutil.copy(found[0], SHOTS / name)


if __name__ == "__main__":
    main()
