"""Provides the tests of the Kubernetes API double's pod logs, events and fault actions through the real
`kubernetes` client over real sockets (k8s-watch.md §5b). Every wait is a condition with a deadline, never a
fixed sleep.
"""

from __future__ import annotations

import http.client
import json
from datetime import UTC

import pytest
import urllib3
from kubernetes import client
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
from tests.kubeapi_client import (
    WATCH_TIMEOUT,
    G,
    Reader,
    event,
    names,
    pipelinerun,
    pod,
    raw_get,
    status_of,
    watch_prs,
)

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
