"""Task logs and events on demand (DESIGN §6, fault F23): the pure reading and joining of log bodies, the
``PodReader`` against the Kubernetes API double through the real client (step containers, a follow-up read from
``sinceTime`` that the server truncates to the second, a waiting container, a deleted pod, a forbidden log, the
events of the pod and the TaskRun), and the dashboard's logs screen (``l``) over a live cluster and offline."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

from rich.console import Console

from tektonwatch import podlogs
from tektonwatch.app import Settings, Wiring
from tektonwatch.clock import FrozenClock, SystemClock
from tektonwatch.events import Change, Synced
from tektonwatch.ingest import Ingestor
from tektonwatch.model import Status, decode
from tektonwatch.podlogs import LogLine, StepLog, TaskLogs
from tektonwatch.render.fmt import Zone
from tektonwatch.render.logs import log_lines
from tektonwatch.sources.kube import KubeSource
from tektonwatch.sources.kubelogs import PodReader
from tektonwatch.tui import make_app
from tektonwatch.tui.logs import LogsScreen
from tests.builders import PipelineBuilder
from tests.kube_helpers import settings
from tests.logs_helpers import (
    T0,
    at,
    cluster_app,
    event,
    logs_of_the_only_run,
    pod,
    push_run,
    started_source,
    taskrun_of,
)
from tests.tui_helpers import QueueSource, demo_app, demo_ready, screen_text, until

# ---- reading and joining log bodies ----------------------------------------------------------------------------

def test_a_timestamped_body_reads_as_lines_with_instants() -> None:
    body = (b"2026-11-29T04:00:00.123456789Z compiling\n2026-11-29T04:00:01.5Z  indented\tand tabbed\n"
            b"no stamp here\n2026-11-29T04:00:02Z \xff bad utf-8\n")
    lines = podlogs.parse(body)
    assert lines == [LogLine(at(0.123456), "compiling"), LogLine(at(1.5), " indented\tand tabbed"),
                     LogLine(None, "no stamp here"), LogLine(at(2), "\ufffd bad utf-8")]
    assert podlogs.parse(b"") == []


def test_a_follow_up_read_drops_the_second_the_server_sends_again() -> None:
    held = (LogLine(at(0.2), "a"), LogLine(at(1.1), "b"), LogLine(at(1.7), "same"), LogLine(at(1.7), "same"))
    asked = podlogs.since(held)
    assert asked == at(1) and podlogs.rfc3339(asked) == "2026-11-29T04:00:01Z"
    fresh = [LogLine(at(1.1), "b"), LogLine(at(1.7), "same"), LogLine(at(1.7), "same"), LogLine(at(1.7), "same"),
             LogLine(at(2.0), "c")]
    joined = podlogs.merge(held, fresh, asked)
    assert [line.text for line in joined] == ["a", "b", "same", "same", "same", "c"], "a third equal line is new"
    assert podlogs.merge((), fresh, None) == tuple(fresh)


def test_a_step_keeps_its_newest_lines_only() -> None:
    many = [LogLine(at(i), str(i)) for i in range(podlogs.MAX_LINES + 10)]
    kept = podlogs.merge((), many, None)
    assert len(kept) == podlogs.MAX_LINES and kept[-1].text == str(podlogs.MAX_LINES + 9)


def test_log_lines_are_inert_and_say_why_a_step_is_empty() -> None:
    evil = "[bold red]x[/bold red]\x1b]0;pwned\x07\x1b[2J done"
    logs = TaskLogs(namespace="ci", task="push", pod="p", note="", steps=(
        StepLog(step="push", container="step-push", status=Status.FAILED, lines=(LogLine(at(3), evil),)),
        StepLog(step="sign", container="step-sign", status=Status.PENDING, note="not started"),
    ))
    console = Console(width=100, record=True, color_system=None, file=io.StringIO())
    for line in log_lines(logs, Zone.utc(), 100, T0):
        console.print(line)
    text = console.export_text()
    assert "04:00:03 [bold red]x[/bold red] done" in text and "pwned" not in text and "\x1b" not in text
    assert "sign  Pending  not started" in text and "No events." in text


def test_a_long_log_line_wraps_under_its_text_so_its_end_is_seen() -> None:
    text = "copying oci-archive:/workspace/source/oci/image.tar: open image.tar: permission denied"
    logs = TaskLogs(namespace="ci", task="push", pod="p", steps=(
        StepLog(step="push", container="step-push", status=Status.FAILED, lines=(LogLine(at(3), text),)),))
    rows = [row.plain for row in log_lines(logs, Zone.utc(), 40, T0)]
    assert rows[1:5] == ["  04:00:03 copying oci-archive:/workspac", "           e/source/oci/image.tar: open ",
                         "           image.tar: permission denied", ""]
    assert all(len(row) <= 40 for row in rows)


# ---- the reader against the API double -------------------------------------------------------------------------


def test_the_reader_reads_each_step_then_only_what_is_new(kube_api: Any) -> None:
    run = push_run()
    push = taskrun_of(run, "push", "2026-11-29T04:02:00Z")
    pod(kube_api, push.pod_name, ["step-login", "step-upload"])
    kube_api.append_log("ci", push.pod_name, "step-login", "Login Succeeded", at(61.2))
    kube_api.append_log("ci", push.pod_name, "step-upload", "uploading layer 1/3", at(62.4))
    event(kube_api, "e1", "Pod", push.pod_name, "Pulled", "image pulled")
    event(kube_api, "e2", "TaskRun", push.name, "Failed", "step upload exited 1", "Warning")
    event(kube_api, "e3", "Pod", "someone-else", "Pulled", "not ours")
    reader = PodReader(started_source(kube_api))

    first = reader.read(push)
    assert [(s.step, [l.text for l in s.lines]) for s in first.steps] == [
        ("login", ["Login Succeeded"]), ("upload", ["uploading layer 1/3"])]
    assert [(e.reason, e.kind, e.count) for e in first.events] == [("Pulled", "Pod", 2), ("Failed", "TaskRun", 2)]
    assert first.note == ""
    logs = kube_api.requests("/log$")
    assert {r.query["container"] for r in logs} == {"step-login", "step-upload"}
    assert all(r.query["timestamps"] == "true" and "tailLines" in r.query for r in logs)

    kube_api.append_log("ci", push.pod_name, "step-upload", "uploading layer 1/3", at(62.9))
    kube_api.append_log("ci", push.pod_name, "step-upload", "permission denied", at(63.0))
    kube_api.clear_requests()
    second = reader.read(push, first)
    upload = second.steps[1]
    assert [l.text for l in upload.lines] == ["uploading layer 1/3", "uploading layer 1/3", "permission denied"]
    asked = next(r.query for r in kube_api.requests("/log$") if r.query["container"] == "step-upload")
    assert asked["sinceTime"] == "2026-11-29T04:01:02Z" and "tailLines" not in asked


def test_a_waiting_container_a_deleted_pod_and_a_forbidden_log_become_notes(kube_api: Any) -> None:
    run = push_run()
    push = taskrun_of(run, "push", "2026-11-29T04:02:00Z")
    pod(kube_api, push.pod_name, ["step-login", "step-upload"], waiting="step-upload")
    kube_api.append_log("ci", push.pod_name, "step-login", "Login Succeeded", at(61))
    reader = PodReader(started_source(kube_api))
    first = reader.read(push)
    assert "waiting to start: PodInitializing" in first.steps[1].note and first.steps[0].lines

    kube_api.delete("pods", "ci", push.pod_name)
    gone = reader.read(push, first)
    assert gone.note == f"pod {push.pod_name} is gone (deleted); showing what was read" and gone.gone
    assert not gone.failed, "a deleted pod is final, not a failure to retry"
    assert [l.text for l in gone.steps[0].lines] == ["Login Succeeded"], "what was read is kept"

    pod(kube_api, push.pod_name, ["step-login", "step-upload"])
    kube_api.deny("get", "pods/log", namespace="ci")
    forbidden = reader.read(push, first)
    assert forbidden.note.startswith("forbidden: ") and "pods/log" in forbidden.note and not forbidden.gone
    assert forbidden.failed


def test_forbidden_events_and_an_unreachable_cluster_keep_the_logs_and_say_why(kube_api: Any) -> None:
    run = push_run()
    push = taskrun_of(run, "push", "2026-11-29T04:02:00Z")
    pod(kube_api, push.pod_name, ["step-login", "step-upload"])
    kube_api.append_log("ci", push.pod_name, "step-login", "Login Succeeded", at(61))
    kube_api.deny("list", "events", namespace="ci")
    reader = PodReader(started_source(kube_api))
    first = reader.read(push)
    assert first.note.startswith("events: forbidden: ") and first.events == ()
    assert [l.text for l in first.steps[0].lines] == ["Login Succeeded"], "the logs are still read"
    assert not first.failed, "the logs were read: follow them at the usual pace"

    kube_api.stop()
    cut = reader.read(push, first)
    assert cut.note.startswith("cannot reach the cluster: ") and not cut.gone and cut.failed
    assert [l.text for l in cut.steps[0].lines] == ["Login Succeeded"], "what was read is kept"


def test_a_task_without_a_pod_and_a_source_not_started_read_nothing(kube_api: Any) -> None:
    run = push_run()
    sign = decode({**run.taskruns("2026-11-29T04:02:00Z")[0], "status": {}})
    source = KubeSource(settings(kube_api, namespace="ci"), SystemClock())
    assert PodReader(source).read(sign).note == "no pod yet"
    build = taskrun_of(run, "build", "2026-11-29T04:02:00Z")
    assert PodReader(source).read(build).note == "still connecting to the cluster"
    assert kube_api.requests("/log$") == []


# ---- the dashboard ---------------------------------------------------------------------------------------------


async def test_l_shows_the_failed_tasks_logs_follows_them_and_switches_tasks(kube_api: Any) -> None:
    run = push_run()
    for obj in run.objects("2026-11-29T04:02:00Z"):
        kube_api.apply(obj)
    push = taskrun_of(run, "push", "2026-11-29T04:02:00Z")
    build = taskrun_of(run, "build", "2026-11-29T04:02:00Z")
    pod(kube_api, push.pod_name, ["step-login", "step-upload"])
    pod(kube_api, build.pod_name, ["step-compile"])
    kube_api.append_log("ci", push.pod_name, "step-upload", "cp: /workspace/model.tar: permission denied\x1b[2J",
                        at(62))
    kube_api.append_log("ci", build.pod_name, "step-compile", "[bold]built[/bold]", at(30))
    app = cluster_app(kube_api, "ci", interval=0.2)
    async with app.run_test(size=(120, 30)) as pilot:
        await logs_of_the_only_run(pilot, lambda: "permission denied" in screen_text(app))
        assert isinstance(app.screen, LogsScreen) and app.screen.shown == "push"
        text = screen_text(app)
        assert "logs · ci/release-1 · push · 2/2" in text and "04:01:02 cp: /workspace/model.tar" in text
        assert "login" in text and "upload" in text
        await pilot.press("right")
        await until(pilot, lambda: "[bold]built[/bold]" in screen_text(app), timeout=10)
        assert "logs · ci/release-1 · build · 1/2" in screen_text(app)
        strips = app.screen._compositor.render_strips()
        assert "\x1b[2J" not in "".join(seg.text for strip in strips for seg in strip)
        await pilot.press("escape")
        assert app.screen is app.dashboard


async def test_a_running_tasks_log_is_followed_without_repeating_lines(kube_api: Any) -> None:
    pipeline = PipelineBuilder("release", namespace="ci").task("push", steps=("upload",))
    run = pipeline.run("release-2", "2026-11-29T04:00:00Z").task_started("push", "2026-11-29T04:00:00Z")
    for obj in run.objects("2026-11-29T04:00:10Z"):
        kube_api.apply(obj)
    push = taskrun_of(run, "push", "2026-11-29T04:00:10Z")
    pod(kube_api, push.pod_name, ["step-upload"])
    kube_api.append_log("ci", push.pod_name, "step-upload", "layer 1/2 pushed", at(5.5))
    app = cluster_app(kube_api, "ci", interval=0.1)
    async with app.run_test(size=(120, 30)) as pilot:
        await logs_of_the_only_run(pilot, lambda: "layer 1/2 pushed" in screen_text(app))
        kube_api.append_log("ci", push.pod_name, "step-upload", "layer 2/2 pushed", at(5.9))
        await until(pilot, lambda: "layer 2/2 pushed" in screen_text(app), timeout=10)
        await until(pilot, lambda: len(kube_api.requests("/log$")) >= 4, timeout=10)
        text = screen_text(app)
        assert text.count("layer 1/2 pushed") == 1 and text.count("layer 2/2 pushed") == 1
        follow_ups = [r.query for r in kube_api.requests("/log$")][1:]
        assert all(q["sinceTime"] == "2026-11-29T04:00:05Z" for q in follow_ups)


class Remembered:
    """A pod reader answering from memory: each task's log is one line naming the task."""

    def read(self, task_run: Any, held: TaskLogs | None = None) -> TaskLogs:
        line = LogLine(T0, f"log of {task_run.pipeline_task}")
        step = StepLog(step="s", container="step-s", status=Status.FAILED, lines=(line,))
        return TaskLogs(namespace="ci", task=task_run.pipeline_task, pod=task_run.pod_name, steps=(step,))


async def test_logs_opened_before_the_taskruns_arrive_show_the_failed_task_once_they_do() -> None:
    clock = FrozenClock(datetime(2026, 11, 29, 4, 3, tzinfo=UTC))
    source = QueueSource()
    app_settings = Settings.from_options({"utc": True, "interval": 0.05}, environ={})
    app = make_app(Wiring(source, clock, Ingestor("kube", clock), live=True, pods=Remembered()), app_settings)
    objects = push_run().objects("2026-11-29T04:02:00Z")
    async with app.run_test(size=(120, 30)) as pilot:
        source.feed([Change("ADDED", decode(o)) for o in objects if o["kind"] == "PipelineRun"] + [Synced()])
        await until(pilot, lambda: len(app.board.views) == 1)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogsScreen)
        source.feed([Change("ADDED", decode(o)) for o in objects if o["kind"] == "TaskRun"])
        await until(pilot, lambda: "log of push" in screen_text(app))
        assert app.screen.shown == "push"


class Refused:
    """A pod reader whose reads fail (forbidden) until ``allowed``; counts its reads."""

    def __init__(self) -> None:
        self.reads = 0
        self.allowed = False

    def read(self, task_run: Any, held: TaskLogs | None = None) -> TaskLogs:
        self.reads += 1
        logs = Remembered().read(task_run, held)
        return logs if self.allowed else TaskLogs(namespace="ci", task=logs.task, pod=logs.pod,
                                                  note="forbidden: pods/log", failed=True)


async def test_a_pod_whose_reads_fail_is_read_again_after_twice_the_wait_each_time() -> None:
    """A running task's pod whose reads fail: every failed read doubles the wait before the next (interval 1 s:
    2 s, then 4 s); a good read ends the waiting (the follow goes on at each ask)."""
    clock = FrozenClock(datetime(2026, 11, 29, 4, 3, tzinfo=UTC))
    source, reader = QueueSource(), Refused()
    app_settings = Settings.from_options({"utc": True, "interval": 1.0}, environ={})
    app = make_app(Wiring(source, clock, Ingestor("kube", clock), live=True, pods=reader), app_settings)
    async with app.run_test(size=(120, 30)) as pilot:
        pipeline = PipelineBuilder("release", namespace="ci").task("push", steps=("upload",))
        running = pipeline.run("release-2", "2026-11-29T04:00:00Z").task_started("push", "2026-11-29T04:00:00Z")
        source.feed([Change("ADDED", decode(o)) for o in running.objects("2026-11-29T04:00:10Z")] + [Synced()])
        await until(pilot, lambda: len(app.board.views) == 1)
        await pilot.press("l")
        screen = app.screen
        assert isinstance(screen, LogsScreen)

        async def read_at(seconds: float) -> int:
            """Advance the clock by ``seconds``, ask for a read, let it finish; the reads made so far."""
            clock.advance(seconds)
            screen.read()
            await until(pilot, lambda: not screen.reading)
            return reader.reads

        await until(pilot, lambda: reader.reads == 1 and not screen.reading)
        assert "forbidden: pods/log" in screen_text(app)
        assert [await read_at(0), await read_at(1.9), await read_at(0.2)] == [1, 1, 2]  # waited 2 s
        assert [await read_at(3.9), await read_at(0.2)] == [2, 3]  # then 4 s
        reader.allowed = True
        assert [await read_at(8.1)] == [4]
        await until(pilot, lambda: "log of push" in screen_text(app))
        again = await read_at(0)  # a good read: no more waiting (the 1 s timer may add reads of its own)
        assert await read_at(0) > again > 4


class ByPod:
    """A pod reader answering from memory: each pod's log is one line naming the pod; it notes the pods asked."""

    def __init__(self) -> None:
        self.pods: list[str] = []

    def read(self, task_run: Any, held: TaskLogs | None = None) -> TaskLogs:
        self.pods.append(task_run.pod_name)
        steps = tuple(StepLog(step=s.name, container=f"step-{s.name}", status=s.status,
                              lines=(LogLine(T0, f"log of pod {task_run.pod_name}"),)) for s in task_run.steps)
        return TaskLogs(namespace="ci", task=task_run.pipeline_task, pod=task_run.pod_name, steps=steps)


async def test_a_retried_tasks_earlier_attempt_has_its_own_logs_just_before_it() -> None:
    """push failed once (permission denied) and succeeded on its retry: ``←`` from push shows "push (attempt 1)",
    read from that attempt's own pod."""
    clock = FrozenClock(datetime(2026, 11, 29, 4, 5, tzinfo=UTC))
    source, reader = QueueSource(), ByPod()
    app_settings = Settings.from_options({"utc": True, "interval": 60.0}, environ={})
    app = make_app(Wiring(source, clock, Ingestor("kube", clock), live=True, pods=reader), app_settings)
    pipeline = (PipelineBuilder("release", namespace="ci").task("build", steps=("compile",))
                .task("push", steps=("upload",), run_after=["build"], retries=1))
    run = pipeline.run("release-3", "2026-11-29T04:00:00Z")
    run.task_ran("build", "2026-11-29T04:00:00Z", "2026-11-29T04:01:00Z")
    run.task_started("push", "2026-11-29T04:01:01Z").retry("push", "2026-11-29T04:01:08Z", message="denied")
    run.task_started("push", "2026-11-29T04:01:20Z").task_finished("push", "2026-11-29T04:02:00Z")
    objects = run.objects("2026-11-29T04:02:00Z")
    push = taskrun_of(run, "push", "2026-11-29T04:02:00Z")
    (first,) = push.retries
    assert first.pod_name and first.pod_name != push.pod_name
    async with app.run_test(size=(120, 30)) as pilot:
        source.feed([Change("ADDED", decode(o)) for o in objects] + [Synced()])
        await until(pilot, lambda: len(app.board.views) == 1)
        await pilot.press("l")
        await until(pilot, lambda: f"log of pod {push.pod_name}" in screen_text(app))
        assert "logs · ci/release-3 · push · 3/3" in screen_text(app)
        await pilot.press("left")
        await until(pilot, lambda: f"log of pod {first.pod_name}" in screen_text(app))
        assert "logs · ci/release-3 · push (attempt 1) · 2/3" in screen_text(app)
        await pilot.press("left")
        await until(pilot, lambda: "logs · ci/release-3 · build · 1/3" in screen_text(app))
    assert reader.pods[:2] == [push.pod_name, first.pod_name]


async def test_l_offline_says_logs_come_from_a_cluster() -> None:
    app = demo_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await demo_ready(pilot)
        await pilot.press("l")
        await pilot.pause()
        assert isinstance(app.screen, LogsScreen)
        assert "Logs and events are read from the cluster; this source (replay) has none." in screen_text(app)
        await pilot.press("l")
        assert app.screen is app.dashboard


def test_the_first_task_shown_is_the_failed_one_else_the_last_started() -> None:
    from tektonwatch.health import SourceHealth
    from tektonwatch.store import Store
    from tektonwatch.timeline import build_all
    from tektonwatch.tui.logs import default_task

    def view_at(when: str) -> Any:
        store = Store()
        for obj in push_run().objects(when):
            store.apply("ADDED", decode(obj))
        return build_all(store.snapshot(SourceHealth(kind="kube")))[0]

    assert default_task(view_at("2026-11-29T04:02:00Z")) == "push"
    assert default_task(view_at("2026-11-29T04:01:30Z")) == "push", "running, the last started"
    assert default_task(view_at("2026-11-29T04:00:30Z")) == "build"
