"""Provides what the tests of the Kubernetes API double share: realistic objects, client helpers and a watch
reader (the ``apiclient`` and ``co`` fixtures are in ``conftest.py``)."""

from __future__ import annotations

import json
import socket
import threading

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from tests.kubeapi import KubeAPI

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
