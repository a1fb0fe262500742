"""The interactive dashboard (``tektonwatch.tui``) driven headless with Pilot, over the bundled demo replayed as
fast as possible (the replay clock frozen at the end of the recording): what it shows, and every key. Assertions
are on the app's state and on the messages it dispatched; the text on screen is checked where a person would
look. The live-like wiring and robustness: ``test_tui_live``.
"""

from __future__ import annotations

from tektonwatch.clock import FrozenClock
from tektonwatch.events import Change
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.races import Analyzer
from tektonwatch.tui.board import Filter
from tektonwatch.tui.help import HelpScreen
from tektonwatch.tui.messages import SnapshotUpdated
from tektonwatch.tui.panes import Pane
from tektonwatch.tui.runlist import FULL_LAYOUT, RunList
from tests.builders import utc, watch_events
from tests.tui_helpers import (
    AFTER_DEMO,
    FULL,
    Q4,
    demo_app,
    demo_events,
    demo_ready,
    drawn,
    events_of,
    lint_run,
    live_app,
    pane_text,
    posted,
    runs,
    screen_text,
    until,
)

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
