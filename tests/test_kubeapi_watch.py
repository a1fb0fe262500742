"""Provides the tests of the Kubernetes API double's watches through the real `kubernetes` client over real
sockets: current state then live changes, replay from a resourceVersion, in-band 410, bookmarks, timeouts,
selector transitions, and the server-side table. Every wait is a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import http.client
import json
import time

import pytest

from tests.kubeapi import KubeAPI
from tests.kubeapi_client import T0, pipelinerun, raw_get, taskrun, watch_prs

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
