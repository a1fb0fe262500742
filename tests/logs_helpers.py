"""Provides what the logs tests share: pods, events and runs put in the Kubernetes API double, and the dashboard
watching it (``cluster_app``) with the wait that opens the logs screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tektonwatch.app import Settings, build_source
from tektonwatch.clock import Clock, SystemClock
from tektonwatch.model import decode
from tektonwatch.sources.kube import KubeSource
from tektonwatch.tui import make_app
from tektonwatch.tui.app import TektonwatchApp
from tests.builders import PipelineBuilder
from tests.kube_helpers import settings
from tests.tui_helpers import until

T0 = datetime(2026, 11, 29, 4, 0, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def pod(api: Any, name: str, containers: list[str], waiting: str | None = None, namespace: str = "ci") -> None:
    """A pod with these containers, running (or one waiting to start)."""
    statuses = [{"name": c, "state": {"waiting": {"reason": "PodInitializing"}} if c == waiting else
                 {"running": {"startedAt": "2026-11-29T04:00:00Z"}}} for c in containers]
    api.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace},
               "spec": {"containers": [{"name": c} for c in containers]}, "status": {"containerStatuses": statuses}})


def event(api: Any, name: str, kind: str, involved: str, reason: str, message: str, kind_of: str = "Normal",
          namespace: str = "ci", last: str = "2026-11-29T04:00:05Z") -> None:
    """An Event about ``kind``/``involved``, seen twice, the last time at ``last``."""
    api.apply({"apiVersion": "v1", "kind": "Event", "metadata": {"name": name, "namespace": namespace},
               "involvedObject": {"kind": kind, "name": involved, "namespace": namespace}, "type": kind_of,
               "reason": reason, "message": message, "count": 2, "lastTimestamp": last})


def push_run() -> Any:
    """``release-1``: build succeeded; push ran its first step and failed in the second; sign never started."""
    pipeline = (PipelineBuilder("release", namespace="ci").task("build", steps=("compile",))
                .task("push", steps=("login", "upload"), run_after=["build"])
                .task("sign", run_after=["push"]))
    run = pipeline.run("release-1", "2026-11-29T04:00:00Z")
    run.task_ran("build", "2026-11-29T04:00:00Z", "2026-11-29T04:01:00Z")
    run.task_started("push", "2026-11-29T04:01:01Z")
    return run.task_finished("push", "2026-11-29T04:02:00Z", ok=False)


def started_source(api: Any) -> KubeSource:
    source = KubeSource(settings(api, namespace="ci"), SystemClock())
    source.start()
    return source


def taskrun_of(run: Any, task: str, moment: str) -> Any:
    objs = [decode(o) for o in run.taskruns(moment)]
    return next(t for t in objs if t.pipeline_task == task)


def cluster_app(api: Any, namespace: str, interval: float = 1.0, clock: Clock | None = None) -> TektonwatchApp:
    """The dashboard watching ``namespace`` of the API double, times in UTC."""
    options = {"kubeconfig": str(api.kubeconfig), "namespace": namespace, "utc": True, "interval": interval}
    app_settings = Settings.from_options(options, environ={})
    return make_app(build_source(app_settings, clock), app_settings)


async def logs_of_the_only_run(pilot: Any, shown: Callable[[], object]) -> None:
    """Wait for the one run to be listed, press ``l``, wait until ``shown()``."""
    await until(pilot, lambda: len(pilot.app.board.views) == 1, timeout=10)
    await pilot.press("l")
    await until(pilot, shown, timeout=10)
