"""The dashboard (``tektonwatch.tui``) on a live-like source, and its robustness: updates over the watch, a
stale or failing source, exit codes, its threads, tiny terminals and hostile text (Pilot, with a
``FrozenClock``)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from textual.message import Message

from tektonwatch.clock import FrozenClock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, HealthChanged
from tektonwatch.health import State, WatcherHealth
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.races import Analyzer
from tektonwatch.tui.board import Board, Filter
from tektonwatch.tui.messages import SourceFailed
from tests.builders import PipelineBuilder, utc, watch_events
from tests.tui_helpers import (
    AFTER_DEMO,
    FULL,
    Q4,
    demo_app,
    demo_events,
    demo_ready,
    events_of,
    lint_run,
    live_app,
    posted,
    runs,
    screen_text,
    status,
    until,
)

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


async def test_a_source_that_fails_at_startup_ends_the_app_with_exit_code_3(pipeline_threads):
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


async def test_quitting_stops_the_pipeline_threads(pipeline_threads):
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


def test_the_app_starts_its_pipeline_only_when_run(pipeline_threads):
    """Building the app (as the command line does) starts no thread; running it starts the source and ingest
    threads; leaving stops them."""
    app, _ = live_app(FrozenClock(AFTER_DEMO))
    assert not pipeline_threads()

    async def run() -> None:
        async with app.run_test() as pilot:
            await until(pilot, lambda: len(pipeline_threads()) == 2)

    asyncio.run(run())
    assert not pipeline_threads()
