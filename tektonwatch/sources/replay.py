"""Provides recordings: ``--replay FILE.jsonl`` (and the bundled demo) and ``--record FILE.jsonl``.

A recording is JSON Lines, one event per line: ``{"t": 12.5, "type": "ADDED|MODIFIED|DELETED", "object": {…}}``
with ``t`` in seconds since the recording began, plus ``{"t": 0.8, "type": "SYNCED"}`` once the initial listing
was complete. Replaying as fast as possible yields the final state; ``speed`` replays in real time scaled by it.
The replay's clock is the recording's own: the wall time at which it began is inferred from the objects' latest
timestamps (an event at ``t`` cannot describe anything later than ``begin + t``), so durations and "now" are
those of the moment recorded, not of today. The recorder leaves out what tektonwatch never reads and may be
private: ``spec.params`` values, step ``script``/``args``/``command``/``env``, annotations and managedFields.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any

import msgspec

from tektonwatch.errors import SourceError
from tektonwatch.events import Change, Finished, Problem, SourceEvent, Synced
from tektonwatch.health import SourceHealth
from tektonwatch.model import ObjectError, PipelineRun, Run, decode
from tektonwatch.model.wire import Event
from tektonwatch.sources.files import read_bytes

_EVENT = msgspec.json.Decoder(Event)
PRIVATE_KEYS = frozenset({"script", "args", "command", "env", "envFrom"})


@dataclass(frozen=True)
class Recording:
    """A decoded recording: its events in order, the inferred wall time it began, and its length."""

    events: tuple[SourceEvent, ...]
    begin: datetime | None
    length: float

    def end_time(self) -> datetime | None:
        """The wall time of the recording's last event (the "now" of its final state)."""
        return self.begin + timedelta(seconds=self.length) if self.begin else None


def latest(record: Run) -> datetime | None:
    """The latest instant an object describes."""
    stamps = [record.created, record.start, record.completion]
    if not isinstance(record, PipelineRun):
        stamps += [s.finished or s.started for s in record.steps]
    return max((s for s in stamps if s is not None), default=None)


def _line_event(line: bytes, number: int, name: str) -> SourceEvent | None:
    try:
        ev = _EVENT.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return Problem(f"{name}: line {number}: not a recorded event (invalid JSON)")
    if ev.type == "SYNCED":
        return Synced(t=ev.t)
    if ev.type not in ("ADDED", "MODIFIED", "DELETED") or not len(ev.object):
        return Problem(f"{name}: line {number}: unknown event type {ev.type!r}")
    try:
        return Change(ev.type, decode(bytes(ev.object)), t=ev.t or 0.0)
    except ObjectError as exc:
        return Problem(f"{name}: line {number}: {exc}")


def load(path: str, data: bytes | None = None) -> Recording:
    """Read and decode a recording; raise ``SourceError`` if it cannot be read or has no event at all."""
    data = read_bytes(path) if data is None else data
    name = "stdin" if path == "-" else path
    events: list[SourceEvent] = []
    for number, line in enumerate(data.splitlines(), 1):
        if line.strip():
            ev = _line_event(line, number, name)
            if ev is not None:
                events.append(ev)
    if events and all(isinstance(e, Problem) for e in events):
        raise SourceError(f"{name}: not a tektonwatch recording (JSON Lines of watch events); line 1 does not parse")
    return Recording(tuple(events), _begin(events), max((_t(e) for e in events), default=0.0))


def _t(ev: SourceEvent) -> float:
    return getattr(ev, "t", None) or 0.0


def _begin(events: list[SourceEvent]) -> datetime | None:
    candidates = []
    for ev in events:
        if isinstance(ev, Change) and (at := latest(ev.record)) is not None:
            candidates.append(at - timedelta(seconds=_t(ev)))
    return max(candidates, default=None)


class ReplayClock:
    """The recording's clock while it plays at ``speed`` (frozen at the end once it has played)."""

    def __init__(self, recording: Recording, speed: float | None, monotonic: Callable[[], float] = time.monotonic):
        self.recording = recording
        self.speed = speed
        self._monotonic = monotonic
        self._started: float | None = None

    def start(self) -> None:
        """Mark the instant playback began."""
        self._started = self._monotonic()

    def position(self) -> float:
        """Seconds into the recording."""
        if self.speed is None or self._started is None:
            return self.recording.length if self.speed is None else 0.0
        return min(self.recording.length, (self._monotonic() - self._started) * self.speed)

    def now(self) -> datetime:
        """The recorded wall time at the current position."""
        begin = self.recording.begin or datetime.now().astimezone()
        return begin + timedelta(seconds=self.position())


class ReplaySource:
    """Plays a recording through the ordinary ingest path, as fast as possible or in scaled real time."""

    kind = "replay"

    def __init__(self, recording: Recording, clock: ReplayClock) -> None:
        self.recording = recording
        self.clock = clock

    def health(self) -> SourceHealth:
        """The health of a replay that has played to its end."""
        return SourceHealth(kind=self.kind, synced=True, finished=True)

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Emit each event at its time (scaled); a recording without SYNCED is synced at its end."""
        self.clock.start()
        speed = self.clock.speed
        synced = False
        for ev in self.recording.events:
            if speed is not None:
                wait = _t(ev) / speed - (self.clock.position() / speed)
                if wait > 0 and stop.wait(wait):
                    return
            if stop.is_set():
                return
            synced = synced or isinstance(ev, Synced)
            emit(ev)
        if not synced:
            emit(Synced())
        emit(Finished())


def strip_private(obj: Any) -> Any:
    """A copy of a raw object without params values, step scripts/args/env, annotations or managedFields."""
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key in PRIVATE_KEYS:
                continue
            out[key] = strip_private(value)
        meta = out.get("metadata")
        if isinstance(meta, dict):
            meta.pop("annotations", None)
            meta.pop("managedFields", None)
        spec = out.get("spec")
        if isinstance(spec, dict) and isinstance(spec.get("params"), list):
            spec["params"] = [{"name": p.get("name")} for p in spec["params"] if isinstance(p, dict)]
        return out
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    return obj


class Recorder:
    """Writes the events a source delivers to a JSON Lines file (``--record``); call ``change``/``synced``."""

    def __init__(self, out: IO[str], monotonic: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self._monotonic = monotonic
        self._start = monotonic()

    def _t(self) -> float:
        return round(self._monotonic() - self._start, 3)

    def change(self, change: Change) -> None:
        """Record one change (it must carry its raw JSON)."""
        if change.raw is None:
            return
        obj = strip_private(json.loads(change.raw))
        self._write({"t": self._t(), "type": change.type, "object": obj})

    def synced(self) -> None:
        """Record the end of the initial listing."""
        self._write({"t": self._t(), "type": "SYNCED"})

    def _write(self, line: dict[str, Any]) -> None:
        self.out.write(json.dumps(line, separators=(",", ":"), sort_keys=True) + "\n")
        self.out.flush()


def demo_path() -> str:
    """The bundled incident recording."""
    from importlib.resources import files

    return str(files("tektonwatch") / "demo" / "incident.jsonl")

