"""SVG snapshots of the dashboard over the bundled demo (and of the logs screen over the API double), each saying
what a person must see.

Deterministic: the demo is replayed as fast as possible, so the clock is the replay's, frozen at the end of the
recording (18:40:49 UTC); times are in UTC; the size is fixed; no text cursor is on screen. Regenerate with
``pytest tests/test_tui_snapshots.py --snapshot-update`` only after looking at the report.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.builders import PipelineBuilder
from tests.tui_helpers import demo_app, demo_ready


def test_demo_with_q4_selected(snap_compare):
    """Top: both runs — model-serving-q4 "✗ Failed 5/5 … 43m 06s … ! critical" (highlighted) and
    model-serving-full "● Running 1/5 … 1h 20m 45s". Below, titled private-ai/model-serving-q4: its Gantt with
    build ending at the instant push-to-internal and push-to-quay start (both marked ┃ and !), the legend
    "started in the same second (18:34:10)", then "CRITICAL fresh-artifact  workspace source on
    pvc:model-build-pvc", the message naming permission denied, and the timeline evidence (+0s, +0s, +0s, +7s).
    Status line: "replay done · updated 18:40:49 UTC · 2 runs, 1 active"; the footer lists the keys."""
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=demo_ready)


def test_races_view(snap_compare):
    """After ``r``: the lower pane is titled "Races: 1 finding in 1 run" and shows q4's header line
    ("✗ model-serving-q4  Failed  43m 06s  5/5 tasks …") followed by the CRITICAL fresh-artifact finding
    with its evidence table; the run list above is unchanged."""
    assert snap_compare(demo_app(), terminal_size=(120, 36), run_before=demo_ready, press=["r"])


def test_wide_steps_of_the_running_run(snap_compare):
    """After ``j`` and ``w``: model-serving-full is highlighted; its detail, titled "… · steps", shows each
    task's pod and step rows — build's prepare and build-image done, export-oci "●" still running — and the
    tasks not started yet; no race finding ("No race findings in this run.")."""
    assert snap_compare(demo_app(), terminal_size=(100, 40), run_before=demo_ready, press=["j", "w"])


def test_narrow_terminal(snap_compare):
    """A 44×14 terminal: no borders; the list keeps NAME and STATUS ("✗ Failed", "● Running"), the detail
    starts with q4's header and as many Gantt rows as fit, the status line says "replay done", the footer
    shows the first keys."""
    assert snap_compare(demo_app(), terminal_size=(44, 14), run_before=demo_ready)


def test_logs_of_the_failed_push(snap_compare, kube_api):
    """``l`` on the incident run, read from the API double: the logs screen titled "logs ·
    private-ai/model-serving-q4 · push-to-quay · 3/3" (the failed task comes first), its step "push" Failed with
    skopeo's lines — the last one ending "open /workspace/source/oci/image.tar: permission denied" — then
    "Events": the pod's image pull and the TaskRun's failure (a Warning). The footer lists esc, ← and →."""
    from tektonwatch.clock import FrozenClock
    from tests.logs_helpers import cluster_app, event, logs_of_the_only_run, pod, taskrun_of

    run = incident_run()
    for obj in run.objects("2025-10-27T18:40:00Z"):
        kube_api.apply(obj)
    quay = taskrun_of(run, "push-to-quay", "2025-10-27T18:40:00Z")
    pod(kube_api, quay.pod_name, ["step-push"], namespace="private-ai")
    at = datetime(2025, 10, 27, 18, 34, 16, 120000, tzinfo=UTC)
    for offset, line in enumerate(QUAY_LOG):
        kube_api.append_log("private-ai", quay.pod_name, "step-push", line, at + timedelta(milliseconds=300 * offset))
    event(kube_api, "e1", "Pod", quay.pod_name, "Pulled", 'Container image "quay.io/skopeo/stable:v1.16" already '
          "present on machine", namespace="private-ai", last="2025-10-27T18:34:12Z")
    event(kube_api, "e2", "TaskRun", quay.name, "Failed", '"step-push" exited with code 1', "Warning",
          namespace="private-ai", last="2025-10-27T18:34:18Z")
    app = cluster_app(kube_api, "private-ai", clock=FrozenClock(datetime(2025, 10, 27, 18, 41, tzinfo=UTC)))

    async def opened(pilot):
        await logs_of_the_only_run(pilot, lambda: "push-to-quay" in app.screen.logs)

    assert snap_compare(app, terminal_size=(120, 22), run_before=opened)


QUAY_LOG = (
    "Getting image source signatures",
    "Copying OCI archive oci-archive:/workspace/source/oci/image.tar to docker://quay.io/private-ai/model-serving:q4",
    ('time="2025-10-27T18:34:17Z" level=fatal msg="initializing source oci-archive:/workspace/source/oci/image.tar: '
     'open /workspace/source/oci/image.tar: permission denied"'),
)


def incident_run():
    """model-serving-q4 at 18:40: build done at 18:34:10, both pushes started that second, quay failed."""
    pipeline = (PipelineBuilder("model-serving", namespace="private-ai").task("build", steps=("build-image",))
                .task("push-to-internal", steps=("push",), run_after=["build"])
                .task("push-to-quay", steps=("push",), run_after=["build"]))
    run = pipeline.run("model-serving-q4", "2025-10-27T18:00:00Z")
    run.task_ran("build", "2025-10-27T18:00:00Z", "2025-10-27T18:34:10Z")
    run.task_ran("push-to-internal", "2025-10-27T18:34:10Z", "2025-10-27T18:39:30Z")
    return run.task_ran("push-to-quay", "2025-10-27T18:34:10Z", "2025-10-27T18:34:18Z", ok=False)
