"""Provides the kubectl oracle: a real `kubectl` (1.32 in the machine image) runs against the double, and
these tests assert only facts that do not depend on kubectl's version — names printed, exit codes, and the
requests the double logged (paths, selectors, pagination, watch resourceVersions).

The double runs in HTTPS mode with a client certificate: client-go sends no credentials at all over plain
HTTP (clientcmd only loads auth info for TLS transports), so a plain-HTTP double would answer 401.
Every test gets a fresh HOME, so kubectl's discovery cache never hides a discovery bug.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.kubeapi import EndStream, KubeAPI, Match

G = "tekton.dev"
T0 = "2026-01-01T00:00:00Z"
DEADLINE = 60  # seconds any single kubectl run may take on a slow CI machine


def pipelinerun(
    name: str,
    ns: str = "default",
    labels: dict | None = None,
    succeeded: str = "Unknown",
    reason: str = "Running",
) -> dict:
    """A minimal tekton.dev/v1 PipelineRun."""
    return {
        "apiVersion": f"{G}/v1",
        "kind": "PipelineRun",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"pipelineRef": {"name": "build"}},
        "status": {
            "startTime": T0,
            "conditions": [{"type": "Succeeded", "status": succeeded, "reason": reason}],
        },
    }


class Kubectl:
    """Runs the real kubectl against one double with an isolated HOME."""

    def __init__(self, binary: str, api: KubeAPI, home: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.binary, self.api = binary, api
        self.env = {**os.environ, "HOME": str(home), "KUBECONFIG": str(api.kubeconfig)}

    def run(self, *args: str) -> subprocess.CompletedProcess:
        """Run to completion; the result carries stdout, stderr and returncode."""
        return subprocess.run(
            [self.binary, *args], check=False, env=self.env, capture_output=True, text=True, timeout=DEADLINE
        )

    def start(self, *args: str) -> subprocess.Popen:
        """Start a long-running command (watch, follow)."""
        return subprocess.Popen(
            [self.binary, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    """Wait for a started kubectl (killing it after the deadline) and return (code, stdout, stderr)."""
    try:
        out, err = process.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"kubectl did not exit within {DEADLINE}s\nstdout: {out}\nstderr: {err}")
    return process.returncode, out, err


@pytest.fixture
def kubectl(kube_api_tls: KubeAPI, tmp_path: Path) -> Kubectl:
    binary = shutil.which("kubectl")
    if binary is None:
        pytest.fail(
            "kubectl is not on PATH: the kubectl oracle tests need kubectl 1.32 (shipped in the machine "
            "image; install it, do not skip these tests)"
        )
    return Kubectl(binary, kube_api_tls, tmp_path / "home")


def column(output: str, index: int = 0) -> list[str]:
    """One whitespace-separated column of a kubectl table, without its header."""
    return [line.split()[index] for line in output.strip().splitlines()[1:]]


def lists(api: KubeAPI, path_re: str) -> list:
    return [r for r in api.requests(path_re, verb="list")]


def test_get_pr_lists_the_context_namespace(kubectl: Kubectl) -> None:
    api = kubectl.api
    for name, ns in (("pr-b", "default"), ("pr-a", "default"), ("pr-x", "other")):
        api.apply(pipelinerun(name, ns))
    result = kubectl.run("get", "pr")
    assert result.returncode == 0, result.stderr
    assert column(result.stdout) == ["pr-a", "pr-b"]
    assert {"/api", "/apis"} <= {r.path for r in api.requests()}  # fresh HOME: discovery happened
    listed = lists(api, "^/apis/tekton.dev/v1/namespaces/default/pipelineruns$")
    assert len(listed) == 1 and listed[0].query["limit"] == "500" and listed[0].user == "cert-user"
    other = kubectl.run("get", "pipelineruns", "--context", "other")
    assert other.returncode == 0 and column(other.stdout) == ["pr-x"]


def test_get_pr_all_namespaces_in_chunks_of_one(kubectl: Kubectl) -> None:
    api = kubectl.api
    for name, ns in (("pr-1", "default"), ("pr-2", "other"), ("pr-3", "team")):
        api.apply(pipelinerun(name, ns))
    result = kubectl.run("get", "pr", "-A", "--chunk-size=1")
    assert result.returncode == 0, result.stderr
    assert column(result.stdout, 1) == ["pr-1", "pr-2", "pr-3"]
    assert column(result.stdout, 0) == ["default", "other", "team"]
    pages = lists(api, "^/apis/tekton.dev/v1/pipelineruns$")
    assert len(pages) == 3 and all(p.query["limit"] == "1" for p in pages)
    assert "continue" not in pages[0].query and all(p.query.get("continue") for p in pages[1:])


def test_get_pr_json_with_a_label_selector(kubectl: Kubectl) -> None:
    api = kubectl.api
    api.apply(pipelinerun("pr-demo-1", labels={"app": "demo"}))
    api.apply(pipelinerun("pr-demo-2", labels={"app": "demo", "tier": "gpu"}))
    api.apply(pipelinerun("pr-web", labels={"app": "web"}))
    result = kubectl.run("get", "pr", "-o", "json", "-l", "app=demo,tier")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert [item["metadata"]["name"] for item in body["items"]] == ["pr-demo-2"]
    assert body["items"][0]["apiVersion"] == "tekton.dev/v1"
    assert lists(api, "/pipelineruns$")[-1].query["labelSelector"] == "app=demo,tier"
    wide = kubectl.run("get", "pr", "-o", "name", "-l", "app in (demo, web)")
    assert wide.stdout.split() == [
        f"pipelinerun.tekton.dev/{n}" for n in ("pr-demo-1", "pr-demo-2", "pr-web")
    ]


def test_get_raw_watch_prints_the_event_lines(kubectl: Kubectl) -> None:
    api = kubectl.api
    api.apply(pipelinerun("pr-a"))
    api.apply(pipelinerun("pr-b"))
    start = api.rv
    api.max_watch_seconds = DEADLINE / 2
    api.faults.add(EndStream(after_events=3), Match(watch=True))  # the server ends the watch cleanly
    process = kubectl.start(
        "get", "--raw", f"/apis/tekton.dev/v1/namespaces/default/pipelineruns?watch=1&resourceVersion={start}"
    )
    api.wait_for_requests(1, verb="watch", timeout=DEADLINE)
    api.patch_status(
        "pipelineruns", "default", "pr-a", {"conditions": [{"type": "Succeeded", "status": "True"}]}
    )
    api.delete("pipelineruns", "default", "pr-b")
    api.apply(pipelinerun("pr-c"))
    code, out, err = finish(process)
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("MODIFIED", "pr-a"),
        ("DELETED", "pr-b"),
        ("ADDED", "pr-c"),
    ]
    assert [int(e["object"]["metadata"]["resourceVersion"]) for e in events] == [
        start + 1,
        start + 2,
        start + 3,
    ]
    watch = api.requests(verb="watch")[0]
    assert watch.query == {"watch": "1", "resourceVersion": str(start)}


def test_get_pr_watch_lists_then_watches_from_the_list_version(kubectl: Kubectl) -> None:
    api = kubectl.api
    api.apply(pipelinerun("pr-a"))
    listed_rv = api.rv
    api.max_watch_seconds = DEADLINE / 2
    api.faults.add(EndStream(after_events=2), Match(watch=True))
    process = kubectl.start("get", "pr", "-w", f"--request-timeout={DEADLINE}s")
    api.wait_for_requests(1, verb="watch", timeout=DEADLINE)
    api.apply(pipelinerun("pr-new"))
    api.patch_status(
        "pipelineruns",
        "default",
        "pr-a",
        {"conditions": [{"type": "Succeeded", "status": "True", "reason": "Succeeded"}]},
    )
    code, out, err = finish(process)
    assert code == 0, err
    assert column(out) == ["pr-a", "pr-new", "pr-a"]
    assert "Succeeded" in out.strip().splitlines()[-1]
    watch = api.requests(verb="watch")[0]
    assert watch.path == "/apis/tekton.dev/v1/namespaces/default/pipelineruns"
    assert watch.query["resourceVersion"] == str(listed_rv)


def test_logs_of_one_step_container_and_follow(kubectl: Kubectl) -> None:
    api = kubectl.api
    api.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "build-pod", "namespace": "default"},
            "spec": {"containers": [{"name": "step-build"}, {"name": "step-push"}]},
        }
    )
    api.append_log("default", "build-pod", "step-build", "compiling")
    api.append_log("default", "build-pod", "step-push", "pushing")
    result = kubectl.run("logs", "build-pod", "-c", "step-build")
    assert (result.returncode, result.stdout) == (0, "compiling\n")
    log = api.requests("/log$")[-1]
    assert log.query["container"] == "step-build"
    process = kubectl.start("logs", "-f", "build-pod", "-c", "step-push")
    api.wait_for(
        lambda: any(r.query.get("follow") == "true" for r in api.requests("/log$")),
        DEADLINE,
        "the follow request",
    )
    api.append_log("default", "build-pod", "step-push", "pushed")
    api.finish_container("default", "build-pod", "step-push")
    code, out, err = finish(process)
    assert (code, out) == (0, "pushing\npushed\n"), err


def test_get_events_with_an_involved_object_field_selector(kubectl: Kubectl) -> None:
    api = kubectl.api
    for name, kind, involved in (
        ("ev-1", "PipelineRun", "pr-a"),
        ("ev-2", "TaskRun", "pr-a"),
        ("ev-3", "PipelineRun", "pr-b"),
    ):
        api.apply(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": "default"},
                "involvedObject": {"kind": kind, "name": involved, "namespace": "default"},
                "reason": "Started",
                "message": "started",
                "type": "Normal",
            }
        )
    selector = "involvedObject.name=pr-a,involvedObject.kind=PipelineRun"
    result = kubectl.run("get", "events", "--field-selector", selector, "-o", "name")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["event/ev-1"]
    assert lists(api, "/namespaces/default/events$")[-1].query["fieldSelector"] == selector


def test_forbidden_and_missing_tekton_are_errors_with_the_servers_message(kubectl: Kubectl) -> None:
    api = kubectl.api
    api.deny("list", "pipelineruns", namespace="default")
    result = kubectl.run("get", "pr")
    assert result.returncode != 0
    assert (
        'cannot list resource "pipelineruns" in API group "tekton.dev" in the namespace "default"'
        in result.stderr
    )
    listed = len(lists(api, "/pipelineruns$"))
    api.set_tekton(installed=False)
    fresh = Kubectl(kubectl.binary, api, Path(kubectl.env["HOME"]).parent / "home2")
    missing = fresh.run("get", "pr")
    assert missing.returncode != 0 and '"pr"' in missing.stderr
    assert len(lists(api, "/pipelineruns$")) == listed  # discovery told kubectl there is nothing to list
