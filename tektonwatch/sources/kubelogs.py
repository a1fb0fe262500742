"""Provides ``PodReader``: a task's step logs and the events about its pod and TaskRun, read on demand from the
cluster the live source watches (``pods/log`` get and ``events`` list in the run's namespace: read-only).

Each read is one request per step container and two for events, made on the caller's thread (the dashboard's
worker), with the source's connection: its credentials, TLS and exec plugins. A follow-up read asks for the lines
since the last one it holds (``podlogs.merge`` drops the second the server sends again). Failures become notes,
never exceptions: a waiting container (400) says so, a deleted pod (404) keeps what was read, a 403 names the
missing permission, an unreachable cluster says that. The ``kubernetes`` package is imported lazily.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

import msgspec

from tektonwatch import podlogs
from tektonwatch.model import Status, TaskRun
from tektonwatch.podlogs import LogLine, PodEvent, StepLog, TaskLogs
from tektonwatch.sources.kuberest import Api, Failure

if TYPE_CHECKING:
    from tektonwatch.sources.kube import KubeSource

LIMIT_BYTES = 4 * 2**20  # per container and read
_NOT_STARTED = (Status.PENDING, Status.NOT_STARTED)


class _Ref(msgspec.Struct):
    kind: str = ""
    name: str = ""


class _Meta(msgspec.Struct, rename="camel"):
    creation_timestamp: datetime | None = None


class _Event(msgspec.Struct, rename="camel"):
    involved_object: _Ref = msgspec.field(default_factory=_Ref)
    type: str = ""
    reason: str = ""
    message: str = ""
    count: int | None = None
    last_timestamp: datetime | None = None
    event_time: datetime | None = None
    first_timestamp: datetime | None = None
    metadata: _Meta = msgspec.field(default_factory=_Meta)


class _EventList(msgspec.Struct):
    items: list[_Event] = msgspec.field(default_factory=list)


_EVENTS = msgspec.json.Decoder(_EventList)


class PodReader:
    """Reads logs and events for the dashboard; usable once the live source has connected (``available``)."""

    def __init__(self, source: KubeSource) -> None:
        self.source = source

    @property
    def available(self) -> str:
        """Empty when reads can be made, else why not."""
        return "" if self.source.connection is not None else "still connecting to the cluster"

    def read(self, task_run: TaskRun, held: TaskLogs | None = None) -> TaskLogs:
        """The logs of ``task_run``'s steps and the events about it, ``held`` (an earlier read) brought up to
        date. Never raises."""
        base = TaskLogs(namespace=task_run.namespace, task=task_run.pipeline_task or task_run.name,
                        pod=task_run.pod_name)
        if not task_run.pod_name:
            return msgspec.structs.replace(base, note="no pod yet")
        if self.available:
            return msgspec.structs.replace(held or base, note=self.available)
        conn = self.source.connection
        assert conn is not None
        client, _ = conn.client()
        api = Api(client, self.source.version, self.source.settings)
        try:
            return self._read(api, task_run, base, held)
        finally:
            api.close()

    def _read(self, api: Api, task_run: TaskRun, base: TaskLogs, held: TaskLogs | None) -> TaskLogs:
        before = {s.container: s for s in (held.steps if held else ())}
        steps, note, gone = [], "", False
        for step, container, status in podlogs.containers(task_run):
            log = before.get(container) or StepLog(step=step, container=container)
            log = msgspec.structs.replace(log, status=status)
            if status in _NOT_STARTED and not log.lines:
                steps.append(msgspec.structs.replace(log, note="not started"))
                continue
            if note:  # the pod is gone or unreadable: keep what was read
                steps.append(log)
                continue
            try:
                steps.append(self._step(api, base, log))
            except Failure as f:
                if f.status == 400:
                    steps.append(msgspec.structs.replace(log, note=f.message))
                else:
                    note, gone = _pod_note(f, base), f.status == 404
                    steps.append(log)
        events, event_note = self._events(api, base, task_run.name)
        return msgspec.structs.replace(base, steps=tuple(steps), events=events, note=note or event_note, gone=gone,
                                       failed=bool(note) and not gone)

    def _step(self, api: Api, base: TaskLogs, log: StepLog) -> StepLog:
        asked = podlogs.since(log.lines)
        query = [("container", log.container), ("timestamps", "true"), ("limitBytes", str(LIMIT_BYTES))]
        query.append(("sinceTime", podlogs.rfc3339(asked)) if asked else ("tailLines", str(podlogs.FIRST_TAIL)))
        body = api.get(f"/api/v1/namespaces/{_seg(base.namespace)}/pods/{_seg(base.pod)}/log", query, "*/*")
        lines: tuple[LogLine, ...] = podlogs.merge(log.lines, podlogs.parse(body), asked)
        return msgspec.structs.replace(log, lines=lines, note="")

    def _events(self, api: Api, base: TaskLogs, task_run: str) -> tuple[tuple[PodEvent, ...], str]:
        found: list[PodEvent] = []
        for name in dict.fromkeys((base.pod, task_run)):
            query = [("fieldSelector", f"involvedObject.name={name}")]
            try:
                body = api.get(f"/api/v1/namespaces/{_seg(base.namespace)}/events", query)
                items = _EVENTS.decode(body).items
            except Failure as f:
                return tuple(found), f"events: {_why(f)}"
            except (msgspec.DecodeError, msgspec.ValidationError):
                return tuple(found), "events: an unreadable answer"
            found += [_event(e) for e in items]
        found.sort(key=lambda e: (e.at is None, e.at or datetime.min))
        return tuple(found), ""


def _event(e: _Event) -> PodEvent:
    return PodEvent(at=e.last_timestamp or e.event_time or e.first_timestamp or e.metadata.creation_timestamp,
                    type=e.type, reason=e.reason, message=e.message, count=e.count or 1,
                    kind=e.involved_object.kind, name=e.involved_object.name)


def _pod_note(f: Failure, base: TaskLogs) -> str:
    if f.status == 404:
        return f"pod {base.pod} is gone (deleted); showing what was read"
    return _why(f)


def _why(f: Failure) -> str:
    if f.status == 403:
        return f"forbidden: {f.message}"
    if f.status is None:
        return f"cannot reach the cluster: {f.message}"
    return f"HTTP {f.status}: {f.message}"


def _seg(value: str) -> str:
    return quote(value, safe="")
