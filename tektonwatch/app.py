"""Provides the wiring between the command line and the front ends: ``Settings``, source and clock selection.

``Settings.from_options`` validates the options (a ``ValueError`` is a usage error); ``build_source`` picks the
file, replay or cluster source and its clock — the only place that chooses one; ``run_snapshot`` and
``run_watch`` hand a source to a front end and return an exit code. Front ends never choose their source.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tektonwatch.clock import Clock, SystemClock
from tektonwatch.errors import ExitCode, SourceError
from tektonwatch.events import Change, SourceEvent, Synced
from tektonwatch.ingest import Ingestor, Source, drain
from tektonwatch.scope import Scope, SelectorError, parse_duration, parse_selector

if TYPE_CHECKING:
    from tektonwatch.sources.kubelogs import PodReader


@dataclass(frozen=True)
class FailOn:
    """``--fail-on``: exit 1 on a failed run and/or a race finding of at least ``race_severity``."""

    failure: bool = False
    race_severity: str | None = None

    @classmethod
    def parse(cls, text: str | None) -> FailOn:
        """``failure``, ``race``, ``race=critical``, or a comma-separated mix."""
        if not text:
            return cls()
        failure, race = False, None
        for part in (p.strip() for p in text.split(",")):
            if part == "failure":
                failure = True
            elif part in ("race", "race=warning"):
                race = "warning"
            elif part in ("race=critical", "race=info"):
                race = part.split("=")[1]
            else:
                raise ValueError(f"--fail-on: unknown condition {part!r} (use failure, race or race=critical)")
        return cls(failure, race)


@dataclass(frozen=True)
class Settings:
    """Everything a front end needs, validated."""

    source_kind: str = "kube"
    from_files: tuple[str, ...] = ()
    replay: str | None = None
    speed: float | None = None
    record: str | None = None
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    scope: Scope = field(default_factory=Scope)
    settle: float = 10.0
    window: float = 2.0
    utc: bool = False
    color: str = "auto"
    output: str = "table"
    gantt: str = "3"
    fail_on: FailOn = field(default_factory=FailOn)
    compact: bool = False
    oneline: bool = False
    exit_on_completion: bool = False
    interval: float = 1.0
    notify: bool = False
    debug: bool = False

    @classmethod
    def from_options(cls, opts: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
        """Validate click's options; raise ``ValueError`` with a usage message."""
        files, replay = tuple(opts.get("from_files") or ()), opts.get("replay")
        if files and replay:
            raise ValueError("--from and --replay cannot be used together")
        if opts.get("record") and (files or replay):
            raise ValueError("--record records a live cluster; it cannot be used with --from or --replay")
        if opts.get("speed") is not None and not replay:
            raise ValueError("--speed only applies to --replay")
        kind = "replay" if replay else "file" if files else "kube"
        return cls(
            source_kind=kind, from_files=files, replay=replay, speed=_positive(opts.get("speed"), "--speed"),
            record=opts.get("record"), kubeconfig=opts.get("kubeconfig"), context=opts.get("context"),
            namespace=opts.get("namespace"), all_namespaces=bool(opts.get("all_namespaces")),
            scope=_scope(opts, kind), settle=_non_negative(opts.get("settle", 10.0), "--settle"),
            window=_non_negative(opts.get("window", 2.0), "--window"), utc=bool(opts.get("utc")),
            color=_color(opts.get("color") or "auto", environ), output=opts.get("output") or "table",
            gantt=_gantt(opts.get("gantt") or "3"), fail_on=FailOn.parse(opts.get("fail_on")),
            compact=bool(opts.get("compact")), oneline=bool(opts.get("oneline")),
            exit_on_completion=bool(opts.get("exit_on_completion")),
            interval=_positive(opts.get("interval", 1.0), "--interval") or 1.0, notify=bool(opts.get("notify")),
            debug=bool(opts.get("debug")),
        )


def _scope(opts: Mapping[str, Any], kind: str) -> Scope:
    selector = opts.get("selector")
    try:
        parse_selector(selector)
    except SelectorError as exc:
        raise ValueError(f"-l: {exc}") from None
    since = parse_duration(opts["since"]) if opts.get("since") else None
    namespace = opts.get("namespace")
    # Files and replays show every namespace unless -n is given; a cluster scopes on the server side.
    namespaces = (namespace,) if namespace and not opts.get("all_namespaces") else ()
    return Scope(namespaces=namespaces, selector=selector, names=tuple(opts.get("names") or ()), since=since)


def _positive(value: float | None, name: str) -> float | None:
    if value is not None and value <= 0:
        raise ValueError(f"{name} must be greater than 0")
    return value


def _non_negative(value: float, name: str) -> float:
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


def _gantt(value: str) -> str:
    if value in ("all", "none") or (value.isdigit()):
        return value
    raise ValueError("--gantt takes a number, all or none")


def _color(choice: str, environ: Mapping[str, str]) -> str:
    """``never`` when NO_COLOR is set (any value) unless colour was forced."""
    if choice == "auto" and environ.get("NO_COLOR"):
        return "never"
    return choice


def consoles(settings: Settings) -> tuple[Any, Any]:
    """The stdout (data) and stderr (diagnostics) rich consoles, coloured as the settings say."""
    from rich.console import Console

    def make(stderr: bool) -> Console:
        if settings.color == "always":
            return Console(stderr=stderr, force_terminal=True, highlight=False, emoji=False)
        if settings.color == "never":
            return Console(stderr=stderr, no_color=True, color_system=None, highlight=False, emoji=False)
        return Console(stderr=stderr, highlight=False, emoji=False)

    return make(False), make(True)


@dataclass
class Wiring:
    """A chosen source, its clock and an ingestor (the handoff from the command line to a front end)."""

    source: Source
    clock: Clock
    ingestor: Ingestor
    live: bool
    pods: PodReader | None = None  # reads task logs and events (a cluster source only)


SNAPSHOT_SYNC_TIMEOUT = 60.0


def build_source(settings: Settings, clock: Clock | None = None, *, once: bool = False) -> Wiring:
    """Choose the source named by the settings and the clock that goes with it.

    ``once`` is for print modes: a cluster source then gives up (a source error) when its first listing has
    not completed within ``SNAPSHOT_SYNC_TIMEOUT`` seconds, instead of retrying forever."""
    if settings.source_kind == "file":
        from tektonwatch.sources.files import FileSource

        clock = clock or SystemClock()
        source: Source = FileSource(list(settings.from_files))
    elif settings.source_kind == "replay":
        from tektonwatch.sources.replay import ReplayClock, ReplaySource, load

        recording = load(settings.replay or "-")
        replay_clock = ReplayClock(recording, settings.speed)
        clock = clock or replay_clock
        source = ReplaySource(recording, replay_clock)
    else:
        source, clock, pods = _kube_source(settings, clock or SystemClock(), once)
        ingestor = Ingestor(source.kind, clock, stale_after=getattr(source, "stale_after", 30.0))
        return Wiring(source, clock, ingestor, live=True, pods=pods)
    return Wiring(source, clock, Ingestor(source.kind, clock), live=False)


def _kube_source(settings: Settings, clock: Clock, once: bool) -> tuple[Source, Clock, PodReader]:
    from tektonwatch.sources.kube import KubeSettings, KubeSource
    from tektonwatch.sources.kubelogs import PodReader

    kube = KubeSettings(kubeconfig=settings.kubeconfig, context=settings.context, namespace=settings.namespace,
                        all_namespaces=settings.all_namespaces, label_selector=settings.scope.selector,
                        names=settings.scope.names, sync_timeout=SNAPSHOT_SYNC_TIMEOUT if once else None)
    kube_source = KubeSource(kube, clock, record_raw=bool(settings.record))
    source: Source = Tee(kube_source, settings.record) if settings.record else kube_source
    return source, clock, PodReader(kube_source)


class Tee:
    """Wraps a live source and records what it delivers (``--record``)."""

    def __init__(self, inner: Source, path: str) -> None:
        self.inner = inner
        self.kind = inner.kind
        self.stale_after = getattr(inner, "stale_after", 30.0)
        self.path = path

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Run the inner source, writing each change and the sync mark to the recording."""
        from tektonwatch.sources.replay import Recorder

        try:
            out = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise SourceError(f"--record {self.path}: cannot write ({exc.strerror or exc})") from None
        print(f"tektonwatch: recording to {self.path} (leaving out params values, step scripts, args, env and "
              "annotations)", file=sys.stderr)
        recorder = Recorder(out)

        def tee(ev: SourceEvent) -> None:
            if isinstance(ev, Change):
                recorder.change(ev)
            elif isinstance(ev, Synced):
                recorder.synced()
            emit(ev)

        try:
            self.inner.run(tee, stop)
        finally:
            out.close()


def run_snapshot(settings: Settings, clock: Clock | None = None) -> int:
    """``tektonwatch snapshot``: read the source to its end (or first sync), print once, return the exit code."""
    from tektonwatch.races import RaceSettings
    from tektonwatch.render.fmt import Zone
    from tektonwatch.snapshot import PrintOptions, picture, print_json, print_problems, print_table

    out, err = consoles(settings)
    wiring = build_source(settings, clock, once=True)
    snap = drain(wiring.source, wiring.ingestor, until_synced=wiring.live)
    if wiring.ingestor.fatal:
        raise SourceError(wiring.ingestor.fatal)
    now = wiring.clock.now()
    races = RaceSettings(settle=settings.settle, window=settings.window)
    pic = picture(snap, settings.scope, races, now)
    print_problems(snap, err)
    zone = Zone.utc() if settings.utc else Zone.local()
    if settings.output == "json":
        print_json(pic, snap, now, out)
    else:
        print_table(pic, PrintOptions(settings.output, settings.gantt, zone, races), now, out,
                    named=bool(settings.scope.names))
    return exit_code(settings.fail_on, pic)


def exit_code(fail_on: FailOn, pic: Any) -> int:
    """1 when a ``--fail-on`` condition is met, else 0."""
    if fail_on.failure and any(v.status.bad for v in pic.views):
        return ExitCode.CONDITION
    if fail_on.race_severity is not None:
        rank = {"info": 0, "warning": 1, "critical": 2}[fail_on.race_severity]
        worst = pic.worst()
        if worst is not None and worst.rank >= rank:
            return ExitCode.CONDITION
    return ExitCode.OK


def run_dashboard(settings: Settings, clock: Clock | None = None) -> int:
    """``tektonwatch``: the interactive dashboard, or the watch view when stdout is not a terminal."""
    if not (sys.stdout.isatty() and sys.stdin.isatty()):
        return run_watch(settings, clock)
    from tektonwatch.tui import run_dashboard as dashboard

    return dashboard(build_source(settings, clock), settings)


def run_watch(settings: Settings, clock: Clock | None = None) -> int:
    """``tektonwatch watch``: the live view for a tmux pane."""
    from tektonwatch.watch import watch

    out, err = consoles(settings)
    wiring = build_source(settings, clock)
    return watch(wiring, settings, out, err)

