"""Provides the reflector: one ``Watcher`` per resource and scope that lists, then watches, like client-go.

The loop (k8s-watch.md §5a): a paginated list (a continue that expired restarts the list) replaces the watcher's
``ObjectCache``, emitting DELETED for objects that vanished; then a watch from the list's resourceVersion with
bookmarks and a random server timeout, read as bytes with its own line splitter and typed decoding. A clean end
resumes from the last resourceVersion at once; only a 410 (in-band ERROR or HTTP) relists. Transport errors,
5xx/429, corrupt lines and watches that end at once back off exponentially with jitter (``Retry-After`` honoured)
and resume. 401 reloads the credentials once, then waits as UNAUTHORIZED; 403 on the watch alone degrades to
polling with lists; 403 on the list is FORBIDDEN and 404 NOT_INSTALLED, both re-probed slowly.
A watcher never touches the store: it puts ``Change``/``Problem``/``HealthChanged`` on the source's queue, and it
never drops a line silently (corrupt lines are counted, reported and answered by a resume).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tektonwatch.clock import Clock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, HealthChanged, Problem, SourceEvent
from tektonwatch.health import State, WatcherHealth
from tektonwatch.model import decode_event, decode_listing, records
from tektonwatch.sources import kuberest as kr
from tektonwatch.sources.kubecache import Changes, Held, ObjectCache
from tektonwatch.sources.kubeconn import Connection, KubeSettings
from tektonwatch.sources.kuberest import Failure, Target

MAX_RETRY_AFTER = 600.0
HEALTH_EVERY = 1.0  # seconds between health updates that only carry new event counters
Sleep = Callable[[threading.Event, float], Any]


def wait_on(halt: threading.Event, seconds: float) -> bool:
    """The default sleep: wait on the halt event, so stopping interrupts it."""
    return halt.wait(max(0.0, seconds))


@dataclass
class Env:
    """What every watcher of one source shares: settings, time, randomness, the halt event and the queue."""

    settings: KubeSettings
    clock: Clock
    put: Callable[[SourceEvent], None]
    halt: threading.Event
    sleep: Sleep = wait_on
    rng: random.Random = field(default_factory=random.Random)
    record_raw: bool = False


class Backoff:
    """Exponential backoff with jitter: delay = base * (1 + jitter * U[0,1)), at most ``cap``; the base grows by
    ``factor`` per failure and returns to ``initial`` after ``reset`` seconds without a failure (client-go's)."""

    def __init__(self, s: KubeSettings, rng: random.Random, now: Callable[[], float] = time.monotonic) -> None:
        self.s, self.rng, self.now = s, rng, now
        self.base = s.backoff_initial
        self.last: float | None = None

    def next(self) -> float:
        """The delay before the next attempt."""
        t = self.now()
        if self.last is not None and t - self.last > self.s.backoff_reset:
            self.base = self.s.backoff_initial
        self.last = t
        delay = min(self.s.backoff_cap, self.base * (1.0 + self.s.backoff_jitter * self.rng.random()))
        self.base = min(self.s.backoff_cap, self.base * self.s.backoff_factor)
        return delay


class _Halted(Exception):
    """The source is stopping: unwind without reporting anything."""


class Watcher:
    """Keeps one target (a resource in a scope) in sync; ``run`` loops until the halt event is set."""

    def __init__(self, target: Target, conn: Connection, version: str, env: Env) -> None:
        self.target, self.conn, self.version, self.env = target, conn, version, env
        self.s = env.settings
        client, self.generation = conn.client()
        self.api = kr.Api(client, version, self.s)
        self.backoff = Backoff(self.s, env.rng)
        self.cache = ObjectCache(self.s.names, env.record_raw, self.problem)
        self.rv: str | None = None
        self.health = WatcherHealth(name=target.label, since=env.clock.now())
        self.phase = "list"
        self.listed = self.polling = self.reloaded = False
        self.relist_reason = ""
        self.expired_in_row = 0
        self._health_at = 0.0
        self._events = 0  # events read but not yet in ``health`` (see ``seen``)
        self._last_event: datetime | None = None

    # -- the loop -------------------------------------------------------------------------------------------

    def run(self) -> None:
        """List and watch until halted; never raises (failures become health and retries)."""
        try:
            while not self.env.halt.is_set():
                self.step()
        except _Halted:
            return
        finally:
            self.api.close()

    def step(self) -> None:
        """One list-if-needed plus one watch; a failure is handled (and waited for) here."""
        try:
            if self.rv is None:
                self.relist()
            self.watch()
        except Failure as f:
            if not self.env.halt.is_set():
                self.handle(f)

    def abort(self) -> None:
        """Unblock a read in progress (called from the source's thread when stopping)."""
        self.api.abort()

    # -- list -------------------------------------------------------------------------------------------------

    def relist(self) -> None:
        """List everything (all pages), replace the cache, remember the list's resourceVersion."""
        self.phase = "list"
        if not self.polling:
            self.set_state(State.RELISTING if self.listed else State.LISTING, self.relist_reason)
        listed, rv = self.list_all()
        self.emit(self.cache.replace_read(listed))
        self.rv = rv
        if self.listed:
            self.count(relists=1)
        self.listed, self.reloaded = True, False
        self.set_state(State.POLLING if self.polling else State.SYNCED, self.health.message if self.polling else "")

    def list_all(self) -> tuple[list[Held | None], str]:
        """Follow continue tokens; a 410 on a continue restarts the list (twice), then one unpaginated list."""
        for _ in range(3):
            try:
                return self.pages(self.s.page_size)
            except Failure as f:
                if f.status != 410:
                    raise
                self.count(expired=1)
        return self.pages(None)

    def pages(self, limit: int | None) -> tuple[list[Held | None], str]:
        """Every object of one list, read, and the resourceVersion of the snapshot they form.

        Each page is read (decoded) on a helper thread while the next one is fetched: the server's time on a
        page and the decoding of the previous one overlap (~30% off a 5,000-TaskRun listing), and no more than
        a page or two of JSON is held at once."""
        read: list[Future[list[Held | None]]] = []
        cont: str | None = None
        rv = ""
        with ThreadPoolExecutor(1, thread_name_prefix=f"tw-read-{self.target.plural}") as reader:
            while True:
                body = self.api.list_page(self.target, cont, limit)
                meta = kr.list_meta(body)  # a quick pass for the continue token; the items are read on the helper
                read.append(reader.submit(self.read_body, body))
                rv = rv or meta.resource_version
                cont = meta.continue_ or None
                if cont is None:
                    break
                if self.env.halt.is_set():
                    raise _Halted
        return [held for done in read for held in done.result()], rv

    def read_body(self, body: bytes) -> list[Held | None]:
        """The objects of one list page (the helper thread of ``pages``): decoded in one typed pass, or — when
        recording (the raw JSON is kept) or an item needs reading alone to be explained — item by item."""
        listing = None if self.cache.record_raw else decode_listing(body)
        if listing is not None:
            return [self.cache.adopt(result) for result in records(listing.items or [])]
        return [self.cache.read(bytes(raw)) for raw in kr.decode_page(body).items or []]

    # -- watch ------------------------------------------------------------------------------------------------

    def watch(self) -> None:
        """One watch from ``rv`` until the server ends it; a clean end returns (the caller resumes)."""
        self.phase = "watch"
        started, seen = time.monotonic(), 0
        resp = self.api.watch(self.target, self.rv or "", self.env.rng.randint(*self.s.watch_timeout))
        try:
            self.opened(resp)
            seen = self.consume(resp)
        finally:
            self.api.finish(resp)
        if seen == 0 and time.monotonic() - started < self.s.short_watch and not self.env.halt.is_set():
            raise Failure(None, "the watch ended at once without an event")

    def opened(self, resp: Any) -> None:
        """A watch was accepted: report the watcher in sync (or stop reading at once when halting)."""
        if self.env.halt.is_set():
            kr.abort(resp)
        self.polling = self.reloaded = False
        self.set_state(State.SYNCED)

    def consume(self, resp: Any) -> int:
        """Handle every line of the stream; return how many events it carried."""
        splitter, seen = kr.LineSplitter(), 0
        for chunk in kr.chunks(resp):
            for line in splitter.feed(chunk):
                seen += self.on_line(line)
        if self.env.halt.is_set():
            raise _Halted
        if splitter.pending.strip():
            raise self.corrupt(splitter.pending, "the stream ended inside a line")
        return seen

    def on_line(self, line: bytes) -> int:
        """Apply one watch line; return 1 for an event, 0 for a blank line."""
        fast = None if self.cache.record_raw else decode_event(line)
        if fast is not None and fast[0] in kr.CHANGES:  # one typed pass: the common case
            self.advance(fast[0], Held(fast[1], None))
            return self.seen()
        if not line.strip():
            return 0
        try:
            ev = kr.EVENT.decode(line)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise self.corrupt(line, kr.one_line(str(exc), 80)) from None
        obj = bytes(ev.object)
        if ev.type in kr.CHANGES:
            if not obj.strip():
                raise self.corrupt(line, f"a {ev.type} event without an object")
            self.apply(ev.type, obj)
        elif ev.type == "BOOKMARK":
            self.rv = kr.rv_of(obj) or self.rv
        elif ev.type == "ERROR":
            raise self.error_event(obj)
        else:
            self.problem(f"ignoring a watch event of unknown type {ev.type[:40]!r}")
        return self.seen()

    def seen(self) -> int:
        """Count one event read; return 1. The count reaches ``health`` at most every ``HEALTH_EVERY`` (or with
        the next other change of health): a plain add per event, not a new health record."""
        self.expired_in_row = 0  # the version is good again: a later 410 relists at once
        self._events += 1
        self._last_event = self.env.clock.now()
        if time.monotonic() - self._health_at >= HEALTH_EVERY:
            self.count()
        return 1

    def apply(self, kind: str, raw: bytes) -> None:
        """Pass one ADDED/MODIFIED/DELETED event through the cache; advance the resourceVersion."""
        held = self.cache.read(raw)
        if held is None:
            self.rv = kr.rv_of(raw) or self.rv
            return
        self.advance(kind, held)

    def advance(self, kind: str, held: Held) -> None:
        """Pass one decoded ADDED/MODIFIED/DELETED object through the cache; advance the resourceVersion."""
        self.rv = held.record.resource_version or self.rv
        self.emit(self.cache.apply(kind, held))

    def corrupt(self, line: bytes, why: str) -> Failure:
        """Count and report a line that cannot be read; the returned ``Failure`` ends this stream (and resumes)."""
        self.count(corrupt_lines=1)
        self.problem(f"corrupt watch line ({why}; {len(line)} bytes); resuming from resourceVersion {self.rv}")
        return Failure(None, f"corrupt watch line ({why})")

    @staticmethod
    def error_event(obj: bytes) -> Failure:
        """The ``Failure`` an in-band ERROR event stands for (410 = relist; no code = retry)."""
        f = kr.status_failure(obj, None)
        if f.status is None:
            return Failure(None, f"the watch sent an ERROR without a status code ({f.message})")
        return f

    # -- failures ---------------------------------------------------------------------------------------------

    def handle(self, f: Failure) -> None:
        """Decide what a failure means: relist, reload credentials, poll, wait slowly, or back off."""
        if f.status == 410:
            self.on_expired(f)
        elif f.status == 401:
            self.on_unauthorized()
        elif f.status == 403:
            self.on_forbidden(f)
        elif f.status == 404:
            self.on_missing(f)
        else:
            self.on_retryable(f)

    def on_expired(self, f: Failure) -> None:
        """410: the resourceVersion is gone; relist (at once the first time, with backoff when it repeats)."""
        self.rv, self.relist_reason = None, f"resourceVersion expired: {f.message}"
        self.expired_in_row += 1
        self.count(expired=1)
        if self.expired_in_row > 1:
            self.pause(State.RELISTING, self.relist_reason, self.backoff.next())

    def on_unauthorized(self) -> None:
        """401: reload the credentials (exec plugins run again) and retry; if that fails too, wait."""
        if not self.reloaded:
            self.reloaded = True
            self.reload_client()
            return
        who = f"context {self.conn.context}" if self.conn.context else "the in-cluster service account"
        self.pause(State.UNAUTHORIZED, f"the token in {who} was rejected (401): log in again",
                   self.s.unauthorized_retry)
        self.reload_client()

    def on_forbidden(self, f: Failure) -> None:
        """403: on the watch alone, poll with lists; on the list, report FORBIDDEN and re-probe slowly."""
        if self.phase == "watch":
            self.polling, self.rv = True, None
            self.pause(State.POLLING, f"watch forbidden, listing every {self.s.poll_interval:g}s: {f.message}",
                       self.s.poll_interval)
            return
        self.pause(State.FORBIDDEN, f.message, self.s.slow_retry)

    def on_missing(self, f: Failure) -> None:
        """404: the resource is not served (CRD removed, version gone); re-probe slowly and relist."""
        self.rv = None
        self.pause(State.NOT_INSTALLED, f"{kr.GROUP}/{self.version} {self.target.plural} not served: {f.message}",
                   self.s.slow_retry)

    def on_retryable(self, f: Failure) -> None:
        """Transport errors, 5xx, 429, corrupt or short watches: back off (``Retry-After`` honoured), resume."""
        delay = self.backoff.next()
        if f.retry_after:
            delay = max(delay, min(f.retry_after, MAX_RETRY_AFTER))
        message = f.message if f.transport else f"{f.message} (HTTP {f.status})"
        if self.version == "v1beta1" and (f.status or 0) >= 500:
            message += "; tekton.dev/v1beta1 goes through Tekton's conversion webhook, a Tekton serving v1 avoids it"
        self.count(reconnects=1)
        self.pause(State.RECONNECTING, message, delay)

    def pause(self, state: State, message: str, seconds: float) -> None:
        """Report ``state`` with its retry time, then wait (interruptibly)."""
        self.set_state(state, message, self.env.clock.now() + timedelta(seconds=seconds))
        self.env.sleep(self.env.halt, seconds)

    def reload_client(self) -> None:
        """Swap in an ApiClient with freshly loaded credentials."""
        try:
            client, self.generation = self.conn.client(self.generation)
        except SourceError as exc:
            self.problem(f"cannot reload credentials: {exc}")
            return
        self.api.close()
        self.api = kr.Api(client, self.version, self.s)

    # -- health and output ------------------------------------------------------------------------------------

    def set_state(self, state: State, message: str = "", retry_at: datetime | None = None) -> None:
        """Publish the watcher's health; ``since`` only moves when the state changes."""
        now = self.env.clock.now()
        health = self.counted()
        since = health.since if state == health.state and health.since else now
        self.publish(msgspec.structs.replace(health, state=state, message=message, since=since, retry_at=retry_at))

    def count(self, **more: int) -> None:
        """Add to the health counters (with the events ``seen`` since the last health record) and publish."""
        health = self.counted()
        self.publish(msgspec.structs.replace(health, **{k: getattr(health, k) + v for k, v in more.items()}))

    def counted(self) -> WatcherHealth:
        """``health`` with the events read since it was published."""
        if not self._events:
            return self.health
        health = msgspec.structs.replace(self.health, events=self.health.events + self._events,
                                         last_event=self._last_event)
        self._events = 0
        return health

    def publish(self, health: WatcherHealth) -> None:
        """Remember and emit a health record."""
        self.health = health
        self._health_at = time.monotonic()
        self.env.put(HealthChanged(health))

    def emit(self, changes: Changes) -> None:
        """Pass changes on to ingest."""
        for kind, held in changes:
            self.env.put(Change(kind, held.record, held.raw))

    def problem(self, message: str) -> None:
        """Report a one-line problem naming this watcher."""
        self.env.put(Problem(f"{self.target.label}: {message}"))
