"""Provides ``KubeSource``, the live cluster source: PipelineRuns and TaskRuns listed and watched as client-go's
reflector does, with its health as data.

``run`` loads the kubeconfig (or in-cluster config), discovers ``tekton.dev`` (v1, else v1beta1), picks the
scopes (cluster-wide with ``-A``, falling back to a namespace on 403; else ``-n`` or the context's namespace),
then starts one watcher thread per resource and scope and forwards what they report to ``emit`` from the
caller's thread, in order — so ``emit`` is never called concurrently and never after ``run`` returns. ``Synced``
is emitted once every watcher has listed (or is forbidden / not installed). A problem that makes the source
useless raises ``SourceError`` with one line saying what to do: before the watchers start (no kubeconfig,
unknown context, unreachable server, 401, no Tekton, 403 everywhere), or while waiting for the first listing
(401 even after reloading credentials, ``sync_timeout`` exceeded). Setting ``stop`` ends ``run`` within a
fraction of a second: open streams are shut down, waits are on events.
The ``kubernetes`` package is imported lazily by ``kubeconn``; importing this module does not load it.
"""

from __future__ import annotations

import queue
import random
import threading
import time
from collections.abc import Callable

from tektonwatch.clock import Clock
from tektonwatch.errors import SourceError
from tektonwatch.events import HealthChanged, SourceEvent, Synced
from tektonwatch.health import State, WatcherHealth
from tektonwatch.sources import kubeconn as kc
from tektonwatch.sources.kubeconn import KubeSettings
from tektonwatch.sources.kuberest import RESOURCES, VERSIONS, Api, Target
from tektonwatch.sources.kubewatch import Env, Sleep, Watcher, wait_on

__all__ = ["KubeSettings", "KubeSource"]

SETTLED = frozenset({State.SYNCED, State.POLLING, State.FORBIDDEN, State.NOT_INSTALLED})
PUMP_WAIT = 0.05
JOIN_WAIT = 2.0


class KubeSource:
    """The live cluster source (``kind = "kube"``); see the module docstring for the contract.

    ``sleep(halt, seconds)`` waits between retries (default: ``halt.wait``) and ``rng`` draws jitter and watch
    timeouts: both injectable so tests can observe backoff. ``clock`` stamps health (``since``, ``retry_at``).
    With ``record_raw``, ``Change.raw`` carries each object's JSON bytes (for ``--record``).
    """

    kind = "kube"

    def __init__(self, settings: KubeSettings, clock: Clock, record_raw: bool = False,
                 sleep: Sleep | None = None, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.record_raw = record_raw
        self.sleep = sleep or wait_on
        self.rng = rng or random.Random()
        self.version = ""
        self.targets: list[Target] = []
        self.connection: kc.Connection | None = None

    @property
    def stale_after(self) -> float:
        """Seconds a watcher may be out of sync before the picture counts as stale."""
        return self.settings.stale_after

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Deliver events until ``stop`` is set; raise ``SourceError`` when the source is useless."""
        conn, notes = self.start()
        halt = threading.Event()
        events: queue.SimpleQueue[SourceEvent] = queue.SimpleQueue()
        env = Env(self.settings, self.clock, events.put, halt, self.sleep, self.rng, self.record_raw)
        watchers = [Watcher(t, conn, self.version, env) for t in self.targets]
        threads = [threading.Thread(target=w.run, name=f"tw-{w.target.label}", daemon=True) for w in watchers]
        for note in notes:
            emit(HealthChanged(note))
        for thread in threads:
            thread.start()
        try:
            _Pump(self.settings, conn, emit, stop, events, len(watchers)).run()
        finally:
            halt.set()
            self._join(watchers, threads)

    @staticmethod
    def _join(watchers: list[Watcher], threads: list[threading.Thread]) -> None:
        for w in watchers:
            w.abort()
        deadline = time.monotonic() + JOIN_WAIT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def start(self) -> tuple[kc.Connection, list[WatcherHealth]]:
        """Load the configuration, discover Tekton and pick the scopes; raise ``SourceError`` if useless."""
        conn = kc.Connection(self.settings)
        conn.load()
        self.connection = conn
        client, _ = conn.client()
        api = Api(client, VERSIONS[0], self.settings)
        try:
            self.version = api.version = kc.discover(api, conn)
            namespaces, notes = self._scopes(api, conn)
        finally:
            api.close()
        self.targets = [Target(plural, ns) for ns in namespaces for plural in RESOURCES]
        return conn, notes

    def _scopes(self, api: Api, conn: kc.Connection) -> tuple[list[str | None], list[WatcherHealth]]:
        """The namespaces to watch (None = all) and health notes for scopes that were refused."""
        namespace = self.settings.namespace or conn.context_namespace
        notes: list[WatcherHealth] = []
        if self.settings.all_namespaces:
            cluster = Target(RESOURCES[0], None)
            refused = kc.probe(api, cluster)
            if refused is None:
                return [None], notes
            if refused.status != 403:
                raise kc.startup_error(refused, conn, cluster.label)
            notes.append(WatcherHealth(name=cluster.label, state=State.FORBIDDEN, since=self.clock.now(),
                                       message=f"{refused.message}; watching namespace {namespace} instead"))
        refused = kc.probe(api, Target(RESOURCES[0], namespace))
        if refused is not None and refused.status == 403:
            raise SourceError(f"cannot list pipelineruns in namespace {namespace}: forbidden; try -n with a "
                              "namespace you can read")
        if refused is not None:
            raise kc.startup_error(refused, conn, f"pipelineruns in namespace {namespace}")
        return [namespace], notes


class _Pump:
    """Forwards watcher events to ``emit`` in the caller's thread, emits ``Synced`` once and watches the
    first-sync conditions (401 after a reload, ``sync_timeout``)."""

    def __init__(self, settings: KubeSettings, conn: kc.Connection, emit: Callable[[SourceEvent], None],
                 stop: threading.Event, events: queue.SimpleQueue[SourceEvent], watchers: int) -> None:
        self.settings, self.conn, self.emit, self.stop, self.events = settings, conn, emit, stop, events
        self.watchers = watchers
        self.settled: set[str] = set()
        self.synced = False
        self.last_trouble = ""
        timeout = settings.sync_timeout
        self.deadline = time.monotonic() + timeout if timeout is not None else None

    def run(self) -> None:
        """Pump until ``stop`` is set."""
        while not self.stop.is_set():
            try:
                ev = self.events.get(timeout=PUMP_WAIT)
            except queue.Empty:
                self.check_deadline()
                continue
            if isinstance(ev, HealthChanged):
                self.track(ev.health)
            self.emit(ev)
            if not self.synced and len(self.settled) == self.watchers:
                self.synced = True
                self.emit(Synced())

    def track(self, health: WatcherHealth) -> None:
        """Note settled watchers; before the first sync a rejected credential is fatal."""
        if health.state in SETTLED:
            self.settled.add(health.name)
        elif health.state in (State.RECONNECTING, State.UNAUTHORIZED) and health.message:
            self.last_trouble = health.message
        if health.state == State.UNAUTHORIZED and not self.synced:
            raise SourceError(health.message)

    def check_deadline(self) -> None:
        """Raise ``SourceError`` when the first listing is overdue."""
        if self.synced or self.deadline is None or time.monotonic() < self.deadline:
            return
        why = f": {self.last_trouble}" if self.last_trouble else ""
        raise SourceError(f"the cluster at {self.conn.host} did not complete the first listing within "
                          f"{self.settings.sync_timeout:g}s{why}")

