"""The interactive dashboard (``tektonwatch.tui``) driven headless with Pilot.

Two wirings: the bundled demo replayed as fast as possible (the replay clock frozen at the end of the recording),
and a live-like ``QueueSource`` the test feeds event by event, with a ``FrozenClock``. Assertions are on the
app's state and on the messages it dispatched; the text on screen is checked where a person would look.
"""

from __future__ import annotations

import asyncio
import io
import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from textual.message import Message

from tektonwatch.app import Settings, Wiring, build_source
from tektonwatch.clock import FrozenClock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, HealthChanged, SourceEvent, Synced
from tektonwatch.health import State, WatcherHealth
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.races import Analyzer
from tektonwatch.sources.replay import demo_path, load
from tektonwatch.tui import make_app
from tektonwatch.tui.app import TektonwatchApp
from tektonwatch.tui.board import Board, Filter
from tektonwatch.tui.help import HelpScreen
from tektonwatch.tui.messages import SnapshotUpdated, SourceFailed
from tektonwatch.tui.panes import Drawing, Pane
from tektonwatch.tui.runlist import FULL_LAYOUT, RunList
from tests.builders import PipelineBuilder, RunBuilder, utc, watch_events

Q4, FULL = "private-ai/model-serving-q4", "private-ai/model-serving-full"
AFTER_DEMO = utc("2025-10-27T18:50:00Z")


# ---- wirings and helpers -------------------------------------------------------------------------------------

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


def _all_pipeline_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name in ("tw-source", "tw-ingest")}


OTHER_THREADS: set[threading.Thread] = set()
"""Pipeline threads still alive when the current test began (left behind by other tests)."""


@pytest.fixture(autouse=True)
def _other_threads():
    OTHER_THREADS.clear()
    OTHER_THREADS.update(_all_pipeline_threads())


def pipeline_threads() -> set[threading.Thread]:
    """The live source and ingest threads of the ingest ``Pipeline``s started by the current test."""
    return _all_pipeline_threads() - OTHER_THREADS


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


# ---- the demo ------------------------------------------------------------------------------------------------

async def test_demo_shows_both_runs_and_q4_with_its_critical_finding():
    """Both runs listed, newest first; q4 selected at once with its Gantt and the fresh-artifact finding."""
    app, seen = demo_app(), []
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await demo_ready(pilot)
        assert runs(app).keys == (Q4, FULL)
        assert runs(app).selected == Q4
        detail = drawn(app, "detail")
        for task in ("fetch-model", "build", "push-to-internal", "push-to-quay", "register-model"):
            assert task in detail
        assert "CRITICAL fresh-artifact" in detail and "push-to-quay failed" in detail
        assert app.screen.query_one("#detail").has_class("-failed", "-race")
        text = screen_text(app)
        assert "model-serving-full" in text and "● Running" in text and "! critical" in text
        assert "replay done" in text and "updated 18:40:49 UTC" in text
    assert any(isinstance(m, SnapshotUpdated) for m in seen)
    assert [m.key for m in posted(seen, RunList.Highlighted)] == [Q4]


async def test_moving_down_selects_full_and_shows_its_running_gantt():
    """``j`` moves to model-serving-full: its detail shows the running build and no finding."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.press("j")
        assert runs(app).selected == FULL
        detail = drawn(app, "detail")
        assert "● model-serving-full  Running" in detail and "No race findings in this run." in detail
        assert app.screen.query_one("#detail").has_class("-running")
        await pilot.press("k")
        assert runs(app).selected == Q4


async def test_selection_survives_a_new_snapshot_that_inserts_a_run_above_it():
    """A newer run appears at the top: the cursor stays on the same run (by key), one row further down."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.press("down")
        assert (runs(app).selected, runs(app).cursor) == (FULL, 1)
        ingestor = Ingestor("replay", FrozenClock(AFTER_DEMO))
        ingestor.apply(demo_events() + events_of([lint_run("lint-1", "2025-10-27T18:45:00Z")], AFTER_DEMO))
        app.post_message(SnapshotUpdated.of(ingestor.snapshot(), Analyzer()))
        await until(pilot, lambda: len(runs(app).keys) == 3)
        assert runs(app).keys[0] == "ci/lint-1"
        assert (runs(app).selected, runs(app).cursor) == (FULL, 2)
        assert "model-serving-full" in app.screen.query_one("#detail").border_title


async def test_a_burst_of_snapshots_is_coalesced_to_the_newest():
    """Fifty snapshots posted at once: far fewer are handled, and the last one wins."""
    app, seen = demo_app(), []
    async with app.run_test(size=(100, 30), message_hook=seen.append) as pilot:
        await demo_ready(pilot)
        seen.clear()
        ingestor, analyzer = Ingestor("replay", FrozenClock(AFTER_DEMO)), Analyzer()
        ingestor.apply(demo_events())
        last = None
        for i in range(50):
            ingestor.apply(events_of([lint_run(f"lint-{i}", "2025-10-27T18:45:00Z")], AFTER_DEMO))
            last = SnapshotUpdated.of(ingestor.snapshot(), analyzer)
            app.post_message(last)
        await until(pilot, lambda: app.board is last.board)
        handled = posted(seen, SnapshotUpdated)
        assert len(handled) < 5 and handled[-1] is last
        assert len(runs(app).keys) == 52


async def test_cursor_and_scroll_survive_updates_in_a_long_list():
    """200 runs (more than ``FULL_LAYOUT``: only the rows in view are laid out). At the bottom of the list, a
    watch event for a run in view changes neither the selection nor the scroll position."""
    clock = FrozenClock(utc("2025-10-27T20:00:00Z"))
    app, source = live_app(clock)
    builders = [lint_run(f"lint-{i:03d}", f"2025-10-27T{16 + i // 60:02d}:{i % 60:02d}:00Z") for i in range(200)]
    async with app.run_test(size=(100, 30)) as pilot:
        source.feed(events_of(builders, clock.now()))
        await until(pilot, lambda: len(runs(app).keys) == 200)
        assert len(runs(app).keys) > FULL_LAYOUT
        await pilot.press("end")
        bottom = runs(app).scroll_y
        assert runs(app).selected == "ci/lint-000" and bottom > 0 and "lint-000" in screen_text(app)
        finished = builders[1].finish("2025-10-27T19:59:00Z")
        source.feed([Change("MODIFIED", decode(obj)) for _, kind, obj in
                     watch_events([finished], clock.now(), clock.now(), first_resource_version=9000)
                     if kind == "ADDED"])
        await until(pilot, lambda: app.board.view("ci/lint-001").status.finished)
        assert (runs(app).selected, runs(app).scroll_y) == ("ci/lint-000", bottom)
        assert "lint-001" in screen_text(app) and "✓ Succeeded" in screen_text(app)
        await pilot.press("home")
        assert runs(app).selected == "ci/lint-199" and runs(app).scroll_y == 0 and "lint-199" in screen_text(app)


async def test_a_click_selects_a_run_and_a_double_click_opens_it():
    """Clicking the second row selects model-serving-full; a double click focuses its detail."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.click(RunList, offset=(10, 3))  # border, header, first row, second row
        assert runs(app).selected == FULL
        await pilot.click(RunList, offset=(10, 3), times=2)
        assert app.screen.query_one("#detail", Pane).has_focus


# ---- keys ----------------------------------------------------------------------------------------------------

async def test_w_toggles_the_step_rows():
    """``w`` adds each task's pod and steps under it, and takes them away again."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        assert "export-oci" not in drawn(app, "detail")
        await pilot.press("w")
        assert app.screen.wide and "export-oci" in drawn(app, "detail") and "pod model-serving-q4" in drawn(
            app, "detail")
        await pilot.press("w")
        assert not app.screen.wide and "export-oci" not in drawn(app, "detail")


async def test_r_shows_every_finding_across_runs_with_its_evidence():
    """``r`` swaps the detail for the races view; ``r`` (or escape) brings the detail back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.press("r")
        pane = app.screen.query_one("#races", Pane)
        assert app.screen.racing and pane.display and pane.border_title == "Races: 1 finding in 1 run"
        text = drawn(app, "races")
        assert "✗ model-serving-q4" in text and "CRITICAL fresh-artifact" in text
        assert "Timeline evidence (UTC)" in text and "push-to-quay failed       18:34:17  +7s" in text
        await pilot.press("escape")
        assert not app.screen.racing and app.screen.query_one("#detail", Pane).display


async def test_f_keeps_only_failed_or_raced_runs():
    """``f``: the running, race-free full run leaves the list; ``f`` again brings it back."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.press("f")
        assert app.screen.flt == Filter(troubled=True) and runs(app).keys == (Q4,)
        assert runs(app).border_title == "Runs 1/2 · failed/raced"
        await pilot.press("f")
        assert runs(app).keys == (Q4, FULL)


async def test_slash_filters_by_name_and_escape_clears():
    """``/`` opens the filter box; typing narrows the list live (``q`` is typed, not quit); enter keeps the
    filter and returns to the list; ``/`` then escape clears it."""
    app = demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await demo_ready(pilot)
        await pilot.press("slash", "f", "u", "l", "l")
        assert runs(app).keys == (FULL,) and runs(app).selected == FULL
        await pilot.press("backspace", "backspace", "backspace", "backspace", "q", "4")
        assert app.return_code is None and runs(app).keys == (Q4,)
        await pilot.press("enter")
        assert runs(app).has_focus and runs(app).keys == (Q4,) and "name~q4" in runs(app).border_title
        await pilot.press("slash", "escape")
        assert runs(app).has_focus and runs(app).keys == (Q4, FULL) and app.screen.flt == Filter()


async def test_enter_focuses_the_detail_and_escape_returns():
    """Enter on a run gives the detail the focus (arrows scroll it); escape goes back to the list."""
    app, seen = demo_app(), []
    async with app.run_test(size=(120, 20), message_hook=seen.append) as pilot:
        await demo_ready(pilot)
        await pilot.press("enter")
        detail = app.screen.query_one("#detail", Pane)
        assert detail.has_focus and [m.key for m in posted(seen, RunList.Chosen)] == [Q4]
        await pilot.press("down", "down")
        assert detail.scroll_y > 0 and runs(app).selected == Q4
        await pilot.press("escape")
        assert runs(app).has_focus


async def test_question_mark_shows_help_and_escape_closes_it():
    """``?`` covers the dashboard with the keys; escape uncovers it."""
    app = demo_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await demo_ready(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and "wide: show each task's steps" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is app.dashboard


# ---- live ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("moved", [False, True], ids=["following", "moved"])
async def test_a_live_update_adds_a_run_and_the_cursor_follows_until_the_user_moves(moved):
    """After the listing (both demo runs), a new run arrives over the watch and joins the list at the top. Until
    the user moves the cursor, it follows the newest run; once moved, the selected run stays selected."""
    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "waiting for the first listing" in screen_text(app)
        source.feed(demo_events())
        await until(pilot, lambda: runs(app).keys == (Q4, FULL))
        assert runs(app).selected == Q4
        if moved:
            await pilot.press("j")
            assert runs(app).selected == FULL
        source.feed([Change("ADDED", decode(obj)) for _, kind, obj in
                     watch_events([lint_run("lint-7", "2025-10-27T18:49:00Z", "private-ai")], AFTER_DEMO,
                                  AFTER_DEMO) if kind != "SYNCED"])
        await until(pilot, lambda: len(runs(app).keys) == 3)
        assert runs(app).keys[0] == "private-ai/lint-7"
        assert runs(app).selected == (FULL if moved else "private-ai/lint-7")
        assert "lint-7" in screen_text(app)
        if moved:
            await pilot.press("home")  # back to the top: following again
            assert runs(app).following and runs(app).selected == "private-ai/lint-7"


async def test_running_durations_grow_with_the_clock_without_a_new_snapshot():
    """The tick redraws from the last board and ``clock.now()``: a running task's duration grows."""
    clock = FrozenClock(utc("2025-10-27T18:49:30Z"))
    app, source = live_app(clock, interval=0.05)
    async with app.run_test(size=(120, 30)) as pilot:
        source.feed(events_of([lint_run("lint-7", "2025-10-27T18:49:00Z")], clock.now()))
        await until(pilot, lambda: "30s" in screen_text(app))
        version = app.board.snapshot.version
        clock.advance(95)
        await until(pilot, lambda: "2m 05s" in screen_text(app))
        assert app.board.snapshot.version == version


async def test_a_stale_source_says_STALE_since_in_the_status_line():
    """A watcher reconnecting for two minutes (threshold 30 s): ``STALE since`` first, in the -stale style."""
    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    async with app.run_test(size=(120, 30)) as pilot:
        since = AFTER_DEMO - timedelta(minutes=2)
        source.feed([*demo_events(), HealthChanged(WatcherHealth(name="pipelineruns", state=State.RECONNECTING,
                                                                  since=since))])
        await until(pilot, lambda: status(app).has_class("-stale"))
        line = screen_text(app).splitlines()[-2]
        assert line.strip().startswith("STALE since 18:48:00 · reconnecting · updated 18:50:00 UTC")


async def test_forbidden_namespaces_and_warnings_are_counted_in_the_status_line():
    """A namespace the user may not read and a skipped object both show in the status line."""
    from tektonwatch.events import Problem

    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    async with app.run_test(size=(160, 30)) as pilot:
        source.feed([*demo_events(), Problem("dump.json: item 3: unknown apiVersion tekton.dev/v1alpha1"),
                     HealthChanged(WatcherHealth(name="team-b", state=State.FORBIDDEN, since=AFTER_DEMO))])
        await until(pilot, lambda: "forbidden: team-b" in screen_text(app))
        assert "1 warning" in screen_text(app).splitlines()[-2]


async def test_a_source_that_fails_at_startup_ends_the_app_with_exit_code_3():
    """Nothing was ever listed: the app leaves at once, with the source's message and exit code 3."""
    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    error = "cannot reach the cluster at https://127.0.0.1:1 (check --context)"
    source.feed([SourceError(error)])
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        await until(pilot, lambda: app.return_code == 3)
    assert [(m.startup, m.error) for m in posted(seen, SourceFailed)] == [(True, error)]
    assert app.fatal == error and not pipeline_threads()


async def test_a_source_that_fails_after_listing_is_shown_and_quitting_exits_3():
    """The runs stay on screen with the error in the status line; ``q`` then exits with 3."""
    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    async with app.run_test(size=(120, 30)) as pilot:
        source.feed([*demo_events(), SourceError("Unauthorized: the token expired (log in again)")])
        await until(pilot, lambda: status(app).has_class("-failed"))
        assert app.return_code is None and "error: Unauthorized: the token expired" in screen_text(app)
        assert runs(app).keys == (Q4, FULL)
        await pilot.press("q")
    assert app.return_code == 3


async def test_quitting_stops_the_pipeline_threads():
    """``q`` exits with 0 and the source and ingest threads are gone."""
    clock = FrozenClock(AFTER_DEMO)
    app, source = live_app(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        source.feed(demo_events())
        await until(pilot, lambda: len(runs(app).keys) == 2)
        threads = pipeline_threads()
        assert len(threads) == 2 and all(t.is_alive() for t in threads)
        await pilot.press("q")
    assert app.return_code == 0
    assert app.pipeline.stop_event.is_set() and source.stopped.is_set()
    assert not any(t.is_alive() for t in threads)


# ---- robustness ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [(40, 10), (20, 5), (60, 14)])
async def test_tiny_terminals_render_what_fits(size):
    """No crash at small sizes: the run list, some of the Gantt and the status line show."""
    app = demo_app()
    async with app.run_test(size=size) as pilot:
        await demo_ready(pilot)
        await pilot.press("j", "w", "r", "r", "f", "f", "enter", "escape")
        text = screen_text(app)
        assert len(text.splitlines()) == size[1]
        assert "model-s" in text or size[0] < 30
        assert all(len(line) <= size[0] for line in text.splitlines())


async def test_a_40x10_terminal_shows_runs_gantt_and_status():
    """At 40×10 the list has both runs, the detail starts with q4's header, the status line is there."""
    app = demo_app()
    async with app.run_test(size=(40, 10)) as pilot:
        await demo_ready(pilot)
        lines = screen_text(app).splitlines()
        assert lines[1].startswith("model-servi") and "✗ Failed" in lines[1]
        assert "✗ model-serving-q4  Failed" in screen_text(app)
        assert lines[-2].strip().startswith("replay done")


async def test_malicious_names_and_messages_render_inert():
    """Markup in names is shown as typed; escape sequences never reach the terminal."""
    evil = "evil[bold red]x[/bold red]\x1b]0;pwned\x07\x1b[2J"
    clock = FrozenClock(utc("2025-10-27T18:31:00Z"))
    app, source = live_app(clock)
    async with app.run_test(size=(140, 30)) as pilot:
        pipeline = PipelineBuilder("p[/]", namespace="ci").task("check[i]")
        run = pipeline.run(evil, "2025-10-27T18:30:00Z").task_started("check[i]", "2025-10-27T18:30:00Z")
        source.feed(events_of([run], clock.now()))
        await until(pilot, lambda: len(runs(app).keys) == 1)
        strips = app.screen._compositor.render_strips()
        raw = "".join(segment.text for strip in strips for segment in strip)
        assert "\x1b" not in raw and "\x07" not in raw
        text = screen_text(app)
        assert "evil[bold red]x[/bold red]" in text and "check[i]" in text and "pwned" not in text


def test_importing_the_cli_or_asking_for_help_loads_no_textual():
    """``import tektonwatch.cli``, ``tektonwatch --help`` and ``import tektonwatch.tui`` load no textual."""
    helps = ("import sys\nsys.argv=['tektonwatch','--help']\nfrom tektonwatch.cli import cli\n"
             "try:\n    cli(prog_name='tektonwatch')\nexcept SystemExit:\n    pass")
    for code in ("import tektonwatch.cli", helps, "import tektonwatch.tui"):
        script = code + "\nimport sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        assert "textual" not in json.loads(out.splitlines()[-1]), code


def test_the_board_is_built_off_the_event_loop_and_filters_by_name_and_trouble():
    """``Board`` is pure: built from a snapshot with an analyzer; the filter matches ``namespace/name``."""
    ingestor = Ingestor("replay", FrozenClock(AFTER_DEMO))
    ingestor.apply(demo_events())
    board = Board.build(ingestor.snapshot(), Analyzer())
    from tektonwatch.scope import Scope

    def shown(flt: Filter) -> list[str]:
        return [f"{v.namespace}/{v.name}" for v in board.picture(Scope(), flt, AFTER_DEMO).views]

    assert shown(Filter()) == [Q4, FULL]
    assert shown(Filter(text="PRIVATE-AI/model-serving-F")) == [FULL]
    assert shown(Filter(troubled=True)) == [Q4]
    assert Filter(text="x", troubled=True).describe() == "name~x, failed/raced"
    assert "model-serving-q4" in board.view(Q4).name and board.view("nope/none") is None


def test_a_startup_source_error_leaves_run_dashboard_with_a_source_error(tmp_path):
    """``run_dashboard`` in a real process (headless driver): an unreadable kubeconfig is a source error, raised
    after the screen is restored, so the command line prints one line and exits 3."""
    script = (
        "from tektonwatch.app import Settings, build_source\n"
        "from tektonwatch.errors import SourceError\n"
        "from tektonwatch.tui import run_dashboard\n"
        f"settings = Settings.from_options({{'kubeconfig': {str(tmp_path / 'missing')!r}}}, environ={{}})\n"
        "try:\n    run_dashboard(build_source(settings), settings)\n"
        "except SourceError as exc:\n    print('SourceError:', exc)\n"
    )
    env = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver", "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env,
                         cwd=str(Path(__file__).parents[1]), check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1].startswith("SourceError:") and "missing" in out.stdout


def test_the_app_starts_its_pipeline_only_when_run():
    """Building the app (as the command line does) starts no thread; running it starts the source and ingest
    threads; leaving stops them."""
    app, _ = live_app(FrozenClock(AFTER_DEMO))
    assert not pipeline_threads()

    async def run() -> None:
        async with app.run_test() as pilot:
            await until(pilot, lambda: len(pipeline_threads()) == 2)

    asyncio.run(run())
    assert not pipeline_threads()


async def test_a_resized_terminal_draws_the_detail_again_at_the_new_width():
    """The detail is rendered once per width and kept between paints: after a resize it is drawn again to fit,
    the finding's message wrapped at the new width with nothing cut off."""
    app = demo_app()
    async with app.run_test(size=(160, 45)) as pilot:
        await demo_ready(pilot)
        before = pane_text(app, "detail")
        await pilot.resize_terminal(110, 45)
        await pilot.pause()
        after = pane_text(app, "detail")
    for text in (before, after):
        assert "Make the consumers wait for the artifact: add a readiness check (file complete and readable) or " \
               "serialise them with runAfter." in text
    assert after != before  # wrapped differently


def pane_text(app: TektonwatchApp, pane_id: str) -> str:
    """The words a pane shows on the screen (its content region of each terminal line), joined by single spaces."""
    region = app.screen.query_one(f"#{pane_id}").content_region
    rows = screen_text(app).split("\n")[region.y:region.bottom]
    return " ".join(" ".join(row[region.x:region.right] for row in rows).split())
