"""Provides the tests of the Kubernetes API double through the real `kubernetes` client over real sockets.

They pin the wire behaviour the live source relies on (k8s-watch.md §1 and §5b): discovery, lists with
pagination and selectors, watches with replay, 410, bookmarks and timeouts, auth, RBAC, HTTPS, pod logs,
events and a few fault actions. Every wait is a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.kubeapi import (
    BLANK_LINE,
    MALFORMED_LINE,
    UNKNOWN_TYPE,
    CloseStream,
    CutMidChunk,
    Drop,
    EndStream,
    ExpireContinue,
    HttpError,
    Inject,
    Inject410,
    KubeAPI,
    Match,
    SplitChunks,
    Stall,
    huge_event,
    invalid_utf8_event,
    webhook_failure,
)

G = "tekton.dev"
T0 = "2026-01-01T00:00:00Z"
WATCH_TIMEOUT = (5, 30)  # (connect, read) seconds: a broken test fails instead of hanging


# ---- realistic objects ------------------------------------------------------------------------------


def pipelinerun(
    name: str,
    ns: str = "default",
    labels: dict | None = None,
    succeeded: str = "Unknown",
    reason: str = "Running",
    version: str = "v1",
) -> dict:
    """A minimal tekton.dev PipelineRun as the API returns it (before the server fills metadata)."""
    condition = {"type": "Succeeded", "status": succeeded, "reason": reason, "lastTransitionTime": T0}
    return {
        "apiVersion": f"{G}/{version}",
        "kind": "PipelineRun",
        "metadata": {
            "name": name,
            "namespace": ns,
            "labels": {"tekton.dev/pipeline": "build", **(labels or {})},
        },
        "spec": {"pipelineRef": {"name": "build"}},
        "status": {"startTime": T0, "conditions": [condition]},
    }


def taskrun(name: str, pipelinerun_name: str, ns: str = "default") -> dict:
    """A minimal TaskRun belonging to a PipelineRun."""
    return {
        "apiVersion": f"{G}/v1",
        "kind": "TaskRun",
        "metadata": {"name": name, "namespace": ns, "labels": {"tekton.dev/pipelineRun": pipelinerun_name}},
        "spec": {"taskRef": {"name": "build"}},
        "status": {"podName": f"{name}-pod", "conditions": [{"type": "Succeeded", "status": "Unknown"}]},
    }


def pod(name: str, containers: tuple[str, ...] = ("step-build", "step-push"), ns: str = "default") -> dict:
    """A Tekton step pod with one container per step."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": c, "image": "busybox"} for c in containers]},
        "status": {"phase": "Running"},
    }


def event(name: str, kind: str, involved: str, reason: str, ns: str = "default") -> dict:
    """A core/v1 Event about a Tekton object."""
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": ns},
        "involvedObject": {"kind": kind, "name": involved, "namespace": ns, "apiVersion": f"{G}/v1"},
        "reason": reason,
        "message": f"{reason} happened",
        "type": "Normal",
        "source": {"component": "tekton"},
    }


# ---- client helpers ---------------------------------------------------------------------------------


@pytest.fixture
def apiclient(kube_api: KubeAPI) -> Iterator[client.ApiClient]:
    """A real ApiClient built from the double's kubeconfig."""
    api_client = config.new_client_from_config(config_file=str(kube_api.kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture
def co(apiclient: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(apiclient)


def names(body: dict) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def status_of(err: ApiException) -> dict:
    return json.loads(err.body)


def raw_get(api_client: client.ApiClient, path: str, **query: str) -> tuple[int, dict, bytes]:
    """GET any path through the client's own transport and auth; returns (status, headers, body)."""
    request = api_client.param_serialize(
        "GET",
        path,
        query_params=list(query.items()),
        header_params={"Accept": "application/json"},
        auth_settings=["BearerToken"],
    )
    response = api_client.call_api(*request)
    response.read()
    return response.status, dict(response.getheaders()), response.data


class Reader:
    """Reads a watch (or followed log) response on a thread: raw chunks, lines and parsed events."""

    def __init__(self, response: urllib3.BaseHTTPResponse) -> None:
        self.response, self.chunks, self.error = response, [], None
        self.done = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            for chunk in self.response.stream(amt=None, decode_content=False):
                self.chunks.append(chunk)
        except Exception as err:  # noqa: BLE001 - the test inspects it
            self.error = err
        finally:
            self.done.set()

    @property
    def data(self) -> bytes:
        return b"".join(list(self.chunks))

    @property
    def lines(self) -> list[bytes]:
        return self.data.split(b"\n")[:-1]

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.lines if line.strip()]

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def wait_events(self, api: KubeAPI, count: int, timeout: float = 10) -> list[dict]:
        api.wait_for(
            lambda: len(self.events) >= count or self.done.is_set(), timeout, f"{count} watch events"
        )
        return self.events

    def wait_done(self, timeout: float = 15) -> None:
        assert self.done.wait(timeout), "the stream did not end"

    def stop(self) -> None:
        """Cut the connection from the client side (closing the response would wait for the read timeout)."""
        sock = getattr(self.response.connection, "sock", None)
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
        self.wait_done()


def watch_prs(co: client.CustomObjectsApi, ns: str | None = "default", version: str = "v1", **kw) -> Reader:
    """Open a raw pipelineruns watch (`_preload_content=False`) and start reading it."""
    kw.update(watch=True, _preload_content=False, _request_timeout=kw.pop("_request_timeout", WATCH_TIMEOUT))
    if ns is None:
        return Reader(co.list_cluster_custom_object(G, version, "pipelineruns", **kw))
    return Reader(co.list_namespaced_custom_object(G, version, ns, "pipelineruns", **kw))


# ---- discovery ----------------------------------------------------------------------------------------


def test_discovery_documents_describe_tekton_and_core(
    apiclient: client.ApiClient, co: client.CustomObjectsApi
) -> None:
    groups = client.ApisApi(apiclient).get_api_versions()
    tekton = next(g for g in groups.groups if g.name == G)
    assert [v.version for v in tekton.versions] == ["v1", "v1beta1"]
    assert tekton.preferred_version.version == "v1"
    for version in ("v1", "v1beta1"):
        listing = co.get_api_resources(G, version)
        assert listing.group_version == f"{G}/{version}"
        by_name = {r.name: r for r in listing.resources}
        assert by_name["pipelineruns"].short_names == ["pr", "prs"]
        assert by_name["taskruns"].short_names == ["tr", "trs"]
        assert by_name["pipelineruns"].kind == "PipelineRun" and by_name["pipelineruns"].namespaced
        assert "watch" in by_name["pipelineruns"].verbs and "tekton" in by_name["taskruns"].categories
        assert {"pipelineruns/status", "taskruns/status"} <= set(by_name)
    core = {r.name for r in client.CoreV1Api(apiclient).get_api_resources().resources}
    assert {"pods", "pods/log", "events", "namespaces"} <= core
    assert client.CoreApi(apiclient).get_api_versions().versions == ["v1"]
    assert client.VersionApi(apiclient).get_code().git_version.startswith("v1.")


def test_tekton_absent_answers_404(make_kube_api) -> None:
    api = make_kube_api(tekton_versions=())
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    co = client.CustomObjectsApi(api_client)
    assert client.ApisApi(api_client).get_api_versions().groups == []
    assert raw_get(api_client, "/apis/tekton.dev")[0] == 404
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert err.value.status == 404
    assert status_of(err.value) | {"details": None} == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "details": None,
        "message": "the server could not find the requested resource",
        "reason": "NotFound",
        "code": 404,
    }
    api_client.close()


def test_only_v1beta1_served_when_v1_is_disabled(make_kube_api) -> None:
    api = make_kube_api(tekton_versions=("v1beta1",))
    api.apply(pipelinerun("pr-old", version="v1beta1"))
    api_client = config.new_client_from_config(config_file=str(api.kubeconfig))
    co = client.CustomObjectsApi(api_client)
    with pytest.raises(ApiException) as err:
        co.get_api_resources(G, "v1")
    assert err.value.status == 404
    body = co.list_namespaced_custom_object(G, "v1beta1", "default", "pipelineruns")
    assert body["items"][0]["apiVersion"] == "tekton.dev/v1beta1"
    api.set_tekton(versions=("v1", "v1beta1"))
    assert (
        co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")["items"][0]["apiVersion"]
        == "tekton.dev/v1"
    )
    api_client.close()


# ---- list ---------------------------------------------------------------------------------------------


def test_list_shapes_for_namespace_and_all_namespaces(kube_api: KubeAPI, co: client.CustomObjectsApi) -> None:
    for name, ns in (("b", "default"), ("a", "default"), ("c", "other")):
        kube_api.apply(pipelinerun(name, ns))
    body = co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert body["kind"] == "PipelineRunList" and body["apiVersion"] == "tekton.dev/v1"
    assert body["metadata"] == {"resourceVersion": str(kube_api.rv)}
    assert names(body) == ["a", "b"]
    item = body["items"][0]
    assert item["kind"] == "PipelineRun" and item["apiVersion"] == "tekton.dev/v1"
    assert {"uid", "creationTimestamp", "resourceVersion", "generation"} <= set(item["metadata"])
    assert names(co.list_cluster_custom_object(G, "v1beta1", "pipelineruns")) == ["a", "b", "c"]
    assert (
        co.list_cluster_custom_object(G, "v1beta1", "pipelineruns")["items"][0]["apiVersion"]
        == "tekton.dev/v1beta1"
    )


def test_pagination_is_a_consistent_snapshot(kube_api: KubeAPI, co: client.CustomObjectsApi) -> None:
    for i in range(5):
        kube_api.apply(pipelinerun(f"pr-{i}"))
    first = co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", limit=2)
    assert names(first) == ["pr-0", "pr-1"] and first["metadata"]["remainingItemCount"] == 3
    kube_api.delete("pipelineruns", "default", "pr-3")
    kube_api.apply(pipelinerun("pr-9"))
    pages, token = [first], first["metadata"]["continue"]
    while token:
        pages.append(
            co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", limit=2, _continue=token)
        )
        token = pages[-1]["metadata"].get("continue")
    assert [n for p in pages for n in names(p)] == [f"pr-{i}" for i in range(5)]
    assert {p["metadata"]["resourceVersion"] for p in pages} == {first["metadata"]["resourceVersion"]}
    assert "remainingItemCount" not in pages[-1]["metadata"]
    selected = co.list_namespaced_custom_object(
        G, "v1", "default", "pipelineruns", limit=1, label_selector="tekton.dev/pipeline=build"
    )
    assert "continue" in selected["metadata"] and "remainingItemCount" not in selected["metadata"]


@pytest.mark.parametrize("expire", ["tokens", "compaction"])
def test_expired_continue_token_is_410_with_an_inconsistent_token(kube_api: KubeAPI, co, expire: str) -> None:
    for i in range(3):
        kube_api.apply(pipelinerun(f"pr-{i}"))
    first = co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", limit=1)
    kube_api.apply(pipelinerun("pr-1", succeeded="True", reason="Succeeded"))
    kube_api.expire_continue_tokens() if expire == "tokens" else kube_api.compact()
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(
            G, "v1", "default", "pipelineruns", limit=1, _continue=first["metadata"]["continue"]
        )
    body = status_of(err.value)
    assert err.value.status == 410 and body["reason"] == "Expired"
    assert body["message"].startswith(
        "The provided continue parameter is too old to display a consistent list"
    )
    rest = co.list_namespaced_custom_object(
        G, "v1", "default", "pipelineruns", limit=5, _continue=body["metadata"]["continue"]
    )
    assert names(rest) == ["pr-1", "pr-2"] and rest["metadata"]["resourceVersion"] == str(kube_api.rv)
    assert rest["items"][0]["status"]["conditions"][0]["status"] == "True"


def test_list_resource_version_semantics(kube_api: KubeAPI, co: client.CustomObjectsApi) -> None:
    kube_api.apply(pipelinerun("pr-0"))
    old_rv = kube_api.rv
    kube_api.apply(pipelinerun("pr-0", succeeded="True", reason="Succeeded"))
    kube_api.apply(pipelinerun("pr-1"))

    def lst(**kw):
        return co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", **kw)

    assert names(lst(resource_version="0")) == ["pr-0", "pr-1"]
    assert lst(resource_version=str(old_rv))["metadata"]["resourceVersion"] == str(
        kube_api.rv
    )  # not older than
    exact = lst(resource_version=str(old_rv), limit=10)
    assert names(exact) == ["pr-0"] and exact["metadata"]["resourceVersion"] == str(old_rv)
    assert exact["items"][0]["status"]["conditions"][0]["status"] == "Unknown"
    assert names(lst(resource_version=str(old_rv), resource_version_match="Exact")) == ["pr-0"]
    cases = [
        (
            {"resource_version_match": "NotOlderThan"},
            422,
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        (
            {"resource_version": "0", "resource_version_match": "Exact"},
            422,
            'forbidden for resourceVersion "0"',
        ),
        ({"resource_version": str(kube_api.rv + 50)}, 504, f"Too large resource version: {kube_api.rv + 50}"),
        ({"resource_version": "5", "limit": 1}, 410, "The resourceVersion for the provided list is too old."),
    ]
    for kwargs, code, message in cases:
        with pytest.raises(ApiException) as err:
            lst(**kwargs)
        assert (err.value.status, message in status_of(err.value)["message"]) == (code, True), kwargs
    with pytest.raises(ApiException) as err:
        lst(resource_version=str(kube_api.rv + 50))
    assert err.value.headers["Retry-After"] == "1"
    assert status_of(err.value)["details"]["retryAfterSeconds"] == 1
    token = lst(limit=1)["metadata"]["continue"]
    with pytest.raises(ApiException) as err:
        lst(limit=1, _continue=token, resource_version=str(old_rv))
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=demo", ["a", "b"]),
        ("app==demo", ["a", "b"]),
        ("app!=demo", ["c", "d"]),
        ("app in (demo,web)", ["a", "b", "c"]),
        ("app notin (demo)", ["c", "d"]),
        ("tier", ["a", "c"]),
        ("!tier", ["b", "d"]),
        ("app=demo,tier", ["a"]),
        ("app=demo, tier=front", ["a"]),
        ("", ["a", "b", "c", "d"]),
    ],
)
def test_label_selector_grammar(kube_api: KubeAPI, co, selector: str, expected: list[str]) -> None:
    labels = {
        "a": {"app": "demo", "tier": "front"},
        "b": {"app": "demo"},
        "c": {"app": "web", "tier": "x"},
        "d": {},
    }
    for name, extra in labels.items():
        kube_api.apply(pipelinerun(name, labels=extra))
    assert names(co.list_cluster_custom_object(G, "v1", "pipelineruns", label_selector=selector)) == expected


def test_field_selectors_and_their_errors(kube_api: KubeAPI, apiclient, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    kube_api.apply(pipelinerun("pr-b", ns="other"))
    kube_api.apply(event("ev-1", "PipelineRun", "pr-a", "Started"))
    kube_api.apply(event("ev-2", "TaskRun", "pr-a-build", "Started"))
    assert names(
        co.list_cluster_custom_object(G, "v1", "pipelineruns", field_selector="metadata.name=pr-b")
    ) == ["pr-b"]
    assert names(
        co.list_cluster_custom_object(G, "v1", "pipelineruns", field_selector="metadata.namespace!=other")
    ) == ["pr-a"]
    core = client.CoreV1Api(apiclient)
    found = core.list_namespaced_event(
        "default", field_selector="involvedObject.name=pr-a,involvedObject.kind=PipelineRun"
    )
    assert [e.metadata.name for e in found.items] == ["ev-1"]
    with pytest.raises(ApiException) as err:
        co.list_cluster_custom_object(G, "v1", "pipelineruns", field_selector="status.phase=Running")
    assert (err.value.status, status_of(err.value)["message"]) == (
        400,
        '"status.phase" is not a known field selector: only "metadata.name", "metadata.namespace"',
    )
    with pytest.raises(ApiException) as err:
        core.list_namespaced_event("default", field_selector="spec.nope=1")
    assert status_of(err.value)["message"] == "field label not supported: spec.nope"
    with pytest.raises(ApiException) as err:
        co.list_cluster_custom_object(G, "v1", "pipelineruns", label_selector="app in demo")
    assert err.value.status == 400 and status_of(err.value)["reason"] == "BadRequest"


# ---- watch --------------------------------------------------------------------------------------------


def test_watch_without_rv_sends_current_state_then_live_changes(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    kube_api.apply(pipelinerun("pr-b"))
    reader = watch_prs(co)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in reader.wait_events(kube_api, 2)] == [
        ("ADDED", "pr-a"),
        ("ADDED", "pr-b"),
    ]
    assert kube_api.watch_count == 1
    kube_api.patch_status("pipelineruns", "default", "pr-a", {"completionTime": T0})
    kube_api.apply(pipelinerun("pr-c", ns="other"))  # another namespace: not for this watch
    kube_api.delete("pipelineruns", "default", "pr-b")
    events = reader.wait_events(kube_api, 4)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events[2:]] == [
        ("MODIFIED", "pr-a"),
        ("DELETED", "pr-b"),
    ]
    assert events[2]["object"]["status"]["completionTime"] == T0
    assert int(events[3]["object"]["metadata"]["resourceVersion"]) == kube_api.rv
    response = reader.response
    assert response.status == 200 and response.headers["Content-Type"] == "application/json"
    assert response.headers["Transfer-Encoding"] == "chunked"
    reader.stop()


@pytest.mark.parametrize("flag", ["true", "True", "1", ""])
def test_watch_flag_spellings_start_a_watch(kube_api: KubeAPI, apiclient, flag: str) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    kube_api.max_watch_seconds = 0.5
    status, headers, body = raw_get(apiclient, "/apis/tekton.dev/v1/pipelineruns", watch=flag)
    assert status == 200 and headers["Transfer-Encoding"] == "chunked"
    assert json.loads(body.splitlines()[0])["type"] == "ADDED"


def test_watch_from_rv_replays_history_without_synthetic_added(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    start = kube_api.rv
    kube_api.apply(pipelinerun("pr-b"))
    kube_api.patch_status(
        "pipelineruns", "default", "pr-a", {"conditions": [{"type": "Succeeded", "status": "True"}]}
    )
    kube_api.apply(taskrun("pr-a-build", "pr-a"))  # another resource shares the rv counter, not the stream
    kube_api.delete("pipelineruns", "default", "pr-b")
    reader = watch_prs(co, resource_version=str(start))
    events = reader.wait_events(kube_api, 3)
    assert [
        (e["type"], e["object"]["metadata"]["name"], int(e["object"]["metadata"]["resourceVersion"]))
        for e in events
    ] == [("ADDED", "pr-b", start + 1), ("MODIFIED", "pr-a", start + 2), ("DELETED", "pr-b", start + 4)]
    reader.stop()


def test_watch_from_compacted_rv_gets_in_band_410_then_clean_end(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    old = kube_api.rv
    kube_api.apply(pipelinerun("pr-b"))
    floor = kube_api.compact()
    reader = watch_prs(co, resource_version=str(old - 1))
    reader.wait_done()
    assert reader.error is None and reader.response.status == 200
    assert reader.events == [
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"too old resource version: {old - 1} ({floor})",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]


def test_bookmarks_on_interval_and_before_the_deadline(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    kube_api.bookmark_interval, kube_api.max_watch_seconds = 0.2, 1.5
    reader = watch_prs(co, resource_version=str(kube_api.rv), allow_watch_bookmarks=True)
    reader.wait_done()
    bookmarks = [e for e in reader.events if e["type"] == "BOOKMARK"]
    assert len(bookmarks) >= 2 and reader.events[-1]["type"] == "BOOKMARK"
    assert bookmarks[-1]["object"] == {
        "kind": "PipelineRun",
        "apiVersion": "tekton.dev/v1",
        "metadata": {"resourceVersion": str(kube_api.rv)},
    }
    quiet = watch_prs(co, resource_version=str(kube_api.rv))
    quiet.wait_done()
    assert quiet.events == []


def test_timeout_seconds_ends_the_stream_cleanly(kube_api: KubeAPI, co) -> None:
    started = time.monotonic()
    reader = watch_prs(co, timeout_seconds=1)
    reader.wait_done()
    assert reader.error is None and reader.events == []
    assert 0.9 <= time.monotonic() - started < 10
    assert kube_api.requests(verb="watch")[0].query["timeoutSeconds"] == "1"


def test_selector_transitions_become_added_and_deleted(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a", labels={"app": "demo"}))
    kube_api.apply(pipelinerun("pr-b"))
    reader = watch_prs(co, label_selector="app=demo")
    reader.wait_events(kube_api, 1)
    kube_api.set_labels("pipelineruns", "default", "pr-a", {"app": None})
    out_rv = kube_api.rv
    kube_api.set_labels("pipelineruns", "default", "pr-b", {"app": "demo"})
    kube_api.patch_status("pipelineruns", "default", "pr-b", {"completionTime": T0})
    events = reader.wait_events(kube_api, 4)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "pr-a"),
        ("DELETED", "pr-a"),
        ("ADDED", "pr-b"),
        ("MODIFIED", "pr-b"),
    ]
    assert events[1]["object"]["metadata"]["resourceVersion"] == str(out_rv)
    assert events[1]["object"]["metadata"]["labels"]["app"] == "demo"  # the last state that matched
    reader.stop()
    kube_api.wait_for(lambda: kube_api.watch_count == 0, message="the double to notice the client left")


def test_send_initial_events_is_rejected_with_the_real_422(kube_api: KubeAPI, apiclient) -> None:
    status, _, body = raw_get(
        apiclient,
        "/apis/tekton.dev/v1/pipelineruns",
        watch="true",
        sendInitialEvents="true",
        resourceVersionMatch="NotOlderThan",
        allowWatchBookmarks="true",
    )
    assert status == 422
    assert json.loads(body)["message"] == (
        'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: '
        "sendInitialEvents is forbidden for watch unless the WatchList feature "
        "gate is enabled"
    )


def test_table_rendering_of_the_tekton_printer_columns(kube_api: KubeAPI) -> None:
    kube_api.apply(pipelinerun("pr-done", succeeded="True", reason="Succeeded"))
    conn = http.client.HTTPConnection("127.0.0.1", kube_api.port, timeout=10)
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    headers = {"Authorization": f"Bearer {kube_api.token}", "Accept": accept}
    conn.request("GET", "/apis/tekton.dev/v1/namespaces/default/pipelineruns", headers=headers)
    table = json.loads(conn.getresponse().read())
    conn.close()
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Succeeded",
        "Reason",
        "StartTime",
        "CompletionTime",
    ]
    row = table["rows"][0]
    assert row["cells"][:3] == ["pr-done", "True", "Succeeded"] and row["cells"][4] is None
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "pr-done"


# ---- auth and RBAC ------------------------------------------------------------------------------------


def test_rejected_token_is_401_until_it_is_valid_again(kube_api: KubeAPI, co) -> None:
    kube_api.set_valid_tokens(["rotated"])
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert err.value.status == 401
    assert status_of(err.value) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    kube_api.set_valid_tokens({kube_api.token: "alice"})
    co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert kube_api.requests()[-1].user == "alice"


def test_rbac_denials_at_cluster_scope_in_a_namespace_and_for_watch_only(kube_api: KubeAPI, co) -> None:
    kube_api.deny("list", "pipelineruns")
    with pytest.raises(ApiException) as err:
        co.list_cluster_custom_object(G, "v1", "pipelineruns")
    assert err.value.status == 403 and status_of(err.value)["message"] == (
        'pipelineruns.tekton.dev is forbidden: User "test-user" cannot list resource "pipelineruns" '
        'in API group "tekton.dev" at the cluster scope'
    )
    co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")  # the namespace is still allowed
    kube_api.deny("list", "pr", namespace="secret")
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(G, "v1", "secret", "pipelineruns")
    assert status_of(err.value)["message"].endswith('in API group "tekton.dev" in the namespace "secret"')
    kube_api.deny("watch", "pipelineruns", namespace="*")
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(
            G, "v1", "default", "pipelineruns", watch=True, _preload_content=False
        )
    assert err.value.status == 403 and "cannot watch resource" in status_of(err.value)["message"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_https_with_ca_data_and_a_client_certificate(kube_api_tls: KubeAPI, tmp_path: Path) -> None:
    kube_api_tls.apply(pipelinerun("pr-a"))
    api_client = config.new_client_from_config(config_file=str(kube_api_tls.kubeconfig))
    assert names(client.CustomObjectsApi(api_client).list_cluster_custom_object(G, "v1", "pipelineruns")) == [
        "pr-a"
    ]
    assert kube_api_tls.url.startswith("https://") and kube_api_tls.requests()[-1].user == "cert-user"
    api_client.close()
    insecure = kube_api_tls.write_kubeconfig(tmp_path / "insecure", insecure=True, client_cert=False)
    api_client = config.new_client_from_config(config_file=str(insecure))
    assert names(client.CustomObjectsApi(api_client).list_cluster_custom_object(G, "v1", "pipelineruns")) == [
        "pr-a"
    ]
    assert kube_api_tls.requests()[-1].user == "test-user"
    api_client.close()
    kube_api_tls.set_valid_tokens([])
    unverified = config.new_client_from_config(config_file=str(insecure))
    with pytest.raises(ApiException) as err:
        client.CustomObjectsApi(unverified).list_cluster_custom_object(G, "v1", "pipelineruns")
    assert err.value.status == 401
    unverified.close()


# ---- pod logs and events ------------------------------------------------------------------------------


def test_pod_logs_need_a_container_and_honour_the_options(kube_api: KubeAPI, apiclient) -> None:
    from datetime import datetime

    kube_api.apply(pod("build-pod"))
    for second, text in ((1, "fetching"), (2, "compiling"), (3, "done")):
        kube_api.append_log(
            "default",
            "build-pod",
            "step-build",
            text,
            time=datetime(2026, 1, 1, 0, 0, second, 500_000, tzinfo=UTC),
        )
    core = client.CoreV1Api(apiclient)
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("build-pod", "default")
    assert status_of(err.value)["message"] == (
        "a container name must be specified for pod build-pod, choose one of: [step-build step-push]"
    )
    assert (
        core.read_namespaced_pod_log("build-pod", "default", container="step-build")
        == "fetching\ncompiling\ndone\n"
    )
    assert (
        core.read_namespaced_pod_log(
            "build-pod", "default", container="step-build", tail_lines=1, timestamps=True
        )
        == "2026-01-01T00:00:03.500000000Z done\n"
    )
    status, headers, body = raw_get(
        apiclient,
        "/api/v1/namespaces/default/pods/build-pod/log",
        container="step-build",
        sinceTime="2026-01-01T00:00:02.900Z",
    )
    assert (status, body) == (200, b"compiling\ndone\n")  # sinceTime is truncated to whole seconds
    assert headers["Content-Type"] == "text/plain"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("gone", "default", container="step-build")
    assert status_of(err.value)["message"] == 'pods "gone" not found'


def test_followed_log_streams_until_the_container_finishes(kube_api: KubeAPI, apiclient) -> None:
    kube_api.apply(pod("build-pod", containers=("step-build",)))
    kube_api.append_log("default", "build-pod", "step-build", "first")
    response = client.CoreV1Api(apiclient).read_namespaced_pod_log(
        "build-pod", "default", follow=True, _preload_content=False, _request_timeout=WATCH_TIMEOUT
    )
    reader = Reader(response)
    kube_api.wait_for(lambda: reader.data == b"first\n", message="the first log line")
    kube_api.append_log("default", "build-pod", "step-build", "second")
    kube_api.wait_for(lambda: reader.data == b"first\nsecond\n", message="the second log line")
    assert not reader.done.is_set()
    kube_api.finish_container("default", "build-pod", "step-build")
    reader.wait_done()
    assert reader.error is None and reader.data == b"first\nsecond\n"


def test_events_watch_with_involved_object_selector(kube_api: KubeAPI, apiclient) -> None:
    response = client.CoreV1Api(apiclient).list_namespaced_event(
        "default",
        watch=True,
        field_selector="involvedObject.name=pr-a",
        _preload_content=False,
        _request_timeout=WATCH_TIMEOUT,
    )
    reader = Reader(response)
    kube_api.wait_for_requests(1, path_re="/events$", verb="watch")
    kube_api.apply(event("ev-other", "PipelineRun", "pr-b", "Started"))
    kube_api.apply(event("ev-mine", "PipelineRun", "pr-a", "Started"))
    events = reader.wait_events(kube_api, 1)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "ev-mine")]
    assert "kind" not in events[0]["object"] or events[0]["object"]["kind"] == "Event"
    reader.stop()


# ---- faults -------------------------------------------------------------------------------------------


def _three_prs(api: KubeAPI) -> None:
    for name in ("pr-a", "pr-b", "pr-c"):
        api.apply(pipelinerun(name))


def test_cut_mid_chunk_surfaces_as_a_protocol_error(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    rule = kube_api.faults.add(CutMidChunk(after_events=1), Match(path_re="/pipelineruns$", watch=True))
    reader = watch_prs(co)
    reader.wait_done()
    assert isinstance(reader.error, urllib3.exceptions.ProtocolError)
    assert "IncompleteRead" in str(reader.error) or "Connection broken" in str(reader.error)
    assert [json.loads(line)["object"]["metadata"]["name"] for line in reader.lines] == ["pr-a"]
    assert (rule.seen, rule.fired) == (1, 1)
    kube_api.max_watch_seconds = 0.3
    again = watch_prs(co)  # times=1: the next watch is healthy
    again.wait_done()
    assert again.error is None and len(again.events) == 3


def test_close_between_events_leaves_the_body_unterminated(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    kube_api.faults.add(CloseStream(after_events=2), watch=True)
    reader = watch_prs(co)
    reader.wait_done()
    assert isinstance(reader.error, urllib3.exceptions.ProtocolError)
    assert len(reader.events) == 2


def test_events_split_into_tiny_chunks_reassemble(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    kube_api.max_watch_seconds = 0.5
    kube_api.faults.add(SplitChunks(max_size=7, delay=0), watch=True)
    reader = watch_prs(co)
    reader.wait_done()
    assert reader.error is None
    assert [e["object"]["metadata"]["name"] for e in reader.events] == ["pr-a", "pr-b", "pr-c"]
    assert max(len(c) for c in reader.chunks) <= 7 and len(reader.chunks) > len(reader.data) / 8


@pytest.mark.parametrize("code", [429, 500, 503, 504])
def test_http_errors_carry_retry_after_and_a_status(kube_api: KubeAPI, code: int) -> None:
    kube_api.faults.add(HttpError(code, retry_after=3), verb="list")
    conn = http.client.HTTPConnection("127.0.0.1", kube_api.port, timeout=10)
    conn.request(
        "GET", "/apis/tekton.dev/v1/pipelineruns", headers={"Authorization": f"Bearer {kube_api.token}"}
    )
    response = conn.getresponse()
    body = json.loads(response.read())
    assert response.status == code and response.getheader("Retry-After") == "3"
    assert (body["kind"], body["code"], body["details"]["retryAfterSeconds"]) == ("Status", code, 3)
    conn.close()


def test_the_client_raises_500_but_urllib3_itself_retries_429_after_retry_after(
    kube_api: KubeAPI, co
) -> None:
    """A fact the live source must know: urllib3's default Retry sleeps Retry-After and retries 429/503."""
    kube_api.faults.add(HttpError(500, retry_after=1), verb="list")
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert err.value.status == 500
    kube_api.faults.add(HttpError(429, retry_after=1), verb="list")
    co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")
    assert [r.status for r in kube_api.requests(verb="list")] == [500, 429, 200]


def test_injected_lines_are_sent_verbatim(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    big = huge_event(kube_api.get("pipelineruns", "default", "pr-a"), size=300_000)
    bad = invalid_utf8_event(kube_api.get("pipelineruns", "default", "pr-b"))
    kube_api.faults.add(
        Inject([BLANK_LINE, MALFORMED_LINE, UNKNOWN_TYPE, big, bad], after_events=1, end=True), watch=True
    )
    reader = watch_prs(co)
    reader.wait_done()
    lines = reader.lines
    assert reader.error is None and len(lines) == 6
    assert lines[1:3] == [b"", MALFORMED_LINE.rstrip(b"\n")] and json.loads(lines[3])["type"] == "SURPRISE"
    assert len(lines[4]) > 300_000 and json.loads(lines[4])["object"]["metadata"]["name"] == "pr-a"
    assert b"\xff\xfe" in lines[5]
    with pytest.raises(UnicodeDecodeError):
        lines[5].decode()


def test_inject_410_after_some_events(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    start = kube_api.rv - 2
    kube_api.faults.add(Inject410(after_events=1), watch=True)
    reader = watch_prs(co, resource_version=str(start))
    reader.wait_done()
    assert reader.types() == ["MODIFIED", "ERROR"] or reader.types() == ["ADDED", "ERROR"]
    error = reader.events[1]["object"]
    assert (error["code"], error["reason"]) == (410, "Expired")
    assert error["message"] == f"too old resource version: {start} ({kube_api.state.floor})"


def test_end_stream_fires_only_for_the_nth_watch(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    kube_api.max_watch_seconds = 0.5
    kube_api.faults.add(EndStream(after_events=1), Match(watch=True, nth=2))
    first, second = watch_prs(co), None
    first.wait_done()
    second = watch_prs(co)
    second.wait_done()
    assert (len(first.events), len(second.events)) == (3, 1)
    assert second.error is None


def test_half_open_stall_times_out_the_reader_until_released(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    stall = Stall(headers=True)
    kube_api.faults.add(stall, watch=True)
    reader = watch_prs(co, _request_timeout=(5, 0.5))
    assert reader.response.status == 200
    reader.wait_done()
    assert isinstance(reader.error, (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ProtocolError))
    assert reader.events == []
    kube_api.wait_for(lambda: stall.waiting == 1, message="the stalled watch")
    stall.release()
    kube_api.wait_for(lambda: stall.waiting == 0, message="the stall to let go")


def test_dropped_request_gets_no_response(kube_api: KubeAPI) -> None:
    kube_api.faults.add(Drop(), path_re="^/version$")
    conn = http.client.HTTPConnection("127.0.0.1", kube_api.port, timeout=10)
    conn.request("GET", "/version")
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        conn.getresponse()
    conn.close()


def test_expire_continue_action_gives_410_on_the_second_page(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    kube_api.faults.add(ExpireContinue(), param="continue")
    first = co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", limit=1)
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(
            G, "v1", "default", "pipelineruns", limit=1, _continue=first["metadata"]["continue"]
        )
    assert err.value.status == 410


def test_conversion_webhook_failure_breaks_only_v1beta1(kube_api: KubeAPI, co) -> None:
    kube_api.apply(pipelinerun("pr-a"))
    kube_api.faults.add(webhook_failure(), path_re="^/apis/tekton.dev/v1beta1/", times=None)
    with pytest.raises(ApiException) as err:
        co.list_namespaced_custom_object(G, "v1beta1", "default", "pipelineruns")
    assert (
        err.value.status == 500 and "conversion webhook for tekton.dev/v1" in status_of(err.value)["message"]
    )
    assert names(co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns")) == ["pr-a"]


def test_restart_refuses_connections_then_serves_a_fresh_window(kube_api: KubeAPI, co) -> None:
    _three_prs(kube_api)
    before = kube_api.rv
    reader = watch_prs(co, resource_version=str(before))
    kube_api.wait_for_requests(1, verb="watch")
    kube_api.restart(down_for=3.0)
    with pytest.raises(urllib3.exceptions.MaxRetryError) as err:
        co.list_namespaced_custom_object(G, "v1", "default", "pipelineruns", _request_timeout=(2, 5))
    assert "refused" in str(err.value).lower()
    reader.wait_done()
    assert isinstance(reader.error, urllib3.exceptions.ProtocolError)
    kube_api.wait_until_up(timeout=15)
    kube_api.apply(pipelinerun("pr-d"))
    assert kube_api.rv == before + 1  # rv stays monotonic across the restart
    stale = watch_prs(co, resource_version=str(before - 1))
    stale.wait_done()
    assert stale.types() == ["ERROR"] and stale.events[0]["object"]["code"] == 410
    fresh = watch_prs(co, resource_version=str(before))
    assert fresh.wait_events(kube_api, 1)[0]["object"]["metadata"]["name"] == "pr-d"
    fresh.stop()
