"""``tektonwatch watch`` in a real terminal: each test starts its own detached tmux server (its own socket, a
fixed pane size), runs ``python -m tektonwatch watch`` in it against a replay, and reads the pane with
``capture-pane``. The pane command ends with ``printf 'EXIT=%s' $?; exec cat``: the exit status lands on the free
row under the last frame and the pane stays open to be read. Every wait polls the pane against a deadline.

What a person should see: the picture moving as the recording plays (durations growing between events); a
frame that fits 80×15, 120×40 and 40×20 exactly — row for row the frame the renderer makes for that size, the
free row last; a new layout after a resize; after Ctrl-C the last frame intact and ``EXIT=130``; the exit status
of ``--exit-on-completion``; ``--oneline`` lines that parse.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tektonwatch.app import Settings, build_source
from tektonwatch.ingest import drain
from tektonwatch.render.fmt import Zone
from tektonwatch.render.pane import frame
from tektonwatch.render.status import PaneOptions
from tektonwatch.sources.replay import demo_path
from tektonwatch.watch import Model
from tests.builders import PipelineBuilder, RunBuilder, utc, watch_events

REPO = Path(__file__).resolve().parents[1]
DEADLINE = 30.0
T0 = utc("2025-11-03T09:00:00Z")
ONELINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) ([^ /]+/[^ ]+) ([A-Za-z]+) (\d+)/(\d+) "
                     r"race=(none|info|warning|critical)( source=[a-z-]+)?$")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")


# ---- recordings ----------------------------------------------------------------------------------------------

def at(seconds: float):
    from datetime import timedelta

    return T0 + timedelta(seconds=seconds)


def pipeline(fan_out: bool = True) -> PipelineBuilder:
    """``build`` writes the shared PVC; ``push-a`` and ``push-b`` read it — side by side, or one after the other."""
    p = PipelineBuilder("release", namespace="ci").task("build", workspaces={"source": "shared"})
    p.task("push-a", run_after=["build"], workspaces={"source": "shared"})
    p.task("push-b", run_after=["push-a" if not fan_out else "build"], workspaces={"source": "shared"})
    return p.bind("shared", pvc="release-pvc")


def race(name: str = "release-1", *, quay_fails: bool = True) -> RunBuilder:
    """Build until t=40, both pushes start that second; push-b fails at t=50 (or not); the run ends at t=60."""
    run = pipeline().run(name, at(0)).task_started("build", at(0))
    run.task_finished("build", at(40)).task_started("push-a", at(40)).task_started("push-b", at(40))
    run.task_finished("push-b", at(50), ok=not quay_fails,
                      message="open /workspace/source/image.tar: permission denied" if quay_fails else None)
    return run.task_finished("push-a", at(60)).finish(at(60))


def serial(name: str = "release-2", end: float = 60) -> RunBuilder:
    """No race: push-b runs after push-a; everything succeeds by ``end``."""
    run = pipeline(fan_out=False).run(name, at(0)).task_ran("build", at(0), at(end / 3))
    run.task_ran("push-a", at(end / 3 + 1), at(2 * end / 3)).task_ran("push-b", at(2 * end / 3 + 1), at(end))
    return run.finish(at(end))


def record(path: Path, runs: list[RunBuilder], end: float) -> str:
    """Write the runs' watch events from T0 to ``end`` seconds as a JSON Lines recording; return its path."""
    lines = []
    for t, kind, obj in watch_events(runs, T0, at(end), synced_at=0.5):
        lines.append(json.dumps({"t": t, "type": kind} if obj is None else {"t": t, "type": kind, "object": obj}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def expected_frame(replay: str, width: int, height: int) -> list[str]:
    """The frame the watch must show once ``replay`` has played to its end (UTC), rows as capture-pane gives
    them: the frame's ``height - 1`` lines, then the free row."""
    settings = Settings.from_options({"replay": replay, "utc": True}, environ={})
    wiring = build_source(settings)
    snap = drain(wiring.source, wiring.ingestor)
    model = Model(settings)
    model.update(snap)
    now = wiring.clock.now()
    lines = frame(model.picture(now), snap.health, now, width, height - 1,
                  PaneOptions(zone=Zone.utc(), updated=snap.at))
    rows = [line.plain.rstrip() for line in lines]
    return rows + [""] * (height - len(rows))


# ---- tmux ----------------------------------------------------------------------------------------------------

class Pane:
    """A detached tmux server of its own with one pane running a command."""

    def __init__(self) -> None:
        self.socket = f"tektonwatch-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE", "COLUMNS", "LINES")}
        self.env.update(LANG="C.UTF-8", LC_ALL="C.UTF-8", TZ="UTC", PYTHONPATH=str(REPO))

    def tmux(self, *args: str) -> str:
        """Run a tmux command against this server; return its output."""
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True,
                                text=True, env=self.env, timeout=15, check=False)
        assert result.returncode == 0, f"tmux {' '.join(args)}: {result.stderr}"
        return result.stdout

    def start(self, argv: list[str], width: int, height: int) -> None:
        """``python -m tektonwatch ARGV`` in a ``width``×``height`` pane; the exit status is printed after it."""
        command = shlex.join([sys.executable, "-m", "tektonwatch", *argv])
        # The shell traps SIGINT with a no-op, so Ctrl-C reaches the watch (its child gets the default
        # disposition back) without ending the shell that reports the exit status.
        script = f"trap : INT; cd {shlex.quote(str(REPO))} && {command}; printf 'EXIT=%s' $?; exec cat"
        self.tmux("new-session", "-d", "-s", "w", "-x", str(width), "-y", str(height), "sh", "-c", script)
        assert self.tmux("display-message", "-p", "-t", "w", "#{pane_width}x#{pane_height}").strip() == \
            f"{width}x{height}"

    def rows(self) -> list[str]:
        """The pane's visible rows (trailing blanks removed by tmux)."""
        return self.tmux("capture-pane", "-p", "-t", "w").split("\n")[:-1]

    def wait(self, condition: Callable[[list[str]], object], what: str, deadline: float = DEADLINE) -> list[str]:
        """Poll the pane until ``condition(rows)`` holds; fail with the last picture after ``deadline`` s."""
        end = time.monotonic() + deadline
        while True:
            rows = self.rows()
            if condition(rows):
                return rows
            if time.monotonic() > end:
                pytest.fail(f"waited {deadline}s for {what}; the pane shows:\n" + "\n".join(rows))
            time.sleep(0.05)

    def exit_status(self) -> int:
        """Wait for the command to end; its exit status, from the free row."""
        rows = self.wait(lambda r: any(row.startswith("EXIT=") for row in r), "the command to exit")
        return int(next(row for row in rows if row.startswith("EXIT="))[5:])

    def kill(self) -> None:
        """Stop the server and everything in it, and remove its socket file."""
        found = subprocess.run(["tmux", "-L", self.socket, "display-message", "-p", "#{socket_path}"],
                               capture_output=True, text=True, env=self.env, timeout=15, check=False)
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, env=self.env, timeout=15,
                       check=False)
        if found.returncode == 0 and found.stdout.strip():
            Path(found.stdout.strip()).unlink(missing_ok=True)


@pytest.fixture
def pane() -> Iterator[Pane]:
    p = Pane()
    try:
        yield p
    finally:
        p.kill()


def watch_args(replay: str, *more: str, speed: float | None = None) -> list[str]:
    return ["watch", "--replay", replay, "--utc", *(["--speed", str(speed)] if speed else []), *more]


def header(rows: list[str], name: str) -> str:
    return next((row for row in rows if name in row and row[:1] in "●✓✗◌⊘⧗?"), "")


# ---- the picture ---------------------------------------------------------------------------------------------

def test_the_picture_updates_as_events_arrive(pane, tmp_path):
    """Running with ``build`` growing between events, then the race in words, then the failed run."""
    replay = record(tmp_path / "race.jsonl", [race()], end=70)
    pane.start(watch_args(replay, speed=10), 80, 15)
    first = pane.wait(lambda r: header(r, "release-1").startswith("● Running release-1") and
                      header(r, "release-1").endswith("0/3") and r[13].startswith("replay live"), "the running run")
    elapsed = header(first, "release-1").split("  ")[1]
    pane.wait(lambda r: header(r, "release-1").endswith("0/3") and header(r, "release-1").split("  ")[1] != elapsed,
              "the duration to grow between two events (the redraw every --interval)")
    rows = pane.wait(lambda r: any(row.startswith(" CRITICAL fresh-artifact build → push-a, push-b") for row in r),
                     "the race finding")
    assert "replay done" not in rows[-2]
    rows = pane.wait(lambda r: header(r, "release-1").startswith("✗ Failed release-1"), "the failed run")
    assert any(row.startswith(" ✗! push-b") and row.endswith("Failed") for row in rows)
    pane.wait(lambda r: r[13].startswith("replay done · updated 09:01:00 UTC"), "the end of the recording")


@pytest.mark.parametrize(("width", "height"), [(80, 15), (120, 40), (40, 20)], ids=["80x15", "120x40", "40x20"])
def test_the_frame_fits_the_pane_exactly(pane, width, height):
    """Row for row the renderer's frame for that size: nothing wrapped, nothing scrolled off, the free row last."""
    expected = expected_frame(demo_path(), width, height)
    pane.start(watch_args(demo_path()), width, height)
    rows = pane.wait(lambda r: r == expected, f"the final demo frame at {width}x{height}")
    assert all(len(row) <= width for row in rows)
    assert rows[0].startswith("● Running model-servin") and rows[height - 2].startswith("replay done")


def test_a_resize_lays_the_picture_out_again(pane):
    """At once (SIGWINCH), not at the next periodic redraw: the interval here is a minute."""
    pane.start(watch_args(demo_path(), "--interval", "60"), 120, 40)
    pane.wait(lambda r: r == expected_frame(demo_path(), 120, 40), "the 120x40 frame")
    for width, height in ((40, 20), (80, 15), (120, 40)):
        expected = expected_frame(demo_path(), width, height)
        pane.tmux("resize-window", "-t", "w", "-x", str(width), "-y", str(height))
        pane.wait(lambda r, e=expected: r == e, f"the frame re-laid out for {width}x{height}", deadline=20)


def test_ctrl_c_leaves_the_last_frame_and_exits_130(pane):
    expected = expected_frame(demo_path(), 80, 15)
    pane.start(watch_args(demo_path()), 80, 15)
    pane.wait(lambda r: r == expected, "the final demo frame")
    pane.tmux("send-keys", "-t", "w", "C-c")
    assert pane.exit_status() == 130
    assert pane.rows() == expected[:14] + ["EXIT=130"]


def test_ctrl_c_in_the_middle_of_a_replay(pane, tmp_path):
    replay = record(tmp_path / "race.jsonl", [race()], end=70)
    pane.start(watch_args(replay, speed=1), 80, 15)
    pane.wait(lambda r: header(r, "release-1").startswith("● Running release-1") and r[13].startswith("replay live"),
              "the running run")
    pane.tmux("send-keys", "-t", "w", "C-c")
    assert pane.exit_status() == 130
    rows = pane.rows()
    assert header(rows, "release-1").startswith("● Running release-1") and rows[0] == header(rows, "release-1")
    assert rows[13].startswith("replay live") and rows[14] == "EXIT=130"


# ---- scriptable ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("runs", "options", "code"), [
    ("serial", [], 0),
    ("race", [], 1),
    ("green-race", [], 0),
    ("green-race", ["--fail-on", "race"], 1),
    ("green-race", ["--fail-on", "race=critical"], 0),
    ("demo", [], 1),
])
def test_exit_on_completion(pane, tmp_path, runs, options, code):
    """0 when every run succeeded; 1 when one failed; 1 on a race finding with ``--fail-on race``."""
    scenarios = {"serial": lambda: [serial()], "race": lambda: [race()],
                 "green-race": lambda: [race(quay_fails=False)]}
    replay = demo_path() if runs == "demo" else record(tmp_path / f"{runs}.jsonl", scenarios[runs](), end=70)
    pane.start(watch_args(replay, "--exit-on-completion", *options), 80, 15)
    assert pane.exit_status() == code
    rows = pane.rows()
    assert rows[13].startswith("replay done") and rows[14] == f"EXIT={code}"


def test_exit_on_completion_when_the_watched_runs_finish(pane, tmp_path):
    """The named run ends at t=60 of a 600 s recording played at ×10: the watch ends then, not with the source."""
    replay = record(tmp_path / "long.jsonl", [serial("release-2", end=60), serial("release-3", end=590)], end=600)
    started = time.monotonic()
    pane.start(watch_args(replay, "release-2", "--exit-on-completion", speed=10), 80, 15)
    assert pane.exit_status() == 0
    assert time.monotonic() - started < 50
    rows = pane.rows()
    assert header(rows, "release-2").startswith("✓ Succeeded release-2") and rows[13].startswith("replay live")


def test_notify_rings_the_window_bell_when_the_race_appears(pane, tmp_path):
    """Inside tmux the notification is a bell: tmux flags the window. Nothing rings at the first listing."""
    replay = record(tmp_path / "race.jsonl", [race()], end=70)
    pane.start(watch_args(replay, "--notify", speed=10), 80, 15)
    pane.wait(lambda r: r[13].startswith("replay live"), "the first listing")
    assert pane.tmux("display-message", "-p", "-t", "w", "#{window_bell_flag}").strip() == "0"
    pane.wait(lambda r: any(row.startswith(" CRITICAL") for row in r), "the race finding")
    pane.wait(lambda r: pane.tmux("display-message", "-p", "-t", "w", "#{window_bell_flag}").strip() == "1",
              "the window bell flag")


def test_oneline_is_parseable_and_prints_only_changes(tmp_path):
    """One line per change of a run, fields in a fixed order, no escape sequences; each of two plays of the same
    replay starts from the listed state and ends on the final one (what lies between depends on how the events
    were batched)."""
    replay = record(tmp_path / "race.jsonl", [race(), serial("release-2", end=30)], end=70)
    outputs = []
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "tektonwatch", *watch_args(replay, "--oneline",
                                                                                  "--exit-on-completion", speed=10)],
                                capture_output=True, text=True, timeout=60, cwd=REPO, check=False,
                                env={**os.environ, "PYTHONPATH": str(REPO), "TZ": "UTC"})
        assert result.returncode == 1, result.stderr
        assert "\x1b" not in result.stdout and "\a" not in result.stdout
        outputs.append(result.stdout.splitlines())
    for lines in outputs:
        parsed = [ONELINE.match(line) for line in lines]
        assert all(parsed), lines
        by_run: dict[str, list[str]] = {}
        for m in parsed:
            assert T0 <= utc(m.group(1)) <= at(70)
            by_run.setdefault(m.group(2), []).append(" ".join(m.groups()[2:6]))
        assert by_run["ci/release-1"][0] == "Running 0 3 none"
        assert by_run["ci/release-1"][-1] == "Failed 3 3 critical"
        assert by_run["ci/release-2"][-1] == "Succeeded 3 3 none"
        for states in by_run.values():
            assert all(a != b for a, b in itertools.pairwise(states)), states


# ---- honest: the live API double -----------------------------------------------------------------------------

DRIVER = """\
import sys
from tektonwatch.app import Settings, Wiring, consoles
from tektonwatch.clock import SystemClock
from tektonwatch.ingest import Ingestor
from tektonwatch.sources.kube import KubeSettings, KubeSource
from tektonwatch.watch import watch

# What `tektonwatch watch -n default --utc` wires, with the source's documented retry settings set small.
settings = Settings.from_options({"namespace": "default", "utc": True}, environ={})
clock = SystemClock()
kube = KubeSettings(kubeconfig=sys.argv[1], namespace="default", backoff_initial=0.1, backoff_cap=0.5,
                    connect_timeout=2.0, request_timeout=5.0, short_watch=0.2, stale_after=2.0)
out, err = consoles(settings)
sys.exit(watch(Wiring(KubeSource(kube, clock), clock, Ingestor("kube", clock), live=True), settings, out, err))
"""


def test_a_cut_connection_shows_the_stale_marker_then_recovers(pane, tmp_path, kube_api):
    """The API server goes away: ``reconnecting`` at once, ``STALE since …`` once the source has been out of
    sync past its threshold (the snapshot health's, 30 s), and ``live`` again, unmarked, when it is back."""
    from datetime import UTC, datetime, timedelta

    start = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=90)
    p = PipelineBuilder("release", namespace="default").task("build", workspaces={"source": "shared"})
    run = p.bind("shared", pvc="release-pvc").run("release-live", start).task_started("build", start)
    for obj in run.objects(start + timedelta(seconds=5)):
        kube_api.apply(obj)
    driver = tmp_path / "drive.py"
    driver.write_text(DRIVER, encoding="utf-8")
    script = (f"trap : INT; cd {shlex.quote(str(REPO))} && {shlex.quote(sys.executable)} {shlex.quote(str(driver))} "
              f"{shlex.quote(str(kube_api.kubeconfig))}; printf 'EXIT=%s' $?; exec cat")
    pane.tmux("new-session", "-d", "-s", "w", "-x", "80", "-y", "15", "sh", "-c", script)
    pane.wait(lambda r: header(r, "release-live").startswith("● Running release-live") and r[13].startswith("live"),
              "the live picture")
    kube_api.stop()
    pane.wait(lambda r: "reconnecting" in r[13], "the reconnecting source")
    rows = pane.wait(lambda r: r[13].startswith("STALE since "), "the stale marker", deadline=75)
    assert header(rows, "release-live").startswith("● Running release-live")
    kube_api.start()
    pane.wait(lambda r: r[13].startswith("live · updated"), "the recovery", deadline=45)
    pane.tmux("send-keys", "-t", "w", "C-c")
    assert pane.exit_status() == 130
