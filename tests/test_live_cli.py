"""`tektonwatch snapshot` against a cluster (the API double, real sockets, the real kubernetes client): the same
output as `--from` on the same objects, kubectl-style scope flags, one-line errors with exit 3, and a --record
that --replay plays back to the same picture."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stdout
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tektonwatch.app import Settings, run_snapshot
from tektonwatch.clock import FrozenClock
from tektonwatch.sources.replay import demo_path

NOW = datetime(2025, 10, 27, 18, 45, 0, tzinfo=UTC)


def demo_objects() -> list[dict]:
    """The final state of every object of the bundled demo (the last version of each)."""
    last: dict[tuple, dict] = {}
    for line in Path(demo_path()).read_text().splitlines():
        ev = json.loads(line)
        if "object" in ev:
            meta = ev["object"]["metadata"]
            last[(ev["object"]["kind"], meta["namespace"], meta["name"])] = ev["object"]
    return list(last.values())


def load(api, objects) -> None:
    for obj in objects:
        body = {k: v for k, v in obj.items()}
        body["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "resourceVersion"}
        api.apply(body)


def snapshot(opts: dict) -> dict:
    settings = Settings.from_options({"output": "json", "color": "never", **opts}, environ={})
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = run_snapshot(settings, clock=FrozenClock(NOW))
    doc = json.loads(buf.getvalue())
    doc["exit"] = code
    return doc


def comparable(doc: dict) -> dict:
    return {"pipelineRuns": doc["pipelineRuns"], "taskRuns": doc["taskRuns"], "findings": doc["findings"]}


@pytest.fixture
def cluster(kube_api, tmp_path):
    objects = demo_objects()
    load(kube_api, objects)
    dump = tmp_path / "dump.json"
    dump.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))
    return kube_api, dump


def test_cluster_snapshot_equals_the_same_objects_from_a_file(cluster):
    api, dump = cluster
    live = snapshot({"kubeconfig": str(api.kubeconfig), "namespace": "private-ai"})
    offline = snapshot({"from_files": [str(dump)]})
    assert live["source"] == {"kind": "kube", "synced": True}
    assert comparable(live) == comparable(offline)
    assert [f["severity"] for f in live["findings"]] == ["critical"]


def test_context_namespace_all_namespaces_selector_and_names(cluster):
    api, _ = cluster
    kubeconfig = str(api.kubeconfig)
    assert snapshot({"kubeconfig": kubeconfig})["pipelineRuns"] == []  # context `test` → namespace default
    every = snapshot({"kubeconfig": kubeconfig, "all_namespaces": True})["pipelineRuns"]
    assert {r["name"] for r in every} == {"model-serving-q4", "model-serving-full"}
    full = snapshot({"kubeconfig": kubeconfig, "all_namespaces": True, "selector": "private-ai/variant=full"})
    assert [r["name"] for r in full["pipelineRuns"]] == ["model-serving-full"]
    named = snapshot({"kubeconfig": kubeconfig, "namespace": "private-ai", "names": ["model-serving-q4"]})
    assert [r["name"] for r in named["pipelineRuns"]] == ["model-serving-q4"]
    assert {t["status"] for t in named["pipelineRuns"][0]["tasks"]} >= {"Failed", "Succeeded", "Skipped"}
    other = snapshot({"kubeconfig": kubeconfig, "context": "other"})
    assert other["pipelineRuns"] == []
    requests = api.requests()
    assert any("/namespaces/other/pipelineruns" in r.path for r in requests)


def tw(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tektonwatch", *args], capture_output=True, timeout=120,
                          env={**os.environ, "COLUMNS": "100", **(env or {})}, check=False)


def test_unreachable_cluster_is_exit_3_with_what_to_do(tmp_path, kube_api):
    kubeconfig = str(kube_api.kubeconfig)
    kube_api.stop()
    result = tw("snapshot", "--kubeconfig", kubeconfig)
    assert result.returncode == 3
    err = result.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and "cannot reach the cluster" in err and b"Traceback" not in result.stderr


def test_rejected_token_forbidden_and_no_tekton_are_exit_3(kube_api):
    kubeconfig = str(kube_api.kubeconfig)
    kube_api.deny("list", "pipelineruns", "default")
    forbidden = tw("snapshot", "--kubeconfig", kubeconfig)
    assert forbidden.returncode == 3 and b"forbidden" in forbidden.stderr
    kube_api.set_valid_tokens(["some-other-token"])
    rejected = tw("snapshot", "--kubeconfig", kubeconfig)
    assert rejected.returncode == 3 and b"401" in rejected.stderr
    kube_api.set_valid_tokens(None)
    kube_api.set_tekton(installed=False)
    missing = tw("snapshot", "--kubeconfig", kubeconfig)
    assert missing.returncode == 3 and b"Tekton is not installed" in missing.stderr


def test_bad_kubeconfig_and_unknown_context_are_exit_3(tmp_path, kube_api):
    bad = tmp_path / "bad.yaml"
    bad.write_text("this: [is not a kubeconfig")
    assert tw("snapshot", "--kubeconfig", str(bad)).returncode == 3
    assert tw("snapshot", "--kubeconfig", str(tmp_path / "missing")).returncode == 3
    unknown = tw("snapshot", "--kubeconfig", str(kube_api.kubeconfig), "--context", "nope")
    assert unknown.returncode == 3 and b"nope" in unknown.stderr


def test_record_then_replay_gives_the_same_picture(cluster, tmp_path):
    api, _ = cluster
    recording = tmp_path / "rec.jsonl"
    live = tw("snapshot", "--kubeconfig", str(api.kubeconfig), "-n", "private-ai", "--record", str(recording),
              "-o", "json", "model-serving-q4")
    assert live.returncode == 0, live.stderr
    assert b"recording to" in live.stderr and b"leaving out" in live.stderr
    text = recording.read_text()
    assert '"type":"SYNCED"' in text and "script" not in text and "annotations" not in text
    replayed = tw("snapshot", "--replay", str(recording), "-o", "json", "model-serving-q4")
    assert replayed.returncode == 0, replayed.stderr
    assert comparable(json.loads(live.stdout)) == comparable(json.loads(replayed.stdout))
    assert json.loads(replayed.stdout)["source"]["kind"] == "replay"


def test_the_process_ends_fast_yet_leaves_no_key_material_behind(kube_api_tls, tmp_path):
    """The entry point skips the interpreter's teardown, but exit handlers still run: the kubernetes client
    writes the kubeconfig's CA, certificate and private key to temporary files and deletes them in one."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    load(kube_api_tls, demo_objects())
    result = tw("snapshot", "--kubeconfig", str(kube_api_tls.kubeconfig), "-A", "-o", "json",
                env={"TMPDIR": str(temp)})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pipelineRuns"]  # the whole document was flushed
    assert list(temp.iterdir()) == []
