"""Provides the race-analysis scenario corpus the tests share: the incident's pipeline (``model_serving``) and run
(``incident``), built with ``tests.builders``, and the plumbing from objects to an analysis."""

from __future__ import annotations

from datetime import UTC, datetime

from tektonwatch.findings import Finding
from tektonwatch.health import SourceHealth
from tektonwatch.model import decode
from tektonwatch.races import Analysis, RaceSettings, analyse
from tektonwatch.store import Snapshot, Store
from tektonwatch.timeline import build_run
from tests.builders import PipelineBuilder, RunBuilder

NS = "private-ai"
RUN = "model-serving-q4"
LATER = "2025-10-27T19:00:00Z"
QUAY_FAILURE = (
    '"step-push" exited with code 1: initializing source oci-archive:/workspace/source/oci/image.tar: '
    "open /workspace/source/oci/image.tar: permission denied"
)


def t(hms: str) -> str:
    """An instant on the incident's day."""
    return f"2025-10-27T{hms}Z"


def dt(hms: str) -> datetime:
    return datetime.fromisoformat(f"2025-10-27T{hms}+00:00").astimezone(UTC)


def snapshot_of(objects: list[dict]) -> Snapshot:
    """Objects → model → store → snapshot, as a file source would deliver them."""
    store = Store()
    for obj in objects:
        store.apply("ADDED", decode(obj))
    return store.snapshot(SourceHealth(kind="file"))


def analysed(
    run: RunBuilder, now: str = LATER, settings: RaceSettings | None = None, objects: list[dict] | None = None
) -> Analysis:
    """The analysis of ``run`` as seen at ``now`` (or of the given objects)."""
    snap = snapshot_of(objects if objects is not None else run.objects(now))
    return analyse(build_run(snap, snap.pipeline_runs[(run.namespace, run.name)]), settings or RaceSettings())


def only(analysis: Analysis) -> Finding:
    assert len(analysis.findings) == 1, [(f.kind, f.severity, f.tasks) for f in analysis.findings]
    return analysis.findings[0]


def summary(analysis: Analysis) -> list[tuple[str, str, str | None, tuple[str, ...], tuple[str, ...]]]:
    return [(f.kind.value, f.severity.value, f.producer, f.tasks, f.failed) for f in analysis.findings]


def model_serving(
    api_version: str = "tekton.dev/v1",
    *,
    read_only_pushes: bool = False,
    push_sub_path: str = "",
    build_sub_path: str = "",
    ordering: str = "runAfter",
    push_ref: tuple[str, str] = ("push-internal", "push-quay"),
) -> PipelineBuilder:
    """The incident's pipeline: ``build`` writes the OCI archive on workspace ``source``; two pushes follow.

    ``ordering`` says how the pushes wait for build: ``runAfter``, a result reference, or ``none``.
    """
    p = PipelineBuilder("model-serving", namespace=NS, api_version=api_version)
    p.task(
        "build",
        task_ref="build-model",
        workspaces=[("source", "source", build_sub_path)],
        steps=("prepare", "export-oci"),
        results=("digest",),
    )
    for name, ref in zip(("push-to-internal", "push-to-quay"), push_ref, strict=True):
        after = ["build"] if ordering == "runAfter" else []
        params = {"image": "$(tasks.build.results.digest)"} if ordering == "result" else None
        p.task(
            name,
            run_after=after,
            params=params,
            task_ref=ref,
            workspaces=[("source", "source", push_sub_path)],
            read_only={"source"} if read_only_pushes else (),
            steps=("push",),
        )
    p.task("register-model", run_after=["push-to-internal", "push-to-quay"], task_ref="register-model")
    return p.bind("source", pvc="model-build-pvc")


def incident(
    p: PipelineBuilder | None = None, *, gap: int = 0, embedded: bool = False, quay_ok: bool = False
) -> RunBuilder:
    """``model-serving-q4``: build completes 18:34:10; both pushes start ``gap`` seconds later; quay fails."""
    run = (p or model_serving()).run(RUN, t("18:00:00"), embedded=embedded)
    run.task_ran("build", t("18:00:00"), t("18:34:10"), results={"digest": "sha256:abc"})
    start = dt("18:34:10").timestamp() + gap
    at = datetime.fromtimestamp(start, UTC)
    run.task_ran("push-to-internal", at, datetime.fromtimestamp(start + 399, UTC))
    run.task_ran(
        "push-to-quay",
        at,
        datetime.fromtimestamp(start + 7, UTC),
        ok=quay_ok,
        message=None if quay_ok else QUAY_FAILURE,
    )
    run.skip("register-model", "PipelineRun was stopping", at=datetime.fromtimestamp(start + 7, UTC))
    return run.finish(datetime.fromtimestamp(start + 399, UTC))
