"""Provides container logs for the `pods/{pod}/log` endpoint: lines with timestamps, the query options
(`timestamps`, `sinceTime` truncated to whole seconds like the real server, `sinceSeconds`, `tailLines`,
`limitBytes`) and followed streams that stay open until the test finishes the container.

Thread-safe; tests append lines from their own thread while server threads follow them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from . import status

LogKey = tuple[str, str, str]  # (namespace, pod, container)


def log_timestamp(moment: datetime) -> str:
    """The kubelet's timestamp prefix: RFC 3339 with nine fractional digits and `Z`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}000Z"


def parse_since_time(raw: str) -> datetime:
    """A `sinceTime` query value, truncated to whole seconds as the apiserver does; 400 if malformed."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise status.bad_request(
            f'parsing time "{raw}" as "2006-01-02T15:04:05Z07:00": cannot parse'
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class LogOptions:
    """The options of one log request."""

    timestamps: bool = False
    since: datetime | None = None
    tail: int | None = None
    limit_bytes: int | None = None


@dataclass
class _Container:
    lines: list[tuple[datetime, str]] = field(default_factory=list)
    finished: bool = False


class LogStore:
    """Lines per (namespace, pod, container) and the followers waiting for more."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._logs: dict[LogKey, _Container] = {}
        self._closed = False

    def append(
        self, namespace: str, pod: str, container: str, line: str, time: datetime | None = None
    ) -> None:
        """Add one line (without its newline) at `time` (default now) and wake followers."""
        with self._cond:
            entry = self._logs.setdefault((namespace, pod, container), _Container())
            entry.lines.append((time or datetime.now(UTC), line.rstrip("\n")))
            self._cond.notify_all()

    def finish(self, namespace: str, pod: str, container: str | None = None) -> None:
        """Mark one container (or every container of the pod) terminated: followed streams end."""
        with self._cond:
            if container is not None:
                self._logs.setdefault((namespace, pod, container), _Container())
            for key, entry in self._logs.items():
                if key[:2] == (namespace, pod) and container in (None, key[2]):
                    entry.finished = True
            self._cond.notify_all()

    def close(self) -> None:
        """End every followed stream (server stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def reopen(self) -> None:
        """Allow following again after a restart."""
        with self._cond:
            self._closed = False

    def read(self, key: LogKey, options: LogOptions) -> tuple[bytes, int]:
        """The selected lines as bytes, and the index following streams continue from."""
        with self._cond:
            lines = list(self._logs.get(key, _Container()).lines)
        selected = [(t, s) for t, s in lines if options.since is None or t >= options.since]
        if options.tail is not None:
            selected = selected[-options.tail :] if options.tail > 0 else []
        body = b"".join(_render(t, s, options.timestamps) for t, s in selected)
        if options.limit_bytes is not None:
            body = body[: options.limit_bytes]
        return body, len(lines)

    def follow(self, key: LogKey, start: int, timestamps: bool, poll: float = 0.25) -> Iterator[bytes]:
        """Lines appended after index `start`, as they come, until the container finishes or the store
        closes; yields b"" every `poll` seconds of silence so the caller can check its client."""
        index = start
        while True:
            with self._cond:
                entry = self._logs.setdefault(key, _Container())
                if index >= len(entry.lines) and not entry.finished and not self._closed:
                    self._cond.wait(poll)
                fresh, index = entry.lines[index:], len(entry.lines)
                done = (entry.finished or self._closed) and not fresh
            if done:
                return
            yield b"".join(_render(t, s, timestamps) for t, s in fresh)


def _render(moment: datetime, line: str, timestamps: bool) -> bytes:
    prefix = f"{log_timestamp(moment)} " if timestamps else ""
    return f"{prefix}{line}\n".encode()


def since_seconds(seconds: int) -> datetime:
    """The moment `sinceSeconds` refers to."""
    return datetime.now(UTC) - timedelta(seconds=seconds)
