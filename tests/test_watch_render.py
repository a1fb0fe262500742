"""The watch pane (``render.pane``) as golden text at fixed sizes with a frozen clock, and the watch front end's
pure parts: the in-place screen's escape sequences, the ``--oneline`` format, notifications and the exit rules.

The scenario is the incident at 18:36:00 UTC — ``model-serving-q4`` running after ``push-to-quay`` failed on the
fresh OCI archive, ``model-serving-full`` still building — plus three older finished runs of the same pipeline.
"""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

import pytest
from rich.console import Console
from rich.text import Text

from tektonwatch.app import FailOn, Settings, build_source
from tektonwatch.clock import FrozenClock
from tektonwatch.events import Change, Synced
from tektonwatch.health import SourceHealth, State, WatcherHealth
from tektonwatch.ingest import Ingestor
from tektonwatch.model import decode
from tektonwatch.races import RaceSettings
from tektonwatch.render.fmt import Zone
from tektonwatch.render.pane import frame
from tektonwatch.render.status import PaneOptions
from tektonwatch.scope import Scope
from tektonwatch.snapshot import Picture, picture
from tektonwatch.store import Snapshot
from tektonwatch.terminal import SHOW_CURSOR, SYNC_BEGIN, WRAP_ON, Moment, Screen, notification, oneline_body
from tektonwatch.watch import Model, completion_code, watch
from tests import make_demo
from tests.builders import PipelineBuilder, RunBuilder, utc, watch_events

NOW = utc("2025-10-27T18:36:00Z")
ONELINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ [^ /]+/[^ ]+ "
                     r"(Succeeded|Failed|Running|Pending|Cancelled|TimedOut|Unknown|NotStarted) \d+/\d+ "
                     r"race=(none|info|warning|critical)( source=[a-z-]+)?$")


# ---- scenarios -----------------------------------------------------------------------------------------------

def older_run(p: PipelineBuilder, name: str, start: str, ok: bool) -> RunBuilder:
    """A finished run of the demo pipeline: 30 minutes and all green, or failed in ``build`` after 20."""
    s = utc(start)
    run = make_demo._run(p, name, s, "old", {"model-id": "m", "model-name": name, "image-tag": "t"})
    run.bind("source", pvc="model-build-pvc")

    def at(minutes: int):
        return s + timedelta(minutes=minutes)

    run.task_ran("fetch-model", at(0), at(3))
    if not ok:
        run.task_ran("build", at(3), at(20), ok=False, reason="Failed", message="build-image exited 1")
        for task in ("push-to-internal", "push-to-quay", "register-model"):
            run.skip(task, "PipelineRun was stopping", at(20))
        return run.finish(at(20))
    run.task_ran("build", at(3), at(20)).task_ran("push-to-internal", at(21), at(25))
    run.task_ran("push-to-quay", at(25), at(29)).task_ran("register-model", at(29), at(30))
    return run.finish(at(30))


def incident() -> list[RunBuilder]:
    """The demo's two runs and three older finished ones."""
    p = make_demo.pipeline()
    return [*make_demo.runs(), older_run(p, "model-serving-q3", "2025-10-27T16:30:00Z", True),
            older_run(p, "model-serving-q2", "2025-10-27T15:40:00Z", False),
            older_run(p, "model-serving-q1", "2025-10-27T14:50:00Z", True)]


def many_runs(runs: int = 20, tasks: int = 15) -> list[RunBuilder]:
    """``runs`` runs of a ``tasks``-task fan-out pipeline on one PVC, every tenth minute: some still running,
    some failed, most finished — races everywhere."""
    p = PipelineBuilder("fan", namespace="load").task("t00", workspaces={"s": "w"})
    for i in range(1, tasks - 1):
        p.task(f"t{i:02d}", run_after=["t00"], workspaces={"s": "w"})
    p.task(f"t{tasks - 1:02d}", run_after=[f"t{i:02d}" for i in range(1, tasks - 1)], workspaces={"s": "w"})
    p.bind("w", pvc="shared")
    return [fan_run(p, i, tasks) for i in range(runs)]


def fan_run(p: PipelineBuilder, i: int, tasks: int) -> RunBuilder:
    """Run ``i`` of ``many_runs``: started ``10 * i + 12`` minutes before NOW."""
    start = NOW - timedelta(minutes=10 * i + 12)
    run = p.run(f"fan-{i:02d}", start).task_ran("t00", start, start + timedelta(minutes=2))
    fan_start = start + timedelta(minutes=2)
    for k in range(1, tasks - 1):
        if i % 3 == 0 and k % 4 == 0:
            run.task_started(f"t{k:02d}", fan_start)
            continue
        run.task_ran(f"t{k:02d}", fan_start, fan_start + timedelta(minutes=k % 5 + 1), ok=(i + k) % 7 != 0,
                     message="open /workspace/s/out: permission denied")
    if i % 3:
        run.finish(start + timedelta(minutes=9))
    return run


def snapshot_of(builders: list[RunBuilder], at=NOW, kind: str = "kube") -> Snapshot:
    """The snapshot a source listing every object at ``at`` yields."""
    ingestor = Ingestor(kind, FrozenClock(at))
    ingestor.apply([Synced() if kind_ == "SYNCED" else Change(kind_, decode(obj))
                    for _, kind_, obj in watch_events(builders, at, at)])
    return ingestor.snapshot()


def pane(snap: Snapshot, width: int, height: int, *, compact: bool = False, health: SourceHealth | None = None,
         at=NOW) -> list[Text]:
    """The pane's frame for a snapshot, in UTC, last updated at ``at``."""
    pic = picture(snap, Scope(), RaceSettings(), at)
    return frame(pic, health or snap.health, at, width, height, PaneOptions(compact=compact, zone=Zone.utc(),
                                                                             updated=at))


def plain(lines: list[Text]) -> str:
    """The frame as text, trailing blanks removed (as ``tmux capture-pane`` shows it)."""
    return "\n".join(line.plain.rstrip() for line in lines)


def assert_fits(lines: list[Text], width: int, height: int) -> None:
    """As many lines as the pane has, never a line wider than it, never a newline inside one."""
    assert len(lines) == height
    for line in lines:
        assert line.cell_len <= width, (width, line.plain)
        assert "\n" not in line.plain and "\x1b" not in line.plain


@pytest.fixture(scope="module")
def incident_snapshot() -> Snapshot:
    return snapshot_of(incident())


# ---- golden frames -------------------------------------------------------------------------------------------

GOLDEN_80x15 = """\
● Running model-serving-q4  38m 17s  4/5
 ✓  fetch-model      ███                                            2m17s
 ✓! build              ███▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████████████   34m10s
 ●! push-to-internal                                           ███  1m50s
 ✗! push-to-quay                                               ░       7s Failed
 ↷  register-model   skipped                                            -
 CRITICAL fresh-artifact build → push-to-internal, push-to-quay on pvc:model-bu…
● Running model-serving-full  1h 15m 56s  1/5
 ✓  fetch-model      ███████████████                                      21m22s
 ●» build                          ██▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████ 54m34s
 ·  push-to-internal not started                                               -
 ·  push-to-quay     not started                                               -
 ·  register-model   not started                                               -
+3 more runs
live · updated 18:36:00 UTC · 5 runs, 2 active"""

GOLDEN_40x20 = """\
● Running model-serving-q4  38m 17s  4/5
 ✓  fetch-model   █         2m17s
 ✓! build         █▓▓▓▓███ 34m10s
 ●! push-to-inte…        █  1m50s
 ✗! push-to-quay         ░     7s Failed
 ↷  register-mod… skipped       -
 CRITICAL fresh-artifact build → push-t…
● Running model-servin…  1h 15m 56s  1/5
 ✓  fetch-model   █████           21m22s
 ●» build             ▓▓▓▓▓▓▓▓▓▓█ 54m34s
 ·  push-to-inte… not started          -
 ·  push-to-quay  not started          -
 ·  register-mod… not started          -
✓ Succeeded model-serving…  30m 00s  5/5
✗ Failed model-serving-q2  20m 00s  5/5
 ✓  fetch-model ██          3m00s
 ✗» build        ███▓▓▓███ 17m00s Failed
   +3 more tasks
✓ Succeeded model-serving…  30m 00s  5/5
live · updated 18:36:00 UTC"""

GOLDEN_120x40 = """\
● Running model-serving-q4  38m 17s  4/5
 ✓  fetch-model      █████▁                                                                                 2m17s
 ✓! build                 ████▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓█████████████████████████████     34m10s
 ●! push-to-internal                                                                                 ░████  1m50s
 ✗! push-to-quay                                                                                     ░░        7s Failed
 ↷  register-model   skipped                                                                                    -
 CRITICAL fresh-artifact build → push-to-internal, push-to-quay on pvc:model-build-pvc; failed: push-to-quay
● Running model-serving-full  1h 15m 56s  1/5
 ✓  fetch-model      ██████████████████████████                                                                   21m22s
 ●» build                                     ░██▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████ 54m34s
 ·  push-to-internal not started                                                                                       -
 ·  push-to-quay     not started                                                                                       -
 ·  register-model   not started                                                                                       -
✓ Succeeded model-serving-q3  30m 00s  5/5
 ✓  fetch-model      ██████████                                                                                    3m00s
 ✓» build                     ██████████████████▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓██████████████████                               17m00s
 ✓  push-to-internal                                                                 █████████████                 4m00s
 ✓  push-to-quay                                                                                 █████████████     4m00s
 ✓  register-model                                                                                           ████  1m00s
✗ Failed model-serving-q2  20m 00s  5/5
 ✓  fetch-model      █████████████                                                                          3m00s
 ✗» build                        █████████████████████████▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓████████████████████████ 17m00s Failed
 ↷  push-to-internal skipped                                                                                    -
 ↷  push-to-quay     skipped                                                                                    -
 ↷  register-model   skipped                                                                                    -
✓ Succeeded model-serving-q1  30m 00s  5/5
 ✓  fetch-model      ██████████                                                                                    3m00s
 ✓» build                     ██████████████████▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓▓██████████████████                               17m00s
 ✓  push-to-internal                                                                 █████████████                 4m00s
 ✓  push-to-quay                                                                                 █████████████     4m00s
 ✓  register-model                                                                                           ████  1m00s








live · updated 18:36:00 UTC · 5 runs, 2 active"""

GOLDEN_COMPACT_80x15 = """\
● Running   model-serving-q4   38m17s   4/5 CRITICAL fresh-artifact ▸ push-to-in
● Running   model-serving-full  1h15m   1/5 ▸ build
✓ Succeeded model-serving-q3   30m00s   5/5
✗ Failed    model-serving-q2   20m00s   5/5
✓ Succeeded model-serving-q1   30m00s   5/5









live · updated 18:36:00 UTC · 5 runs, 2 active"""


@pytest.mark.parametrize(("width", "height", "golden"), [(80, 15, GOLDEN_80x15), (120, 40, GOLDEN_120x40),
                                                         (40, 20, GOLDEN_40x20)], ids=["80x15", "120x40", "40x20"])
def test_golden_frames(incident_snapshot, width, height, golden):
    """Active runs first — the racing run with its failed task in words and its CRITICAL finding — then finished
    runs newest first as space allows, and the status line last; the frame fits the pane exactly."""
    lines = pane(incident_snapshot, width, height)
    assert_fits(lines, width, height)
    assert plain(lines) == golden


def test_compact_is_one_line_per_run(incident_snapshot):
    """``--compact``: a line per run with its worst finding in words and its running tasks."""
    lines = pane(incident_snapshot, 80, 15, compact=True)
    assert_fits(lines, 80, 15)
    assert plain(lines) == GOLDEN_COMPACT_80x15


def test_compact_says_how_many_runs_do_not_fit(incident_snapshot):
    lines = pane(incident_snapshot, 40, 4, compact=True)
    assert_fits(lines, 40, 4)
    assert [line.plain.split()[1] for line in lines[:2]] == ["Running", "Running"]
    assert lines[2].plain == "+3 more runs"


# ---- what matters first --------------------------------------------------------------------------------------

def test_a_short_pane_keeps_what_matters_and_counts_the_rest(incident_snapshot):
    """Headers of active runs, then the critical finding, then running and failed tasks; the rest is counted."""
    text = plain(pane(incident_snapshot, 60, 6))
    assert text.splitlines() == [
        "● Running model-serving-q4  38m 17s  4/5",
        "   +5 more tasks",
        " CRITICAL fresh-artifact build → push-to-internal, push-to-…",
        "● Running model-serving-full  1h 15m 56s  1/5",
        "+3 more runs",
        "live · updated 18:36:00 UTC · 5 runs, 2 active",
    ]
    lines = plain(pane(incident_snapshot, 80, 9)).splitlines()
    assert lines[2:6] == [
        " ●! push-to-internal                                           ███  1m50s",
        " ✗! push-to-quay                                               ░       7s Failed",
        "   +2 more tasks",
        " CRITICAL fresh-artifact build → push-to-internal, push-to-quay on pvc:model-bu…"]


@pytest.mark.parametrize("height", [1, 2, 3])
def test_tiny_panes_still_fit(incident_snapshot, height):
    lines = pane(incident_snapshot, 40, height)
    assert_fits(lines, 40, height)
    assert lines[-1].plain.startswith("live")


def test_every_size_fits():
    """No size from 40×1 to 200×50 makes a line wrap or the frame scroll, for the incident and a big cluster."""
    snaps = [snapshot_of(incident()), snapshot_of(many_runs(8, 6))]
    for snap in snaps:
        for width in (40, 41, 57, 80, 99, 120, 200):
            for height in (1, 2, 5, 9, 15, 24, 40, 50):
                for compact in (False, True):
                    assert_fits(pane(snap, width, height, compact=compact), width, height)


def test_empty_panes_say_why():
    empty = snapshot_of([])
    assert plain(pane(empty, 40, 5)).splitlines()[0] == "No PipelineRuns or TaskRuns in scope."
    listing = Snapshot(pipeline_runs={}, task_runs={}, children={}, health=SourceHealth(kind="kube"))
    assert plain(pane(listing, 40, 3)).splitlines() == ["waiting for the first listing…", "",
                                                     "starting · updated 18:36:00 UTC"]


# ---- honest --------------------------------------------------------------------------------------------------

def reconnecting(seconds_ago: float) -> SourceHealth:
    since = NOW - timedelta(seconds=seconds_ago)
    watcher = WatcherHealth(name="pipelineruns", state=State.RECONNECTING, since=since)
    return SourceHealth(kind="kube", synced=True, watchers=(watcher,))


@pytest.mark.parametrize("width", [40, 80])
def test_a_stale_picture_is_marked_in_words_first(incident_snapshot, width):
    """Out of sync for longer than the threshold: the status line starts with a reverse-video STALE marker."""
    lines = pane(incident_snapshot, width, 15, health=reconnecting(65))
    status = lines[-1]
    assert status.plain.startswith("STALE since 18:34:55 · reconnecting")
    assert any("on red" in str(span.style) for span in status.spans)


def test_a_short_reconnect_is_not_stale_yet(incident_snapshot):
    status = pane(incident_snapshot, 80, 15, health=reconnecting(5))[-1].plain
    assert status.startswith("reconnecting · updated 18:36:00 UTC") and "STALE" not in status


def test_cluster_strings_are_inert():
    """Markup shows as the characters it is made of; escape sequences never reach the terminal."""
    evil_task = "push-[bold]x[/bold]\x1b[2J\x1b]0;pwned\x07"
    p = (PipelineBuilder("p", namespace="ns").task("build", workspaces={"s": "w"})
         .task(evil_task, run_after=["build"], workspaces={"s": "w"})
         .task("b2", run_after=["build"], workspaces={"s": "w"}).bind("w", pvc="pvc-[i]x[/i]"))
    run = p.run("run-[red]r[/red]\x1b[31m", "2025-10-27T18:00:00Z")
    run.task_ran("build", "2025-10-27T18:00:00Z", "2025-10-27T18:10:00Z").task_started("b2", "2025-10-27T18:10:00Z")
    run.task_ran(evil_task, "2025-10-27T18:10:00Z", "2025-10-27T18:10:05Z", ok=False,
                 message="permission denied \x1b]8;;http://x\x07click")
    snap = snapshot_of([run])
    for compact in (False, True):
        lines = pane(snap, 80, 15, compact=compact)
        assert_fits(lines, 80, 15)
        text = plain(lines)
        assert "run-[red]r[/red]" in text and "pwned" not in text
        assert "push-[bold]x[/bold]" in text and "pvc-[i]x[/i]" in text or compact
        rendered = terminal_text(lines)
        assert "\x1b]" not in rendered and "\x1b[2J" not in rendered and "\x07" not in rendered


def terminal_text(lines: list[Text]) -> str:
    from tektonwatch.terminal import ansi

    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=80)
    return "".join(ansi(line, console) for line in lines)


# ---- plain and fast ------------------------------------------------------------------------------------------

def test_a_frame_of_20_runs_by_15_tasks_is_fast_and_fits():
    """Well under the one-second redraw period: the frame itself, and taking a new snapshot (assemble+analyse)."""
    snap = snapshot_of(many_runs(20, 15))
    settings = Settings()
    model = Model(settings)
    started = time.perf_counter()
    model.update(snap)
    update = time.perf_counter() - started
    pic = model.picture(NOW)
    assert len(pic.views) == 20 and sum(len(v.tasks) for v in pic.views) == 300
    timings = {}
    for width, height in ((80, 15), (120, 40), (200, 60)):
        started = time.perf_counter()
        for _ in range(10):
            lines = frame(pic, snap.health, NOW, width, height, PaneOptions(zone=Zone.utc(), updated=NOW))
        timings[f"{width}x{height}"] = (time.perf_counter() - started) / 10
        assert_fits(lines, width, height)
        assert "more run" in lines[-2].plain
    print(f"\nframe of 20 runs x 15 tasks: {', '.join(f'{k} {v * 1000:.1f} ms' for k, v in timings.items())}; "
          f"new snapshot (assemble + analyse): {update * 1000:.1f} ms")
    assert max(timings.values()) < 0.25 and update < 1.0


# ---- the screen ----------------------------------------------------------------------------------------------

def moment_of(snap: Snapshot, changed: bool = True) -> Moment:
    pic = picture(snap, Scope(), RaceSettings(), NOW)
    return Moment(pic, snap.health, NOW, PaneOptions(zone=Zone.utc(), updated=NOW), changed)


def test_the_screen_rewrites_only_changed_rows_and_never_clears(incident_snapshot):
    """First frame: claim the pane, then rows at absolute positions inside synchronized output. An unchanged
    frame rewrites no row; on exit the cursor rests below the frame, visible, auto-wrap back on."""
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=80, height=15, color_system="256")
    screen = Screen(console)
    screen.sync = True
    screen.show(moment_of(incident_snapshot))
    first = buf.getvalue()
    assert first.count("\n") == 14 and SYNC_BEGIN in first and "\x1b[2J" not in first and "\x1b[?1049h" not in first
    assert "\x1b[1;1H" in first and "\x1b[14;1H" in first and "\x1b[15;1H\x1b[J" in first
    buf.truncate(0), buf.seek(0)
    screen.show(moment_of(incident_snapshot, changed=False))
    assert re.findall(r"\x1b\[(\d+);1H", buf.getvalue()) == ["15"]
    buf.truncate(0), buf.seek(0)
    screen.close()
    assert buf.getvalue().endswith("\x1b[15;1H\x1b[J" + WRAP_ON + SHOW_CURSOR)


# ---- scriptable ----------------------------------------------------------------------------------------------

def test_oneline_fields(incident_snapshot):
    pic = picture(incident_snapshot, Scope(), RaceSettings(), NOW)
    bodies = [oneline_body(v, pic.analyses.get(f"{v.namespace}/{v.name}"), incident_snapshot.health, NOW)
              for v in pic.views]
    assert bodies[:2] == ["private-ai/model-serving-q4 Running 4/5 race=critical",
                          "private-ai/model-serving-full Running 1/5 race=none"]
    stale = oneline_body(pic.views[0], None, reconnecting(65), NOW)
    assert stale == "private-ai/model-serving-q4 Running 4/5 race=none source=stale"
    for body in bodies:
        assert ONELINE.match("2025-10-27T18:36:00Z " + body)


def test_oneline_names_are_one_inert_field():
    from tektonwatch.terminal import token

    assert token("a b\tc\x1b[31m") == "a_b_c"
    assert token("") == "_"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"TMUX": "/tmp/tmux-0/default,1,0", "TERM_PROGRAM": "iTerm.app"}, "\a"),
    ({"TERM_PROGRAM": "iTerm.app"}, "\x1b]9;tektonwatch: q4 Failed, x\x07"),
    ({"TERM": "foot"}, "\x1b]777;notify;tektonwatch;q4 Failed, x\x07"),
    ({"TERM": "xterm-256color"}, "\a"),
])
def test_notifications_suit_the_terminal(environ, expected):
    assert notification("q4 Failed; x\x1b]0;t\x07", environ) == expected


def test_notifications_start_after_the_first_listing_and_say_what_is_new(incident_snapshot):
    """Nothing for what the listing showed; then one notice per run that finished and per new finding."""
    from tektonwatch.terminal import Notifier

    buf = io.StringIO()
    notifier = Notifier(buf, {"TERM_PROGRAM": "iTerm.app"})
    notifier.observe(moment_of(incident_snapshot))
    assert buf.getvalue() == ""
    later = utc("2025-10-27T18:41:00Z")
    pic = picture(snapshot_of(incident(), at=later), Scope(), RaceSettings(), later)
    notifier.observe(Moment(pic, incident_snapshot.health, later, PaneOptions(), True))
    assert buf.getvalue() == "\x1b]9;tektonwatch: model-serving-q4 Failed\x07"


def test_completion_rules(incident_snapshot):
    """Exit once every run in scope finished (1 if one failed; 1 on a race with --fail-on race), or when a finite
    source is done; keep waiting while a run is active or nothing is in scope on a live source."""
    pic = picture(incident_snapshot, Scope(), RaceSettings(), NOW)
    live = SourceHealth(kind="kube", synced=True)
    assert completion_code(pic, live, FailOn()) is None
    assert completion_code(Picture([], {}), live, FailOn()) is None
    done = SourceHealth(kind="replay", synced=True, finished=True)
    assert completion_code(Picture([], {}), done, FailOn()) == 0
    finished = Picture([v for v in pic.views if v.status.finished], pic.analyses)
    assert completion_code(finished, live, FailOn()) == 1
    green = Picture([v for v in finished.views if v.status.value == "Succeeded"], pic.analyses)
    assert completion_code(green, live, FailOn()) == 0
    assert completion_code(Picture(pic.views[:1], pic.analyses), done, FailOn(race_severity="critical")) == 1


def test_watch_in_process_prints_oneline_and_exits_on_completion(tmp_path):
    """A whole watch without a terminal: the demo replayed at full speed, ``--oneline --exit-on-completion``."""
    from tektonwatch.sources.replay import demo_path

    settings = Settings.from_options({"replay": demo_path(), "oneline": True, "exit_on_completion": True,
                                      "color": "never"}, environ={})
    out, err = (Console(file=io.StringIO(), color_system=None) for _ in range(2))
    code = watch(build_source(settings), settings, out, err)
    lines = out.file.getvalue().splitlines()
    assert code == 1
    assert "2025-10-27T18:40:49Z private-ai/model-serving-q4 Failed 5/5 race=critical" in lines
    assert all(ONELINE.match(line) for line in lines), lines


def test_a_source_that_fails_for_good_ends_the_watch_with_its_message():
    """The last frame says so in the status line; the error goes up as ``SourceError`` (exit 3, one line)."""
    from tektonwatch.app import Wiring
    from tektonwatch.errors import SourceError

    class Unreachable:
        kind = "kube"

        def run(self, emit, stop):
            raise SourceError("cannot reach https://127.0.0.1:1: connection refused")

    clock = FrozenClock(NOW)
    settings = Settings.from_options({"utc": True, "color": "never"}, environ={})
    out, err = (Console(file=io.StringIO(), color_system=None, width=80, height=6) for _ in range(2))
    with pytest.raises(SourceError, match="connection refused"):
        watch(Wiring(Unreachable(), clock, Ingestor("kube", clock), live=True), settings, out, err)
    assert out.file.getvalue().splitlines() == [
        "waiting for the first listing…",
        "error: cannot reach https://127.0.0.1:1: connection refused · starting"]  # the rest did not fit

