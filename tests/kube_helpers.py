"""Provides what the live source's tests share: ``Live`` runs a ``KubeSource`` in a thread into an ``Ingestor``
and lets a test wait on conditions with deadlines; ``FAST`` are settings with small backoff and timeouts; small
PipelineRuns and TaskRuns; views of the API double's state and of the requests it served."""

from __future__ import annotations

import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import yaml

from tektonwatch.clock import SystemClock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, HealthChanged, Problem, SourceEvent
from tektonwatch.health import State, WatcherHealth
from tektonwatch.ingest import Ingestor
from tektonwatch.sources.kube import KubeSettings, KubeSource

FAST = {"backoff_initial": 0.02, "backoff_cap": 0.2, "backoff_reset": 30.0, "connect_timeout": 2.0,
        "request_timeout": 5.0, "poll_interval": 0.1, "slow_retry": 0.2, "unauthorized_retry": 0.2,
        "short_watch": 0.2, "sync_timeout": 15.0}
WAIT = 15.0
PR = "pipelineruns in default"
TR = "taskruns in default"


def settings(api: Any, **options: Any) -> KubeSettings:
    """Fast settings for the double's kubeconfig."""
    return KubeSettings(**{"kubeconfig": str(api.kubeconfig), **FAST, **options})


def pr(name: str, namespace: str = "default", labels: dict | None = None, reason: str = "Running") -> dict:
    """A small PipelineRun as a controller would have written it."""
    return {"apiVersion": "tekton.dev/v1", "kind": "PipelineRun",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
            "spec": {"pipelineRef": {"name": "pipe"}},
            "status": {"conditions": [{"type": "Succeeded", "status": "Unknown", "reason": reason}]}}


def tr(name: str, pipelinerun: str, namespace: str = "default") -> dict:
    """A small TaskRun of ``pipelinerun``."""
    return {"apiVersion": "tekton.dev/v1", "kind": "TaskRun",
            "metadata": {"name": name, "namespace": namespace,
                         "labels": {"tekton.dev/pipelineRun": pipelinerun, "tekton.dev/pipelineTask": "t"}},
            "spec": {}, "status": {}}


class Sleeps:
    """An injected sleep that records every requested delay and waits at most ``cap`` of it."""

    def __init__(self, cap: float = 0.05) -> None:
        self.cap = cap
        self.delays: list[float] = []

    def __call__(self, halt: threading.Event, seconds: float) -> bool:
        self.delays.append(seconds)
        return halt.wait(min(seconds, self.cap))


class Live:
    """A ``KubeSource`` running in a thread into an ``Ingestor``; tests wait on conditions with deadlines."""

    def __init__(self, settings: KubeSettings, clock: Any = None, **source_options: Any) -> None:
        self.clock = clock or SystemClock()
        self.source = KubeSource(settings, self.clock, **source_options)
        self.ingestor = Ingestor("kube", self.clock)
        self.events: list[SourceEvent] = []
        self.error: SourceError | None = None
        self.stop = threading.Event()
        self.done = threading.Event()
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        try:
            self.source.run(self._emit, self.stop)
        except SourceError as exc:
            self.error = exc
        finally:
            self.done.set()
            with self._cond:
                self._cond.notify_all()

    def _emit(self, ev: SourceEvent) -> None:
        with self._cond:
            self.ingestor.apply((ev,))
            self.events.append(ev)
            self._cond.notify_all()

    def close(self, within: float = 3.0) -> float:
        """Stop the source; return how long ``run`` took to return (it must be prompt)."""
        started = time.monotonic()
        self.stop.set()
        self._thread.join(within)
        assert not self._thread.is_alive(), "KubeSource.run did not return after stop"
        return time.monotonic() - started

    def wait(self, predicate: Callable[[Live], object], what: str, timeout: float = WAIT) -> None:
        """Block until ``predicate(self)`` holds (under the ingest lock), failing with a diagnosis."""
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self) or (self.done.is_set() and self.error), timeout)
        assert self.error is None, f"the source failed: {self.error}"
        assert ok, f"timed out after {timeout}s waiting for {what}; health: {self.describe()}"

    def synced(self) -> Live:
        """Wait for the first ``Synced``."""
        self.wait(lambda s: s.ingestor.synced, "the first sync")
        return self

    # ---- reading (callers inside ``wait`` predicates already hold the lock) --------------------------------

    def health(self, name: str) -> WatcherHealth | None:
        """The latest health of one watcher."""
        with self._cond:
            return self.ingestor.watchers.get(name)

    def state(self, name: str) -> State | None:
        """The latest state of one watcher."""
        h = self.health(name)
        return h.state if h else None

    def states(self, name: str) -> list[State]:
        """Every state a watcher reported, in order (repeats collapsed)."""
        seen: list[State] = []
        with self._cond:
            events = list(self.events)
        for ev in events:
            if isinstance(ev, HealthChanged) and ev.health.name == name and (not seen or seen[-1] != ev.health.state):
                seen.append(ev.health.state)
        return seen

    def store(self) -> set[tuple[str, str, str, str]]:
        """The store as (kind, namespace, name, resourceVersion)."""
        with self._cond:
            snap = self.ingestor.store.snapshot(self.ingestor.health())
        prs = {("PipelineRun", k[0], k[1], r.resource_version) for k, r in snap.pipeline_runs.items()}
        return prs | {("TaskRun", k[0], k[1], r.resource_version) for k, r in snap.task_runs.items()}

    def changes(self) -> list[Change]:
        """Every Change emitted so far."""
        with self._cond:
            return [ev for ev in self.events if isinstance(ev, Change)]

    def problems(self) -> list[str]:
        """Every Problem message so far."""
        with self._cond:
            return [ev.message for ev in self.events if isinstance(ev, Problem)]

    def describe(self) -> str:
        """Watcher states for failure messages."""
        with self._cond:
            return "; ".join(f"{h.name}={h.state.value} ({h.message})" for h in self.ingestor.watchers.values())


def cluster(api: Any, namespace: str | None = None, pred: Callable[[dict], bool] = lambda o: True) -> set:
    """The double's objects as (kind, namespace, name, resourceVersion)."""
    out = set()
    for plural, kind in (("pipelineruns", "PipelineRun"), ("taskruns", "TaskRun")):
        for o in api.objects(plural, namespace):
            if pred(o):
                m = o["metadata"]
                out.add((kind, m["namespace"], m["name"], m["resourceVersion"]))
    return out


def same(api: Any, namespace: str | None = "default") -> Callable[[Live], bool]:
    """A wait predicate: the store equals the double's objects (in ``namespace``)."""
    return lambda live: live.store() == cluster(api, namespace)


def watches(api: Any, plural: str = "pipelineruns") -> list:
    """The watch requests for ``plural`` so far."""
    return api.requests(path_re=f"/{plural}$", verb="watch")


def lists(api: Any, plural: str = "pipelineruns") -> list:
    """The full list requests (not the limit=1 probe) for ``plural`` so far."""
    return [r for r in api.requests(path_re=f"/{plural}$", verb="list") if r.query.get("limit") != "1"]


def write_exec_kubeconfig(api: Any, directory: Path, token: str) -> tuple[Path, Path, Path]:
    """A kubeconfig whose user is an exec credential plugin printing the token in ``token_file``; every run
    of the plugin appends a line to ``runs_file``."""
    token_file, runs_file, plugin = directory / "token", directory / "runs", directory / "plugin.py"
    token_file.write_text(token)
    plugin.write_text(textwrap.dedent(f"""
        import json, pathlib
        with open({str(runs_file)!r}, "a") as fh:
            fh.write("run\\n")
        token = pathlib.Path({str(token_file)!r}).read_text().strip()
        print(json.dumps({{"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential",
                          "status": {{"token": token}}}}))
    """))
    config = yaml.safe_load(api.kubeconfig.read_text())
    config["users"][0]["user"] = {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                           "command": sys.executable, "args": [str(plugin)],
                                           "interactiveMode": "Never"}}
    path = directory / "exec-kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path, token_file, runs_file
