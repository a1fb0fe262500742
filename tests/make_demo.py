"""Provides the bundled demo recording, ``tektonwatch/demo/incident.jsonl``, built from the seed incident.

    python -m tests.make_demo           # (re)write the recording
    python -m tests.make_demo --check   # exit 1 if the committed recording is not what this script writes

The story (2025-10-27, namespace ``private-ai``, tekton.dev/v1): two runs of pipeline ``model-serving`` side
by side. ``model-serving-full`` (Mistral 24B, full precision) started at 17:20 and is still exporting its OCI
archive when the recording ends. ``model-serving-q4`` (quantized w4a16) starts at 17:57:43; its ``build``
exports a 14 GB OCI archive to ``/workspace/source/oci/image.tar`` on PVC ``model-build-pvc`` and completes
at 18:34:10, the very second ``push-to-internal`` and ``push-to-quay`` (both ``runAfter: [build]``, both on
workspace ``source``, not readOnly) start. The quay push fails at once with ``permission denied`` on the
archive; the internal push succeeds (step done 18:40:48, TaskRun 18:40:49); ``register-model`` is skipped
and the run ends Failed at 18:40:49 (2586 s).

The recording covers 17:55:00 (T0: the initial listing, then SYNCED) to 18:43:00; an event at wall time W
has ``t = W - T0`` in seconds. One JSON object per line, keys sorted, compact separators, fixed uids: the
output is byte-for-byte reproducible.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tests.builders import PipelineBuilder, RunBuilder, utc, watch_events
from tests.builders._util import sha256_hex

DEMO_PATH = Path(__file__).resolve().parents[1] / "tektonwatch" / "demo" / "incident.jsonl"
T0 = utc("2025-10-27T17:55:00Z")
END = utc("2025-10-27T18:43:00Z")
NAMESPACE = "private-ai"
SYNCED_AT = 0.6

QUAY_FAILURE = (
    '"step-push" exited with code 1: time="2025-10-27T18:34:16Z" level=fatal msg="initializing source '
    'oci-archive:/workspace/source/oci/image.tar: creating temp directory: '
    'open /workspace/source/oci/image.tar: permission denied"'
)
POD_TEMPLATE = {"securityContext": {"fsGroup": 1000970000, "fsGroupChangePolicy": "OnRootMismatch"}}

BUILDAH = "registry.redhat.io/rhel9/buildah:9.6"
SKOPEO = "quay.io/skopeo/stable:v1.18"
DOWNLOAD = {"name": "download", "image": "registry.access.redhat.com/ubi9/python-312:9.6", "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\npip install --quiet 'huggingface_hub[cli]'\n"
    'huggingface-cli download "$(params.model-id)" --local-dir "$(workspaces.source.path)/model"\n')}
PREPARE = {"name": "prepare", "image": BUILDAH, "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\ncat > $(workspaces.source.path)/Containerfile <<'EOF'\n"
    "FROM registry.access.redhat.com/ubi9/ubi-micro:9.6\nCOPY --chown=0:0 model /models\nUSER 1001\nEOF\n")}
BUILD_IMAGE = {"name": "build-image", "image": BUILDAH, "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\nbuildah build --storage-driver=vfs -f $(workspaces.source.path)/"
    "Containerfile -t localhost/$(params.model-name):latest $(workspaces.source.path)\n")}
EXPORT_OCI = {"name": "export-oci", "image": BUILDAH, "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\nmkdir -p $(workspaces.source.path)/oci\n"
    "buildah push --storage-driver=vfs localhost/$(params.model-name):latest "
    "oci-archive:$(workspaces.source.path)/oci/image.tar\nls -lh $(workspaces.source.path)/oci/image.tar\n")}
PUSH = {"name": "push", "image": SKOPEO, "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\n"
    "skopeo copy --authfile $(workspaces.dockerconfig.path)/.dockerconfigjson "
    "--digestfile $(results.digest.path) oci-archive:$(workspaces.source.path)/oci/image.tar docker://$(params.destination)\n")}
REGISTER = {"name": "register", "image": "registry.redhat.io/openshift4/ose-cli-rhel9:v4.18", "script": (
    "#!/usr/bin/env bash\nset -euo pipefail\n"
    "oc annotate imagestreamtag \"$(params.model-name):$(params.image-tag)\" "
    "serving.kserve.io/digest=\"$(params.digest)\" --overwrite\n")}


def pipeline() -> PipelineBuilder:
    """The ``model-serving`` pipeline as it was before the fix: no readiness wait in the push tasks."""
    internal = ("image-registry.openshift-image-registry.svc:5000/private-ai/"
                "$(params.model-name):$(params.image-tag)")
    quay = "$(params.quay-repository):$(params.model-name)-$(params.image-tag)"
    push_ws = {"source": "source", "dockerconfig": "registry-credentials"}
    return (
        PipelineBuilder("model-serving", namespace=NAMESPACE, coschedule="workspaces", params={
            "model-id": None, "model-name": None, "image-tag": None,
            "quay-repository": "quay.io/adrina/private-ai"})
        .task("fetch-model", task_ref="hf-model-download", params={"model-id": "$(params.model-id)"},
              workspaces={"source": "source"}, steps=[DOWNLOAD], timeout="2h0m0s")
        .task("build", run_after=["fetch-model"], task_ref="modelcar-build",
              params={"model-name": "$(params.model-name)"}, workspaces={"source": "source"},
              steps=[PREPARE, BUILD_IMAGE, EXPORT_OCI], timeout="4h0m0s")
        .task("push-to-internal", run_after=["build"], task_ref="push-internal",
              params={"destination": internal}, workspaces=push_ws, steps=[PUSH], results=["digest"])
        .task("push-to-quay", run_after=["build"], task_ref="push-quay", params={"destination": quay},
              workspaces=push_ws, steps=[PUSH], results=["digest"])
        .task("register-model", run_after=["push-to-internal", "push-to-quay"], task_ref="register-model",
              params={"model-name": "$(params.model-name)", "image-tag": "$(params.image-tag)",
                      "digest": "$(tasks.push-to-internal.results.digest)"}, steps=[REGISTER])
        .bind("registry-credentials", secret="registry-credentials")
    )


def _run(p: PipelineBuilder, name: str, start: str, variant: str, params: dict) -> RunBuilder:
    return p.run(name, start, params=params, pod_template=POD_TEMPLATE, timeout="6h0m0s",
                 labels={"app.kubernetes.io/part-of": "private-ai", "private-ai/variant": variant})


def full_run(p: PipelineBuilder) -> RunBuilder:
    """``model-serving-full``: started 17:20:04, still in ``build``/``export-oci`` when the recording ends."""
    run = _run(p, "model-serving-full", "2025-10-27T17:20:04Z", "full", {
        "model-id": "mistralai/Mistral-Small-24B-Instruct-2501", "model-name": "mistral-24b-full",
        "image-tag": "2501"})
    run.bind("source", volume_claim_template={
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "200Gi"}},
        "storageClassName": "gp3-csi"})
    run.task_started("fetch-model", "2025-10-27T17:20:04Z", steps_start="2025-10-27T17:20:13Z")
    run.step("fetch-model", "download", "2025-10-27T17:20:14Z", "2025-10-27T17:41:25Z")
    run.task_finished("fetch-model", "2025-10-27T17:41:26Z")
    run.task_started("build", "2025-10-27T17:41:26Z", steps_start="2025-10-27T17:41:34Z")
    run.step("build", "prepare", "2025-10-27T17:41:35Z", "2025-10-27T17:43:02Z")
    run.step("build", "build-image", "2025-10-27T17:43:02Z", "2025-10-27T18:29:47Z")
    run.step("build", "export-oci", "2025-10-27T18:29:47Z")
    return run


def q4_run(p: PipelineBuilder) -> RunBuilder:
    """``model-serving-q4``: the incident. Build completes 18:34:10 and both pushes start that same second."""
    run = _run(p, "model-serving-q4", "2025-10-27T17:57:43Z", "w4a16", {
        "model-id": "RedHatAI/Mistral-Small-24B-Instruct-2501-quantized.w4a16",
        "model-name": "mistral-24b-quantized", "image-tag": "w4a16-2501"})
    run.bind("source", pvc="model-build-pvc")
    run.task_started("fetch-model", "2025-10-27T17:57:43Z", steps_start="2025-10-27T17:57:51Z")
    run.step("fetch-model", "download", "2025-10-27T17:57:52Z", "2025-10-27T17:59:58Z")
    run.task_finished("fetch-model", "2025-10-27T18:00:00Z")
    run.task_started("build", "2025-10-27T18:00:00Z", steps_start="2025-10-27T18:00:07Z")
    run.step("build", "prepare", "2025-10-27T18:00:08Z", "2025-10-27T18:01:37Z")
    run.step("build", "build-image", "2025-10-27T18:01:37Z", "2025-10-27T18:20:58Z")
    run.step("build", "export-oci", "2025-10-27T18:20:58Z", "2025-10-27T18:34:09Z")
    run.task_finished("build", "2025-10-27T18:34:10Z")
    run.task_started("push-to-internal", "2025-10-27T18:34:10Z", steps_start="2025-10-27T18:34:12Z")
    run.task_started("push-to-quay", "2025-10-27T18:34:10Z", steps_start="2025-10-27T18:34:13Z")
    run.step("push-to-quay", "push", "2025-10-27T18:34:14Z", "2025-10-27T18:34:16Z", exit_code=1)
    run.task_finished("push-to-quay", "2025-10-27T18:34:17Z", ok=False, reason="Failed", message=QUAY_FAILURE)
    run.skip("register-model", "PipelineRun was stopping", at="2025-10-27T18:34:17Z")
    run.step("push-to-internal", "push", "2025-10-27T18:34:13Z", "2025-10-27T18:40:48Z")
    run.task_finished("push-to-internal", "2025-10-27T18:40:49Z", results={
        "digest": "sha256:" + sha256_hex("mistral-24b-quantized:w4a16-2501")})
    run.finish("2025-10-27T18:40:49Z")
    return run


def runs() -> list[RunBuilder]:
    """Both runs of the story, the older first."""
    p = pipeline()
    return [full_run(p), q4_run(p)]


def render() -> str:
    """The recording as JSON Lines text."""
    lines = []
    for t, kind, obj in watch_events(runs(), T0, END, synced_at=SYNCED_AT, first_resource_version=48213570):
        event = {"t": t, "type": kind} if obj is None else {"object": obj, "t": t, "type": kind}
        lines.append(json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Writes the recording, or with ``--check`` reports whether the committed one is up to date."""
    parser = argparse.ArgumentParser(prog="python -m tests.make_demo", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the recording is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DEMO_PATH.read_text(encoding="utf-8") if DEMO_PATH.exists() else None
        if current != text:
            print(f"{DEMO_PATH} is out of date: run python -m tests.make_demo", file=sys.stderr)
            return 1
        print(f"{DEMO_PATH} is up to date ({len(text.encode())} bytes)")
        return 0
    DEMO_PATH.parent.mkdir(parents=True, exist_ok=True)
    DEMO_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {DEMO_PATH} ({len(text.splitlines())} events, {len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
