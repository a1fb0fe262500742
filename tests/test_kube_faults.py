"""Tests the live source against every watch fault of k8s-watch.md §5b (issue 5), through the Kubernetes API
double over real sockets: one test per fault F1–F22 asserting the behaviour in the table's last column, a
seeded randomized soak that ends with the store equal to the double's objects, and a long outage that shows
the stale marker in health and clears it on recovery.

Assertions read the double's request log (which resourceVersion a watch resumed from, whether a list was
repeated), the delays the source asked its injected sleep for (backoff, Retry-After), the health it reported
and the store it fed. Waits are conditions with deadlines; backoff and timeouts are made small by settings.
"""

from __future__ import annotations

import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tektonwatch.clock import FrozenClock
from tektonwatch.health import State
from tests.kube_helpers import (
    PR,
    TR,
    Live,
    Sleeps,
    cluster,
    lists,
    pr,
    same,
    settings,
    tr,
    watches,
    write_exec_kubeconfig,
)
from tests.kubeapi import faults as kf
from tests.kubeapi.faults import (
    CloseStream,
    CutMidChunk,
    Delay,
    EndStream,
    ExpireContinue,
    HttpError,
    Inject,
    Inject410,
    SplitChunks,
    Stall,
)

PR_WATCH = {"path_re": "/pipelineruns$", "watch": True}  # fault match: pipelinerun watches


def wait_watches(api: Any, count: int) -> list:
    """Block until ``count`` pipelinerun watch requests were made; return them."""
    return api.wait_for_requests(count, path_re="/pipelineruns$", verb="watch")


def unique_changes(live: Live) -> bool:
    """No (type, object, resourceVersion) was delivered twice."""
    keys = [(c.type, c.record.namespace, c.record.name, c.record.resource_version) for c in live.changes()]
    return len(keys) == len(set(keys))


def rv_of(obj: dict) -> str:
    """An object's resourceVersion."""
    return obj["metadata"]["resourceVersion"]


def started(api: Any, **options: Any) -> Live:
    """A running, synced source on ``api`` (the caller closes it)."""
    live = Live(settings(api, **options.pop("settings", {})), **options).__enter__()
    return live.synced()


# ---- F1–F3: stream ends ----------------------------------------------------------------------------------


def test_f1_clean_end_resumes_from_the_last_version_with_no_relist_and_no_backoff(kube_api: Any) -> None:
    kube_api.faults.add(EndStream(after_events=1), times=None, **PR_WATCH)
    sleeps = Sleeps()
    live = started(kube_api, sleep=sleeps)
    try:
        objs = [kube_api.apply(pr(f"r{i}")) for i in range(3)]
        wait_watches(kube_api, 4)
        live.wait(same(kube_api), "every object")
    finally:
        live.close()
    resumed = [r.query["resourceVersion"] for r in watches(kube_api)][1:4]
    assert resumed == [rv_of(o) for o in objs]
    assert len(lists(kube_api)) == 1 and sleeps.delays == []


@pytest.mark.parametrize("fault", [CutMidChunk(after_events=1), CloseStream(after_events=1)],
                         ids=["f2-cut-mid-chunk", "f3-close-between-events"])
def test_f2_f3_abrupt_drop_backs_off_and_resumes_with_nothing_lost_or_duplicated(kube_api: Any, fault: Any) -> None:
    kube_api.faults.add(fault, **PR_WATCH)
    sleeps = Sleeps()
    live = started(kube_api, sleep=sleeps)
    try:
        first = kube_api.apply(pr("first"))
        kube_api.apply(pr("second"))
        live.wait(same(kube_api), "both objects")
        kube_api.apply(pr("third"))
        live.wait(same(kube_api), "the third")
    finally:
        live.close()
    assert [r.query["resourceVersion"] for r in watches(kube_api)][1] == rv_of(first)
    assert len(sleeps.delays) == 1 and len(lists(kube_api)) == 1
    assert live.health(PR).reconnects == 1 and unique_changes(live)


# ---- F4, F5: expiry ----------------------------------------------------------------------------------------


def test_f4_in_band_410_relists_and_never_rewatches_the_stale_version(kube_api: Any) -> None:
    kube_api.apply(pr("a"))
    kube_api.apply(pr("b"))
    kube_api.faults.add(Inject410(after_events=1), **PR_WATCH)
    live = started(kube_api)
    try:
        kube_api.patch_status("pipelineruns", "default", "a", {"startTime": "2025-01-01T00:00:00Z"})
        live.wait(lambda s: s.health(PR).relists == 1, "the relist")
        kube_api.delete("pipelineruns", "default", "b")
        live.wait(same(kube_api), "the deletion after the relist")
    finally:
        live.close()
    stale = watches(kube_api)[0].query["resourceVersion"]
    assert [r.query["resourceVersion"] for r in watches(kube_api)].count(stale) == 1
    assert len(lists(kube_api)) == 2 and live.health(PR).expired == 1 and unique_changes(live)
    assert State.RELISTING in live.states(PR)


def test_f4_a_410_on_the_relist_watch_again_backs_off(kube_api: Any) -> None:
    kube_api.faults.add(Inject410(after_events=0), times=3, **PR_WATCH)
    sleeps = Sleeps()
    live = started(kube_api, sleep=sleeps)
    try:
        live.wait(lambda s: s.health(PR).expired == 3 and s.state(PR) == State.SYNCED, "three expiries")
    finally:
        live.close()
    assert len(lists(kube_api)) == 4 and len(sleeps.delays) == 2, "the first relist is immediate"


def test_f5_410_on_a_list_continue_restarts_the_list(kube_api: Any) -> None:
    for i in range(5):
        kube_api.apply(pr(f"p{i}"))
    kube_api.faults.add(ExpireContinue(), path_re="/pipelineruns$", param="continue")
    live = started(kube_api, settings={"page_size": 2})
    try:
        live.wait(same(kube_api), "all objects")
    finally:
        live.close()
    assert [c.type for c in live.changes()] == ["ADDED"] * 5, "no half-merged cache"
    assert len([r for r in lists(kube_api) if "continue" not in r.query]) == 2


# ---- F6, F7: errors and short watches ------------------------------------------------------------------------


@pytest.mark.parametrize("code, retry_after", [(429, 3), (500, None), (503, 2), (504, 1)])
def test_f6_http_errors_back_off_honour_retry_after_and_keep_the_version(kube_api: Any, code: int,
                                                                         retry_after: int | None) -> None:
    kube_api.apply(pr("a"))
    kube_api.faults.add(HttpError(code, retry_after=retry_after), **PR_WATCH)
    sleeps = Sleeps()
    live = started(kube_api, sleep=sleeps)
    try:
        wait_watches(kube_api, 2)
        live.wait(lambda s: s.state(PR) == State.SYNCED and s.health(PR).reconnects == 1, "the resume")
    finally:
        live.close()
    first, second = watches(kube_api)[:2]
    assert first.query["resourceVersion"] == second.query["resourceVersion"]
    assert len(lists(kube_api)) == 1 and len(sleeps.delays) == 1
    assert sleeps.delays[0] >= (retry_after or 0)
    reconnecting = next(h for h in health_log(live, PR) if h.state == State.RECONNECTING)
    assert f"(HTTP {code})" in reconnecting.message
    assert reconnecting.retry_at is not None and reconnecting.retry_at > reconnecting.since


def health_log(live: Live, name: str) -> list:
    """Every health record one watcher published."""
    from tektonwatch.events import HealthChanged

    with live._cond:
        return [ev.health for ev in live.events if isinstance(ev, HealthChanged) and ev.health.name == name]


def test_f7_very_short_watches_back_off_growing_capped_and_reset_after_a_healthy_period(kube_api: Any) -> None:
    kube_api.faults.add(EndStream(after_events=0), times=5, **PR_WATCH)
    kube_api.faults.add(EndStream(after_seconds=0.8), nth=6, **PR_WATCH)
    kube_api.faults.add(EndStream(after_events=0), nth=7, **PR_WATCH)
    sleeps = Sleeps(cap=0.0)
    live = started(kube_api, sleep=sleeps, settings={"backoff_initial": 0.02, "backoff_cap": 0.2,
                                                     "backoff_reset": 0.5, "short_watch": 0.3})
    try:
        wait_watches(kube_api, 8)
        live.wait(lambda s: len(sleeps.delays) == 6, "six delays")
    finally:
        live.close()
    growing, after_rest = sleeps.delays[:5], sleeps.delays[5]
    assert growing == sorted(growing) and growing[0] < 0.04 and growing[-1] == 0.2, growing
    assert after_rest < 0.04, "the backoff reset after a healthy period"


# ---- F8, F9: slow and stalled streams ------------------------------------------------------------------------


def test_f8_events_in_tiny_slow_chunks_and_slow_headers_are_reassembled(kube_api: Any) -> None:
    kube_api.faults.add(SplitChunks(max_size=7, delay=0.002), times=None, **PR_WATCH)
    kube_api.faults.add(Delay(0.5), **PR_WATCH)
    live = started(kube_api, settings={"watch_read_timeout": 2.0})
    try:
        for i in range(3):
            kube_api.apply(pr(f"slow-{i}", labels={"pad": "x" * 60}))
        live.wait(same(kube_api), "three objects in tiny chunks")
    finally:
        live.close()
    assert live.health(PR).reconnects == 0 and live.health(PR).corrupt_lines == 0


def test_f9_a_half_open_stall_times_out_and_resumes_from_the_last_version(kube_api: Any) -> None:
    kube_api.bookmark_interval = 0.1  # a healthy stream is never silent for long
    stall = Stall(headers=True)
    kube_api.faults.add(stall, nth=2, **PR_WATCH)
    kube_api.faults.add(EndStream(after_events=1), **PR_WATCH)
    live = started(kube_api, settings={"watch_read_timeout": 0.5})
    try:
        changed = kube_api.apply(pr("before-stall"))
        kube_api.wait_for(lambda: stall.waiting == 1, message="the stalled watch")
        live.wait(lambda s: s.state(PR) == State.RECONNECTING, "the read timeout")
        after = kube_api.apply(pr("after-stall"))
        live.wait(lambda s: s.state(PR) == State.SYNCED and same(kube_api)(s), "the resume")
    finally:
        stall.release()
        live.close()
    third = watches(kube_api)[2]
    assert third.query["resourceVersion"] >= rv_of(changed) and rv_of(after) > rv_of(changed)
    assert any(h.message == "timed out" for h in health_log(live, PR))
    assert len(lists(kube_api)) == 1


# ---- F10–F13: what the stream says --------------------------------------------------------------------------


def test_f10_a_malformed_line_is_counted_reported_and_answered_by_a_resume(kube_api: Any) -> None:
    kube_api.faults.add(Inject([kf.MALFORMED_LINE], after_events=1), **PR_WATCH)
    live = started(kube_api)
    try:
        first = kube_api.apply(pr("first"))
        live.wait(lambda s: s.health(PR).corrupt_lines == 1, "the corrupt line")
        kube_api.apply(pr("second"))
        live.wait(same(kube_api), "the object after the corrupt line")
    finally:
        live.close()
    assert watches(kube_api)[1].query["resourceVersion"] == rv_of(first)
    assert any("corrupt watch line" in p and f"resuming from resourceVersion {rv_of(first)}" in p
               for p in live.problems())


def test_f11_blank_lines_unknown_types_and_errors_without_a_code(kube_api: Any) -> None:
    lines = [kf.BLANK_LINE, kf.UNKNOWN_TYPE, kf.BLANK_LINE, kf.ERROR_WITHOUT_CODE]
    kube_api.faults.add(Inject(lines, after_events=1), **PR_WATCH)
    sleeps = Sleeps()
    live = started(kube_api, sleep=sleeps)
    try:
        first = kube_api.apply(pr("first"))
        live.wait(lambda s: s.health(PR).reconnects == 1 and s.state(PR) == State.SYNCED, "the retry")
        kube_api.apply(pr("second"))
        live.wait(same(kube_api), "the next object")
    finally:
        live.close()
    assert any("unknown type 'SURPRISE'" in p for p in live.problems())
    assert watches(kube_api)[1].query["resourceVersion"] == rv_of(first) and len(sleeps.delays) == 1
    assert live.health(PR).corrupt_lines == 0 and len(lists(kube_api)) == 1


def test_f11_a_change_event_without_an_object_is_corruption_not_a_silent_drop(kube_api: Any) -> None:
    kube_api.faults.add(Inject([{"type": "MODIFIED"}], after_events=1), **PR_WATCH)
    live = started(kube_api)
    try:
        kube_api.apply(pr("first"))
        live.wait(lambda s: s.health(PR).corrupt_lines == 1, "the corrupt event")
        kube_api.apply(pr("second"))
        live.wait(same(kube_api), "the next object")
    finally:
        live.close()


def test_f12_huge_objects_and_invalid_utf8_are_parsed(kube_api: Any) -> None:
    current = kube_api.apply(pr("fat"))
    bad = {**current, "metadata": {**current["metadata"], "labels": {"bad": "@BAD@"}}}
    kube_api.faults.add(Inject([kf.invalid_utf8_event(bad)], after_events=0), **PR_WATCH)
    live = started(kube_api)
    try:
        live.wait(lambda s: any("invalid UTF-8 replaced" in p for p in s.problems()), "the UTF-8 repair")
        labels = dict(live.ingestor.snapshot().pipeline_runs[("default", "fat")].labels)
        assert labels["bad"].startswith("\ufffd")
        for size in (128 * 1024, 1_500_000):
            kube_api.patch("pipelineruns", "default", "fat", {"metadata": {"annotations": {"pad": "x" * size}}})
            live.wait(same(kube_api), f"a {size}-byte object")
    finally:
        live.close()
    assert live.health(PR).corrupt_lines == 0 and live.health(PR).reconnects == 0


def test_f13_a_stale_event_never_overwrites_a_newer_object(kube_api: Any) -> None:
    old = kube_api.apply(pr("a"))
    new = kube_api.patch_status("pipelineruns", "default", "a", {"startTime": "2025-01-01T00:00:00Z"})
    kube_api.faults.add(Inject([{"type": "MODIFIED", "object": old}, {"type": "ADDED", "object": old}],
                               after_events=0), **PR_WATCH)
    live = started(kube_api)
    try:
        kube_api.apply(pr("b"))
        live.wait(same(kube_api), "the later object")
    finally:
        live.close()
    snap = live.ingestor.snapshot()
    assert snap.pipeline_runs[("default", "a")].resource_version == rv_of(new)
    assert [c.record.resource_version for c in live.changes() if c.record.name == "a"] == [rv_of(new)]


# ---- F14–F16: credentials and RBAC ---------------------------------------------------------------------------


def test_f14_401_mid_session_reloads_credentials_then_waits_unauthorized_then_recovers(kube_api: Any,
                                                                                      tmp_path: Path) -> None:
    kube_api.set_valid_tokens(["old"])
    path, token_file, runs = write_exec_kubeconfig(kube_api, tmp_path, "old")
    kube_api.faults.add(EndStream(after_events=1), times=None, **PR_WATCH)
    live = Live(settings(kube_api, kubeconfig=str(path))).__enter__().synced()
    try:
        runs_at_start = runs.read_text().count("run")
        kube_api.set_valid_tokens(["new"])
        kube_api.apply(pr("while-expired"))
        live.wait(lambda s: s.state(PR) == State.UNAUTHORIZED, "the unauthorized state")
        assert live.health(PR).message == "the token in context test was rejected (401): log in again"
        token_file.write_text("new")
        live.wait(lambda s: s.state(PR) == State.SYNCED and same(kube_api)(s), "the recovery")
    finally:
        live.close()
    assert runs.read_text().count("run") > runs_at_start + 1, "the exec plugin ran again"
    assert len(lists(kube_api)) == 1, "the version was kept: resume, not relist"


def test_f15_403_cluster_wide_falls_back_and_a_forbidden_namespace_is_reprobed(kube_api: Any) -> None:
    kube_api.deny("list", "pipelineruns")
    kube_api.deny("list", "taskruns", "default")
    kube_api.apply(pr("a"))
    kube_api.apply(tr("a-t", "a"))
    live = started(kube_api, settings={"all_namespaces": True})
    try:
        assert live.state("pipelineruns in all namespaces") == State.FORBIDDEN
        assert live.state(TR) == State.FORBIDDEN and live.state(PR) == State.SYNCED
        kube_api.wait_for_requests(3, path_re="/namespaces/default/taskruns$", verb="list")
        kube_api.allow("list", "taskruns", "default")
        live.wait(lambda s: s.state(TR) == State.SYNCED and same(kube_api)(s), "the re-probe")
    finally:
        live.close()
    assert live.ingestor.health().forbidden == ("pipelineruns in all namespaces",)


def test_f16_403_on_watch_only_degrades_to_polling_then_recovers(kube_api: Any) -> None:
    kube_api.deny("watch", "pipelineruns", "default")
    kube_api.apply(pr("a"))
    live = started(kube_api)
    try:
        live.wait(lambda s: s.state(PR) == State.POLLING, "polling")
        kube_api.apply(pr("b"))
        kube_api.delete("pipelineruns", "default", "a")
        live.wait(same(kube_api), "changes seen by polling")
        assert live.ingestor.health().stale_since(live.clock.now() + timedelta(hours=1)) is None
        kube_api.allow("watch", "pipelineruns", "default")
        live.wait(lambda s: s.state(PR) == State.SYNCED, "watching again")
    finally:
        live.close()
    assert "watch forbidden" in next(h for h in health_log(live, PR) if h.state == State.POLLING).message


# ---- F17–F19: the server itself -------------------------------------------------------------------------------


def test_f17_a_restart_is_survived_by_backoff_and_a_relist_without_duplicates(kube_api: Any) -> None:
    for i in range(4):
        kube_api.apply(pr(f"p{i}"))
        kube_api.apply(tr(f"p{i}-t", f"p{i}"))
    live = started(kube_api)
    try:
        kube_api.patch_status("taskruns", "default", "p2-t", {"podName": "before"})  # leaves the PR watcher behind
        live.wait(same(kube_api), "the taskrun change")
        kube_api.restart(down_for=0.5)
        kube_api.apply(pr("during"))
        kube_api.delete("pipelineruns", "default", "p0")
        kube_api.patch_status("taskruns", "default", "p1-t", {"podName": "pod"})
        kube_api.wait_until_up()
        live.wait(lambda s: same(kube_api)(s) and s.state(PR) == State.SYNCED == s.state(TR), "the recovery")
    finally:
        live.close()
    assert live.health(PR).expired == 1 and live.health(PR).relists == 1 and live.health(PR).reconnects >= 1
    assert live.health(TR).expired == 0 and live.health(TR).reconnects >= 1, "the taskruns watcher resumed"
    assert unique_changes(live)


def test_f18_v1_not_served_falls_back_to_v1beta1(make_kube_api: Any) -> None:
    api = make_kube_api(tekton_versions=("v1beta1",))
    api.apply(pr("old-tekton"))
    live = started(api)
    try:
        live.wait(same(api), "the object through v1beta1")
    finally:
        live.close()
    assert all("/tekton.dev/v1beta1/" in r.path for r in api.requests(path_re="runs$"))


def test_f18_tekton_removed_mid_session_is_not_installed_then_comes_back(kube_api: Any) -> None:
    kube_api.faults.add(EndStream(after_events=1), times=None, **PR_WATCH)
    live = started(kube_api)
    try:
        kube_api.set_tekton(False)
        kube_api.apply(pr("a"))
        live.wait(lambda s: s.state(PR) == State.NOT_INSTALLED, "not installed")
        kube_api.set_tekton(True)
        live.wait(lambda s: s.state(PR) == State.SYNCED and same(kube_api)(s), "Tekton back")
    finally:
        live.close()


def test_f19_a_conversion_webhook_failure_is_surfaced_with_a_hint(make_kube_api: Any) -> None:
    api = make_kube_api(tekton_versions=("v1beta1",))
    api.faults.add(kf.webhook_failure(), times=3, **PR_WATCH)
    live = started(api)
    try:
        live.wait(lambda s: s.state(PR) == State.RECONNECTING, "the surfaced error")
        message = live.health(PR).message
        live.wait(lambda s: s.state(PR) == State.SYNCED, "the recovery")
    finally:
        live.close()
    assert "conversion webhook" in message and "(HTTP 500)" in message and "serving v1" in message


# ---- F20–F22 ---------------------------------------------------------------------------------------------------


def test_f20_selector_transitions_become_deleted_and_added(kube_api: Any) -> None:
    kube_api.apply(pr("in", labels={"app": "x"}))
    kube_api.apply(pr("out", labels={"app": "y"}))
    live = started(kube_api, settings={"label_selector": "app=x"})
    try:
        kube_api.set_labels("pipelineruns", "default", "in", {"app": "y"})
        kube_api.set_labels("pipelineruns", "default", "out", {"app": "x"})
        def selected(obj: dict) -> bool:
            return obj["metadata"]["labels"].get("app") == "x"

        live.wait(lambda s: s.store() == cluster(kube_api, "default", selected), "the transitions")
    finally:
        live.close()
    assert [(c.type, c.record.name) for c in live.changes()] == [("ADDED", "in"), ("DELETED", "in"),
                                                                ("ADDED", "out")]


def test_f21_bookmarks_carry_the_version_across_a_disconnect_and_compaction(kube_api: Any) -> None:
    kube_api.bookmark_interval = 0.1
    kube_api.apply(pr("quiet"))
    kube_api.faults.add(EndStream(after_seconds=0.6), times=2, **PR_WATCH)
    kube_api.faults.add(Delay(1.0), nth=2, times=2, **PR_WATCH)
    live = started(kube_api)
    try:
        for i in range(3):
            kube_api.apply(tr(f"busy-{i}", "quiet"))
        second = wait_watches(kube_api, 2)[1]
        kube_api.compact(int(second.query["resourceVersion"]))  # compacted up to the bookmark: still resumable
        third = wait_watches(kube_api, 3)[2]
        kube_api.apply(tr("busy-more", "quiet"))
        kube_api.compact()  # now beyond the bookmark: the held resume gets 410
        live.wait(lambda s: s.health(PR).relists == 1 and same(kube_api)(s), "the relist")
    finally:
        live.close()
    first = watches(kube_api)[0]
    assert int(second.query["resourceVersion"]) > int(first.query["resourceVersion"]), "bookmarks advanced it"
    assert int(third.query["resourceVersion"]) >= int(second.query["resourceVersion"])
    assert len(lists(kube_api)) == 2 and live.health(PR).expired == 1


def test_f22_watch_list_is_never_requested(kube_api: Any) -> None:
    live = started(kube_api)
    try:
        wait_watches(kube_api, 1)
    finally:
        live.close()
    assert not kube_api.requests(sendInitialEvents=None) and lists(kube_api)


# ---- staleness and the soak ------------------------------------------------------------------------------------


def test_a_long_outage_shows_the_stale_marker_and_clears_it_on_recovery(kube_api: Any) -> None:
    clock = FrozenClock(datetime(2025, 10, 27, 18, 0, tzinfo=UTC))
    kube_api.apply(pr("a"))
    live = Live(settings(kube_api), clock=clock).__enter__().synced()
    try:
        kube_api.stop()
        live.wait(lambda s: s.state(PR) == State.RECONNECTING, "the outage")
        assert live.ingestor.snapshot().health.stale_since(clock.now()) is None
        outage_began = clock.now()
        clock.advance(31)
        live.wait(lambda s: s.health(PR).reconnects >= 2, "more retries")
        snap = live.ingestor.snapshot()
        assert snap.health.stale_since(clock.now()) == outage_began
        assert snap.health.summary() == "reconnecting"
        kube_api.start()
        live.wait(lambda s: s.state(PR) == State.SYNCED == s.state(TR), "the recovery")
        assert live.ingestor.snapshot().health.stale_since(clock.now()) is None
    finally:
        live.close()


SOAK_SECONDS = float(os.environ.get("TW_SOAK_SECONDS", "8"))


def test_soak_random_mutations_and_faults_end_with_the_store_equal_to_the_cluster(kube_api: Any) -> None:
    seed = int(os.environ.get("TW_SOAK_SEED", random.randrange(1 << 30)))
    print(f"soak seed: {seed} (replay with TW_SOAK_SEED={seed})")
    rng = random.Random(seed)
    for i in range(6):
        kube_api.apply(pr(f"p{i}"))
    live = Live(settings(kube_api, page_size=3), rng=random.Random(seed)).__enter__().synced()
    try:
        deadline = time.monotonic() + SOAK_SECONDS
        step = 0
        while time.monotonic() < deadline:
            step += 1
            (_mutate if rng.random() < 0.75 else _fault)(kube_api, rng, step)
            time.sleep(rng.uniform(0.0, 0.02))  # pacing the workload, not waiting for a result
        kube_api.faults.clear()
        kube_api.wait_until_up()
        quiet = time.monotonic()
        live.wait(lambda s: same(kube_api)(s) and s.state(PR) == State.SYNCED == s.state(TR),
                  f"quiescence (seed {seed})", timeout=30.0)
    finally:
        live.close()
    counters = {w.name: (w.relists, w.expired, w.reconnects, w.corrupt_lines) for w in live.ingestor.watchers.values()}
    print(f"{step} steps; quiescent after {time.monotonic() - quiet:.2f}s; (relists, expired, reconnects, corrupt):",
          counters)


def _mutate(api: Any, rng: random.Random, step: int) -> None:
    """One random change: create, update, delete a PipelineRun or a TaskRun."""
    runs = api.objects("pipelineruns", "default")
    choice = rng.random() * (0.85 if len(runs) < 12 else 1.0) + (0.0 if len(runs) < 30 else 0.4)
    if choice < 0.35 or not runs:
        api.apply(pr(f"s{step}"))
    elif choice < 0.55:
        api.apply(tr(f"s{step}-t", rng.choice(runs)["metadata"]["name"]))
    elif choice < 0.85:
        obj = rng.choice(runs + api.objects("taskruns", "default"))
        plural = "pipelineruns" if obj["kind"] == "PipelineRun" else "taskruns"
        api.patch_status(plural, "default", obj["metadata"]["name"], {"podName": f"step-{step}"})
    else:
        victim = rng.choice(runs)["metadata"]["name"]
        api.delete("pipelineruns", "default", victim)
        for child in api.objects("taskruns", "default"):
            if child["metadata"]["labels"].get("tekton.dev/pipelineRun") == victim:
                api.delete("taskruns", "default", child["metadata"]["name"])


def _fault(api: Any, rng: random.Random, step: int) -> None:
    """One random fault from F1–F5, F6, F8, F10, F17 on the next matching request."""
    where = {"path_re": rng.choice(["/pipelineruns$", "/taskruns$"])}
    actions = [
        lambda: api.faults.add(EndStream(after_events=rng.randint(0, 3)), watch=True, **where),
        lambda: api.faults.add(CutMidChunk(after_events=rng.randint(0, 2)), watch=True, **where),
        lambda: api.faults.add(CloseStream(after_events=rng.randint(0, 2)), watch=True, **where),
        lambda: api.faults.add(Inject410(after_events=rng.randint(0, 2)), watch=True, **where),
        lambda: api.faults.add(Inject([kf.MALFORMED_LINE], after_events=rng.randint(0, 2)), watch=True, **where),
        lambda: api.faults.add(HttpError(rng.choice([429, 500, 503])), **where),
        lambda: api.faults.add(ExpireContinue(), param="continue", **where),
        lambda: api.faults.add(SplitChunks(max_size=5, delay=0.0), watch=True, **where),
        lambda: api.compact(),
        lambda: api.restart(down_for=rng.uniform(0.05, 0.3)) if api.up else None,
    ]
    rng.choice(actions)()

