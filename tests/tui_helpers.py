"""Provides what the dashboard's Pilot tests share: the two wirings (the bundled demo replayed as fast as possible,
and a live-like ``QueueSource`` fed event by event with a ``FrozenClock``), waits with a deadline, and plain-text
views of the screen and its panes."""

from __future__ import annotations

import io
import queue
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime

from rich.console import Console
from textual.message import Message

from tektonwatch.app import Settings, Wiring, build_source
from tektonwatch.clock import FrozenClock
from tektonwatch.events import Change, SourceEvent, Synced
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.sources.replay import demo_path, load
from tektonwatch.tui import make_app
from tektonwatch.tui.app import TektonwatchApp
from tektonwatch.tui.panes import Drawing, Pane
from tektonwatch.tui.runlist import RunList
from tests.builders import PipelineBuilder, RunBuilder, utc, watch_events

Q4, FULL = "private-ai/model-serving-q4", "private-ai/model-serving-full"
AFTER_DEMO = utc("2025-10-27T18:50:00Z")


class QueueSource:
    """A live-like source: delivers what the test puts in ``events`` until stopped; an exception put there is
    raised from ``run`` (a source error)."""

    kind = "kube"
    stale_after = 30.0

    def __init__(self) -> None:
        self.events: queue.SimpleQueue[SourceEvent | Exception] = queue.SimpleQueue()
        self.stopped = threading.Event()

    def feed(self, events: Iterable[SourceEvent | Exception]) -> None:
        """Deliver these, in order."""
        for event in events:
            self.events.put(event)

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Emit queued events until ``stop`` is set."""
        while not stop.is_set():
            try:
                event = self.events.get(timeout=0.02)
            except queue.Empty:
                continue
            if isinstance(event, Exception):
                raise event
            emit(event)
        self.stopped.set()


def demo_app(**options: object) -> TektonwatchApp:
    """The dashboard over the bundled demo, replayed as fast as possible, times in UTC."""
    settings = Settings.from_options({"replay": demo_path(), "utc": True, **options}, environ={})
    return make_app(build_source(settings), settings)


def live_app(clock: FrozenClock, **options: object) -> tuple[TektonwatchApp, QueueSource]:
    """The dashboard over a ``QueueSource`` and ``clock``."""
    settings = Settings.from_options({"utc": True, **options}, environ={})
    source = QueueSource()
    wiring = Wiring(source, clock, Ingestor(source.kind, clock, stale_after=source.stale_after), live=True)
    return make_app(wiring, settings), source


def demo_events() -> list[SourceEvent]:
    """The demo recording's events (its final state once applied)."""
    return list(load(demo_path()).events)


def events_of(builders: list[RunBuilder], at: datetime) -> list[SourceEvent]:
    """The listing a watch would deliver for ``builders`` at ``at``."""
    return [Synced() if kind == "SYNCED" else Change(kind, decode(obj)) for _, kind, obj in
            watch_events(builders, at, at)]


def lint_run(name: str, start: str, namespace: str = "ci") -> RunBuilder:
    """A one-task run, still running."""
    run = PipelineBuilder("lint", namespace=namespace).task("check").run(name, start)
    return run.task_started("check", start)


async def until(pilot, condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds (fail after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.02)
    await pilot.pause()


async def demo_ready(pilot) -> None:
    """Wait until the whole demo has been replayed and drawn."""
    app = pilot.app
    await until(pilot, lambda: app.board.snapshot.health.finished and len(app.board.views) == 2)


def screen_text(app: TektonwatchApp) -> str:
    """What the terminal shows, as plain text (trailing blanks removed)."""
    strips = app.screen._compositor.render_strips()  # private, but the only plain-text view of a whole frame
    return "\n".join("".join(segment.text for segment in strip).rstrip() for strip in strips)


def drawn(app: TektonwatchApp, pane_id: str) -> str:
    """The plain text of a pane's drawing at its current width."""
    drawing = app.screen.query_one(f"#{pane_id}", Pane).query_one(Drawing)
    console = Console(width=drawing.size.width, record=True, color_system=None, file=io.StringIO())
    console.print(drawing.fitted)
    return console.export_text()


def posted(seen: list[Message], kind: type[Message]) -> list:
    """The distinct messages of ``kind`` among those dispatched (a bubbling message is seen at each level)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


def runs(app: TektonwatchApp) -> RunList:
    """The run list."""
    return app.screen.query_one(RunList)


def status(app: TektonwatchApp) -> Drawing:
    """The status line."""
    return app.screen.query_one("#status", Drawing)


def pane_text(app: TektonwatchApp, pane_id: str) -> str:
    """The words a pane shows on the screen (its content region of each terminal line), joined by single spaces."""
    region = app.screen.query_one(f"#{pane_id}").content_region
    rows = screen_text(app).split("\n")[region.y:region.bottom]
    return " ".join(" ".join(row[region.x:region.right] for row in rows).split())
