"""The snapshot table on a busy cluster: findings of runs drawn with a timeline in full; of the other runs,
warnings and criticals in full and info findings counted in one closing line (``-o json`` keeps them all)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.builders import PipelineBuilder, RunBuilder
from tests.cli_helpers import snapshot_json, snapshot_text

NS = "ci"


def pipeline() -> PipelineBuilder:
    p = PipelineBuilder("release", namespace=NS)
    p.task("build", workspaces={"source": "source"}, steps=("export",))
    for name in ("push-a", "push-b"):
        p.task(name, run_after=["build"], workspaces={"source": "source"}, steps=("push",))
    return p.bind("source", pvc="release-pvc")


def fan_out(name: str, start: datetime, first_step_after: int) -> RunBuilder:
    """build, then both pushes start the second it completes; their first steps begin ``first_step_after``
    seconds later (40: the artifact had settled, an info finding; 1: a warning)."""
    run = pipeline().run(name, start)
    done = start + timedelta(minutes=5)
    run.task_ran("build", start, done)
    for push in ("push-a", "push-b"):
        run.task_started(push, done, steps_start=done + timedelta(seconds=first_step_after))
        run.step(push, "push", done + timedelta(seconds=first_step_after), done + timedelta(minutes=2))
        run.task_finished(push, done + timedelta(minutes=2))
    return run.finish(done + timedelta(minutes=2))


def dump(tmp_path: Path) -> Path:
    base = datetime(2025, 10, 27, 12, 0, tzinfo=UTC)
    runs = [fan_out("release-old-warn", base, 1)]
    runs += [fan_out(f"release-info-{i}", base + timedelta(hours=i), 40) for i in (1, 2, 3)]
    at = base + timedelta(hours=6)
    items = [obj for run in runs for obj in run.objects(at)]
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
    return path


def test_info_findings_of_runs_without_a_timeline_are_counted_not_printed(tmp_path: Path) -> None:
    path = dump(tmp_path)
    kinds = {(f["pipelineRun"], f["severity"]) for f in snapshot_json(path)["findings"]}
    assert kinds == {("release-old-warn", "warning"), *((f"release-info-{i}", "info") for i in (1, 2, 3))}

    text = snapshot_text(path, gantt="1")
    assert "Findings for ci/release-old-warn" in text and "WARNING fresh-artifact" in text
    assert "release-info-3" in text.split("\n\n", 1)[1]  # the most recent run is drawn, its finding in full
    assert text.count("INFO fresh-artifact") == 1
    assert "Findings for ci/release-info-1" not in text and "Findings for ci/release-info-2" not in text
    assert " ".join(text.split()).endswith(
        "2 info findings in 2 runs without a timeline not shown: name a run, add --gantt all, or use -o json to "
        "read them."
    )


def test_every_finding_is_printed_when_every_run_has_a_timeline(tmp_path: Path) -> None:
    text = snapshot_text(dump(tmp_path), gantt="all")
    assert text.count("INFO fresh-artifact") == 3 and "not shown" not in text
