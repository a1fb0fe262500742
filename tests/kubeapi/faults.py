"""Provides fault injection for the Kubernetes API double: the faults of k8s-watch.md §5b, F1–F22.

Usage: `api.faults.add(CutMidChunk(after_events=2), Match(path_re="/pipelineruns", watch=True))`, or with
keywords `api.faults.add(match=Match(...), action=...)`, or `api.faults.add(action, watch=True, times=3)`.
A rule fires for the `nth` matching request and the `times - 1` after it (`times=None`: forever).

Actions hook in at two points: `on_request` before the double handles a request (HTTP errors, drops, delays,
stalls, token expiry) and, for watches, around every event written (`on_stream`, `write_event`, clean or
abrupt ends, injected lines, tiny chunks). State-level faults are methods of the api itself:
`set_valid_tokens` (F14), `deny` (F15/F16), `restart` (F17), `set_tekton` (F18), `compact` (F4/F21),
`expire_continue_tokens` (F5). Nothing here sleeps longer than the action asks; stalls wait until
released by the test or woken by a server stop or restart.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import status
from .wire import ChunkedWriter, StreamAbort, StreamEnd


class RequestContext(Protocol):
    """What `on_request` hooks may use: the logged request, the api, and ways to answer it."""

    request: Any
    api: Any

    def send_error(self, error: status.ApiError) -> None: ...

    def drop(self) -> None: ...


@dataclass
class Match:
    """Which requests a rule applies to; None means "any". `verb` is the Kubernetes verb (list, watch,
    get), `method` the HTTP one, `param` a query parameter that must be present (e.g. "continue")."""

    path_re: str | None = None
    verb: str | None = None
    method: str | None = None
    watch: bool | None = None
    param: str | None = None
    nth: int = 1
    times: int | None = 1

    def applies(self, request: Any) -> bool:
        """Whether a logged request matches (ignoring nth/times)."""
        return (
            (self.path_re is None or re.search(self.path_re, request.path) is not None)
            and self.verb in (None, request.verb)
            and self.method in (None, request.method)
            and self.watch in (None, request.watch)
            and (self.param is None or self.param in request.query)
        )


@dataclass
class Rule:
    """A match plus an action; `seen` counts matching requests, `fired` the ones the action applied to."""

    match: Match
    action: Action
    seen: int = 0
    fired: int = 0

    def consider(self, request: Any) -> bool:
        """Count a request and say whether the action fires for it (caller holds the FaultSet lock)."""
        if not self.match.applies(request):
            return False
        self.seen += 1
        times = self.match.times
        if self.seen < self.match.nth or (times is not None and self.fired >= times):
            return False
        self.fired += 1
        return True


class Action:
    """Base fault action: every hook does nothing. Hooks run on the request's server thread."""

    def on_request(self, ctx: RequestContext) -> bool:
        """Before handling; return True when the action answered (or dropped) the request itself."""
        return False

    def on_stream(self, out: ChunkedWriter, count: int) -> None:
        """At the start of a watch body (count 0) and after each event; may write or raise StreamEnd/Abort."""

    def write_event(self, out: ChunkedWriter, data: bytes, count: int) -> bool:
        """Write one event line its own way; return True when it did (the default writer is skipped)."""
        return False

    def stream_seconds(self) -> float | None:
        """A shorter lifetime for matched watches, in seconds."""
        return None

    def wake(self) -> None:
        """Unblock requests the action holds (server stop or restart)."""


class FaultSet:
    """The rules of one api; thread-safe."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()

    def add(self, action: Action, match: Match | None = None, **match_fields: Any) -> Rule:
        """Install a rule; `match_fields` build a Match when none is given."""
        rule = Rule(match or Match(**match_fields), action)
        with self._lock:
            self._rules.append(rule)
        return rule

    def remove(self, rule: Rule) -> None:
        """Uninstall one rule (idempotent)."""
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        """Uninstall every rule, waking anything they hold."""
        with self._lock:
            rules, self._rules = self._rules, []
        for rule in rules:
            rule.action.wake()

    def wake_all(self) -> None:
        """Wake every held request without uninstalling rules."""
        with self._lock:
            rules = list(self._rules)
        for rule in rules:
            rule.action.wake()

    def actions_for(self, request: Any) -> list[Action]:
        """The actions that fire for this request, in the order their rules were added."""
        with self._lock:
            return [rule.action for rule in self._rules if rule.consider(request)]


# ---- request-level actions (any request) ------------------------------------------------------------


@dataclass
class HttpError(Action):
    """F6/F19: answer with an error Status (429, 500, 503, 504…); `retry_after` adds `Retry-After`."""

    code: int
    retry_after: int | None = None
    message: str | None = None

    def on_request(self, ctx: RequestContext) -> bool:
        ctx.send_error(status.retryable(self.code, self.retry_after, self.message))
        return True


def webhook_failure(kind: str = "PipelineRun") -> HttpError:
    """F19: the 500 a v1beta1 request gets when Tekton's conversion webhook is down."""
    message = (
        f'conversion webhook for tekton.dev/v1, Kind={kind} failed: Post "https://tekton-pipelines-'
        'webhook.tekton-pipelines.svc:443/resource-conversion?timeout=30s": service '
        '"tekton-pipelines-webhook" not found'
    )
    return HttpError(500, message=message)


@dataclass
class Drop(Action):
    """Close the connection without any response (the client sees RemoteDisconnected)."""

    def on_request(self, ctx: RequestContext) -> bool:
        ctx.drop()
        return True


@dataclass
class Delay(Action):
    """F8: hold the response headers for `seconds`, then handle normally."""

    seconds: float

    def on_request(self, ctx: RequestContext) -> bool:
        time.sleep(self.seconds)
        return False


@dataclass
class ExpireContinue(Action):
    """F5: expire every continue token just before the request is handled (pair with `param="continue"`)."""

    def on_request(self, ctx: RequestContext) -> bool:
        ctx.api.expire_continue_tokens()
        return False


@dataclass
class Stall(Action):
    """F9: a half-open connection. Sends nothing (or, with `headers=True` on a watch, only the 200 headers)
    until `release()` or a server stop/restart; then closes abruptly (`then="close"`) or carries on."""

    headers: bool = False
    then: str = "close"
    _released: threading.Event = field(default_factory=threading.Event, repr=False)
    _waiters: set = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def waiting(self) -> int:
        """How many requests are held right now (wait for it to become 1 before asserting)."""
        with self._lock:
            return len(self._waiters)

    def release(self) -> None:
        """Let every held and future matching request go (the action becomes inert)."""
        self._released.set()
        self.wake()

    def wake(self) -> None:
        with self._lock:
            for waiter in self._waiters:
                waiter.set()

    def _hold(self) -> None:
        if self._released.is_set():
            return
        waiter = threading.Event()
        with self._lock:
            self._waiters.add(waiter)
        try:
            waiter.wait()
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def on_request(self, ctx: RequestContext) -> bool:
        if self.headers and ctx.request.watch:
            return False
        self._hold()
        if self.then == "close":
            ctx.drop()
            return True
        return False

    def on_stream(self, out: ChunkedWriter, count: int) -> None:
        if self.headers and count == 0:
            self._hold()
            if self.then == "close":
                raise StreamAbort()


# ---- stream-level actions (watch bodies) ------------------------------------------------------------


@dataclass
class EndStream(Action):
    """F1/F7: end the watch cleanly after `after_events` events and/or `after_seconds` seconds
    (`EndStream(after_events=0)` is a watch that closes at once with no events)."""

    after_events: int | None = None
    after_seconds: float | None = None

    def on_stream(self, out: ChunkedWriter, count: int) -> None:
        if self.after_events is not None and count >= self.after_events:
            raise StreamEnd()

    def stream_seconds(self) -> float | None:
        return self.after_seconds


@dataclass
class CloseStream(Action):
    """F3: after `after_events` complete events, close the connection without the terminating chunk."""

    after_events: int = 0

    def on_stream(self, out: ChunkedWriter, count: int) -> None:
        if count >= self.after_events:
            raise StreamAbort()


@dataclass
class CutMidChunk(Action):
    """F2: when writing the event after `after_events`, announce its full chunk, send `fraction` of it,
    then shut the socket down (urllib3 raises ProtocolError/IncompleteRead)."""

    after_events: int = 0
    fraction: float = 0.5

    def write_event(self, out: ChunkedWriter, data: bytes, count: int) -> bool:
        if count != self.after_events:
            return False
        out.partial(data[: max(1, int(len(data) * self.fraction))], len(data))
        raise StreamAbort()


@dataclass
class SplitChunks(Action):
    """F8: write every event as chunks of `min_size`..`max_size` bytes with `delay` seconds between them."""

    max_size: int = 7
    min_size: int = 1
    delay: float = 0.001
    seed: int | None = 0

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def write_event(self, out: ChunkedWriter, data: bytes, count: int) -> bool:
        pos = 0
        while pos < len(data):
            with self._lock:
                size = self._rng.randint(self.min_size, self.max_size)
            out.chunk(data[pos : pos + size])
            pos += size
            if self.delay:
                time.sleep(self.delay)
        return True


LineSource = bytes | str | dict


@dataclass
class Inject(Action):
    """F10–F13: after `after_events` events, write `lines` as raw chunks (dicts become one JSON line; bytes
    and str are sent exactly as given, so include the newline), then end the stream if `end`."""

    lines: Iterable[LineSource] | Callable[[ChunkedWriter], Iterable[LineSource]] = ()
    after_events: int = 0
    end: bool = False

    def on_stream(self, out: ChunkedWriter, count: int) -> None:
        if count != self.after_events:
            return
        lines = self.lines(out) if callable(self.lines) else self.lines
        for line in lines:
            out.chunk(encode_line(line))
        if self.end:
            raise StreamEnd()


@dataclass
class Inject410(Inject):
    """F4: after `after_events` events, an in-band ERROR 410 ("too old resource version: N (floor)") for the
    resourceVersion the request asked for, then a clean end — as if history had been compacted."""

    reason: str = "Expired"
    end: bool = True

    def __post_init__(self) -> None:
        self.lines = self._expired_line

    def _expired_line(self, out: ChunkedWriter) -> list[dict]:
        requested = int(out.request.query.get("resourceVersion") or 0)
        return [error_event(status.too_old_watch(requested, out.api.state.floor, self.reason))]


# ---- line builders for Inject -------------------------------------------------------------------------


def encode_line(line: LineSource) -> bytes:
    """The bytes of one injected line: dicts are JSON plus a newline, text and bytes are as given."""
    if isinstance(line, dict):
        return json.dumps(line, separators=(",", ":")).encode() + b"\n"
    return line.encode() if isinstance(line, str) else line


def error_event(status_body: dict) -> dict:
    """An ERROR watch event carrying a Status."""
    return {"type": "ERROR", "object": status_body}


def huge_event(obj: dict, size: int = 256 * 1024, event_type: str = "MODIFIED") -> dict:
    """F12: the object with a `size`-byte annotation, as one event (its line is longer than `size`)."""
    fat = json.loads(json.dumps(obj))
    fat.setdefault("metadata", {}).setdefault("annotations", {})["kubeapi.test/padding"] = "x" * size
    return {"type": event_type, "object": fat}


def invalid_utf8_event(obj: dict, event_type: str = "MODIFIED") -> bytes:
    """F12: one event line whose annotation value holds bytes that are not UTF-8."""
    marked = json.loads(json.dumps(obj))
    marked.setdefault("metadata", {}).setdefault("annotations", {})["kubeapi.test/bad"] = "@BAD@"
    line = json.dumps({"type": event_type, "object": marked}, separators=(",", ":")).encode()
    return line.replace(b"@BAD@", b"\xff\xfe\xc3(") + b"\n"


MALFORMED_LINE = b'{"type": "MODIFIED", "obj\n'
BLANK_LINE = b"\n"
UNKNOWN_TYPE = {"type": "SURPRISE", "object": {"kind": "Status"}}
ERROR_WITHOUT_CODE = {
    "type": "ERROR",
    "object": {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "something went wrong"},
}
