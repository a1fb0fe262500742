"""Provides the watch front end (``tektonwatch watch``): a live picture of the runs, redrawn in place in a pane.

``watch(wiring, settings, out, err) -> int`` runs the source through the ingest ``Pipeline`` (its threads only
hand snapshots over, through a queue) and draws from the calling thread: whenever a snapshot arrives, when the
pane is resized, and at least once per ``--interval`` (durations of running tasks grow). Time is the wiring's
clock, so a replay shows the recording's own time. It never imports textual and never chooses its source.

Drawing (a terminal): no alternate screen. The pane is claimed once (what was on it scrolls into the terminal's
history), then every frame is written at absolute rows from the top-left, inside synchronized-output brackets
(``ESC[?2026h`` … ``ESC[?2026l``, ignored by terminals that lack them), rewriting only the rows that changed and
erasing what is left of each — no clear, so nothing flickers — with auto-wrap off while it runs. A frame is one
row shorter than the pane: the cursor rests on that free row (where the tty echoes ``^C``), and on exit the shell
prompt lands there, so the **last frame stays on screen whole**. Ctrl-C exits with 130 (SIGTERM/SIGHUP with
128+signal) after restoring the cursor and auto-wrap. Output that is not a terminal gets each changed frame
printed in full, one after the other.

Scripting: ``--exit-on-completion`` exits once the source has synced and every watched run has finished, or a
finite source (file, replay) has delivered everything: 1 if a run failed (or was cancelled or timed out), 1 with
``--fail-on race[=critical]`` if a race finding of that severity exists, else 0 (``app.exit_code``). With no run
in scope, a live source keeps waiting for one. A source that fails for good ends the watch with exit 3.

``--oneline`` draws nothing; it prints a line per run each time something about it changes (and once for every
run when the source has first synced)::

    2025-10-27T18:34:41Z private-ai/model-serving-q4 Failed 5/5 race=critical
    2025-10-27T18:45:02Z ci/build-42 Running 2/7 race=none source=stale

Fields are separated by one space and never contain one: the time the change was seen (RFC 3339, UTC, whole
seconds, ``Z``: the recording's time for a replay); ``namespace/name`` (controls removed, blanks as ``_``); the
status (Succeeded, Failed, Running, Pending, Cancelled, TimedOut, Unknown; a standalone TaskRun can also be
NotStarted); finished/all tasks; ``race=`` the worst finding (none, info, warning, critical); and, only while the
source is not live, ``source=`` its state (stale, reconnecting, relisting, listing, starting, forbidden, …).
Fields may be added at the end, never reordered.

``--notify`` (only when stdout is a terminal): when a run finishes or a new finding appears after the first
sync, a bell — inside tmux, whose window bell flag is the notification — or, on terminals that show them, an
OSC 9 (iTerm2, WezTerm, ghostty, Windows Terminal) or OSC 777 (foot, urxvt) desktop notification.
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from types import FrameType
from typing import Any, Self

from rich.console import Console

from tektonwatch.app import FailOn, Settings, Wiring, exit_code
from tektonwatch.errors import ExitCode, SourceError
from tektonwatch.health import SourceHealth
from tektonwatch.ingest import Pipeline
from tektonwatch.races import Analysis, Analyzer, ByName, RaceSettings
from tektonwatch.render.fmt import Zone
from tektonwatch.render.status import PaneOptions
from tektonwatch.snapshot import Picture, key, print_problems
from tektonwatch.store import EMPTY, Snapshot
from tektonwatch.terminal import RESIZED, Appender, Moment, Notifier, Oneline, Screen
from tektonwatch.timeline import RunView, Timelines


def watch(wiring: Wiring, settings: Settings, out: Console, err: Console) -> int:
    """Watch until Ctrl-C (130), completion (``--exit-on-completion``: 0 or 1) or a fatal source error (raised as
    ``SourceError``, exit 3); the last frame stays on screen."""
    return Watcher(wiring, settings, out, err).run()


class Terminated(BaseException):
    """SIGTERM or SIGHUP (the signal number is ``args[0]``): leave like Ctrl-C, with 128 + the number."""


class Inbox:
    """The hand-off to the drawing thread: snapshots from the ingest thread, ``RESIZED`` from the SIGWINCH
    handler. A ``SimpleQueue``, because its ``put`` is reentrant and so safe from a signal handler."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Snapshot | str] = queue.SimpleQueue()

    def put(self, item: Snapshot | str) -> None:
        """Deliver a snapshot (or a resize); wakes the waiting thread."""
        self._queue.put(item)

    def wait(self, timeout: float) -> Snapshot | None:
        """Block until something arrives or ``timeout`` passes; return the latest snapshot that arrived, if any."""
        items: list[Snapshot | str] = []
        try:
            items.append(self._queue.get(timeout=max(0.0, timeout)))
            while True:
                items.append(self._queue.get_nowait())
        except queue.Empty:
            snapshots = [i for i in items if isinstance(i, Snapshot)]
            return snapshots[-1] if snapshots else None


class Model:
    """The picture's inputs as of the latest snapshot: runs assembled once per snapshot, analyses incremental
    (only runs a snapshot changed are analysed again), the scope applied at each redraw (``--since`` moves)."""

    def __init__(self, settings: Settings) -> None:
        self.scope = settings.scope
        self.analyzer = Analyzer(RaceSettings(settle=settings.settle, window=settings.window))
        self.snapshot = EMPTY
        self.timelines = Timelines()
        self.views: list[RunView] = []
        self.analyses: Mapping[str, Analysis] = {}

    def update(self, snapshot: Snapshot) -> None:
        """Take a new snapshot."""
        self.snapshot = snapshot
        self.views = self.timelines.build(snapshot)
        self.analyses = ByName(self.analyzer.analyse(snapshot, self.timelines.by_key))

    def picture(self, now: datetime) -> Picture:
        """The runs in scope at ``now`` and their analyses."""
        views = self.scope.filter(self.views, now)
        return Picture(views, {key(v): self.analyses[key(v)] for v in views if key(v) in self.analyses})


class Watcher:
    """One watch: the pipeline, the model, an output, the exit rules."""

    def __init__(self, wiring: Wiring, settings: Settings, out: Console, err: Console) -> None:
        self.wiring, self.settings, self.out, self.err = wiring, settings, out, err
        self.inbox = Inbox()
        self.model = Model(settings)
        self.options = PaneOptions(compact=settings.compact, zone=Zone.utc() if settings.utc else Zone.local())
        self.output = choose_output(settings, out)
        self.notifier = Notifier(out.file, dict(os.environ)) if settings.notify and is_tty(out) else None
        self.changed = False

    def run(self) -> int:
        """Start the source, draw until an exit condition, leave the last frame; return the exit code."""
        pipeline = Pipeline(self.wiring.source, self.wiring.ingestor, self.inbox.put)
        with Signals(self.inbox, is_tty(self.out)) as signals:
            try:
                pipeline.start()
                code = self.loop()
            except KeyboardInterrupt:
                code = ExitCode.INTERRUPTED
            except Terminated as stop:
                code = 128 + stop.args[0]
            finally:
                signals.closing = True
                self.finish(pipeline)
        return int(code)

    def loop(self) -> int:
        """Redraw on each snapshot or resize, and at least every ``--interval`` seconds, until told to exit."""
        while True:
            snapshot = self.inbox.wait(self.settings.interval)
            if snapshot is not None:
                self.model.update(snapshot)
                self.changed = True
            moment = self.redraw()
            code = self.verdict(moment)
            if code is not None:
                return code

    def redraw(self) -> Moment:
        """Show the current moment (and notify about what is new)."""
        moment = self.moment()
        self.output.show(moment)
        if self.notifier is not None:
            self.notifier.observe(moment)
        self.changed = False
        return moment

    def moment(self) -> Moment:
        """The picture as of now."""
        now = self.wiring.clock.now()
        snap = self.model.snapshot
        options = replace(self.options, updated=snap.at, problems=len(snap.problems), error=self.wiring.ingestor.fatal)
        return Moment(self.model.picture(now), snap.health, now, options, self.changed)

    def verdict(self, moment: Moment) -> int | None:
        """The exit code when the watch should end now, else None; raise ``SourceError`` on a fatal source."""
        if self.wiring.ingestor.fatal:
            raise SourceError(self.wiring.ingestor.fatal)
        if not self.settings.exit_on_completion:
            return None
        return completion_code(moment.picture, moment.health, self.settings.fail_on)

    def finish(self, pipeline: Pipeline) -> None:
        """Stop the source, leave the last frame and the terminal as it was, then print the warnings."""
        try:
            self.output.show(replace(self.moment(), changed=False))
        finally:
            self.output.close()
            pipeline.stop(timeout=0.5)
        print_problems(self.model.snapshot, self.err)


def completion_code(pic: Picture, health: SourceHealth, fail_on: FailOn) -> int | None:
    """``--exit-on-completion``: the exit code once every run in scope finished (after the first sync) or a
    finite source is done; None to keep watching."""
    if health.finished or (health.synced and pic.views and all(v.status.finished for v in pic.views)):
        return exit_code(FailOn(failure=True, race_severity=fail_on.race_severity), pic)
    return None


def is_tty(console: Console) -> bool:
    """Whether the console writes to a real terminal (``--color always`` into a pipe does not count)."""
    try:
        return os.isatty(console.file.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def choose_output(settings: Settings, out: Console) -> Screen | Appender | Oneline:
    """``--oneline`` lines, the in-place screen on a terminal, or appended frames."""
    if settings.oneline:
        return Oneline(out)
    return Screen(out) if is_tty(out) else Appender(out)


class Signals:
    """While watching: SIGWINCH wakes the drawing thread, SIGTERM/SIGHUP end the watch like Ctrl-C, and once
    ``closing`` a second Ctrl-C no longer interrupts the clean-up. Only installed from the main thread."""

    def __init__(self, inbox: Inbox, terminal: bool) -> None:
        self.inbox, self.terminal = inbox, terminal
        self.closing = False
        self._saved: dict[int, Any] = {}

    def __enter__(self) -> Self:
        if threading.current_thread() is threading.main_thread():
            self._install(signal.SIGINT, self._interrupt)
            self._install(signal.SIGTERM, self._terminate)
            self._install(signal.SIGHUP, self._terminate)
            if self.terminal:
                self._install(signal.SIGWINCH, lambda *_: self.inbox.put(RESIZED))
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)

    def _install(self, signum: int, handler: Any) -> None:
        self._saved[signum] = signal.signal(signum, handler)

    def _interrupt(self, signum: int, frame: FrameType | None) -> None:
        if not self.closing:
            raise KeyboardInterrupt

    def _terminate(self, signum: int, frame: FrameType | None) -> None:
        if not self.closing:
            raise Terminated(signum)


# ---- outputs -------------------------------------------------------------------------------------------------
