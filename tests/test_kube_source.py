"""Tests the live cluster source (issue 4) through the Kubernetes API double, over real sockets: a pipeline that
progresses reaches the store event by event; a clean close resumes without a relist; compaction forces a 410
and one relist with nothing lost or duplicated; pagination survives expiring continue tokens; selectors, names
and scopes (-A, -n, the context's namespace); HTTPS with CA data and a client certificate; exec credential
plugins; and the one-line ``SourceError`` of every startup failure.

The shared helpers (``Live``, ``FAST``…) are in ``kube_helpers``.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from tektonwatch.clock import SystemClock
from tektonwatch.errors import SourceError
from tektonwatch.events import Change, HealthChanged
from tektonwatch.health import State
from tektonwatch.ingest import Ingestor, drain
from tektonwatch.sources.kube import KubeSettings, KubeSource
from tektonwatch.sources.kuberest import LineSplitter
from tektonwatch.sources.kubewatch import Backoff
from tests.builders import PipelineBuilder
from tests.kube_helpers import (
    FAST,
    PR,
    Live,
    Sleeps,
    lists,
    pr,
    same,
    settings,
    tr,
    watches,
    write_exec_kubeconfig,
)
from tests.kubeapi.faults import EndStream, ExpireContinue

# ---- the normal path ------------------------------------------------------------------------------------


def test_a_progressing_pipeline_reaches_the_store_event_by_event(kube_api: Any) -> None:
    pipeline = (PipelineBuilder("build-and-push", namespace="default")
                .task("build", steps=("prepare", "compile"))
                .task("push", run_after=["build"]))
    run = pipeline.run("release-1", start="2025-10-27T18:00:00Z")
    run.task_started("build", "2025-10-27T18:00:00Z", steps_start="2025-10-27T18:00:05Z")
    run.step("build", "prepare", "2025-10-27T18:00:05Z", "2025-10-27T18:01:00Z")
    run.task_finished("build", "2025-10-27T18:02:00Z")
    run.task_started("push", "2025-10-27T18:02:01Z")
    run.task_finished("push", "2025-10-27T18:03:00Z")
    run.finish("2025-10-27T18:03:01Z")
    with Live(settings(kube_api)) as live:
        live.synced()
        assert live.store() == set()
        for moment in sorted(run.change_times()):
            for obj in run.objects(moment):
                kube_api.apply(obj)
            live.wait(same(kube_api), f"the state at {moment}")
        snap = live.ingestor.snapshot()
    final = snap.pipeline_runs[("default", "release-1")]
    assert final.status.value == "Succeeded"
    assert [t.name for t in snap.taskruns_of(final)] == ["release-1-build", "release-1-push"]
    assert all(t.status.value == "Succeeded" for t in snap.taskruns_of(final))
    assert len(lists(kube_api)) == 1, "no relist on the normal path"


def test_snapshot_drain_lists_and_returns(kube_api: Any) -> None:
    for i in range(3):
        kube_api.apply(pr(f"pr-{i}"))
        kube_api.apply(tr(f"pr-{i}-t", f"pr-{i}"))
    snap = drain(KubeSource(settings(kube_api), SystemClock()), Ingestor("kube", SystemClock()), until_synced=True)
    assert sorted(k[1] for k in snap.pipeline_runs) == ["pr-0", "pr-1", "pr-2"]
    assert len(snap.task_runs) == 3
    assert snap.health.synced and snap.health.summary() == "live"


def test_a_clean_close_resumes_from_the_last_version_without_a_relist(kube_api: Any) -> None:
    kube_api.apply(pr("a"))
    kube_api.faults.add(EndStream(after_events=1), path_re="/pipelineruns$", watch=True, times=2)
    sleeps = Sleeps()
    with Live(settings(kube_api), sleep=sleeps) as live:
        live.synced()
        first = kube_api.wait_for_requests(1, path_re="/pipelineruns$", verb="watch")[0]
        changed = kube_api.patch_status("pipelineruns", "default", "a", {"startTime": "2025-01-01T00:00:00Z"})
        second = kube_api.wait_for_requests(2, path_re="/pipelineruns$", verb="watch")[1]
        added = kube_api.apply(pr("b"))
        third = kube_api.wait_for_requests(3, path_re="/pipelineruns$", verb="watch")[2]
        live.wait(same(kube_api), "both objects")
    assert second.query["resourceVersion"] == changed["metadata"]["resourceVersion"]
    assert third.query["resourceVersion"] == added["metadata"]["resourceVersion"]
    assert first.query["resourceVersion"] != second.query["resourceVersion"]
    assert len(lists(kube_api)) == 1
    assert sleeps.delays == [], "a clean close is not an error: no backoff"
    assert live.health(PR).reconnects == 0 and live.health(PR).relists == 0


def test_compaction_forces_a_410_and_one_relist_with_nothing_lost_or_duplicated(kube_api: Any) -> None:
    from tests.kubeapi.faults import Delay

    for name in ("keep", "change", "gone"):
        kube_api.apply(pr(name))
    kube_api.faults.add(EndStream(after_events=1), path_re="/pipelineruns$", watch=True)
    kube_api.faults.add(Delay(1.0), path_re="/pipelineruns$", watch=True, nth=2)
    with Live(settings(kube_api)) as live:
        live.synced()
        kube_api.apply(pr("trigger"))  # ends the first watch cleanly; the resume is held for a second
        resume = kube_api.wait_for_requests(2, path_re="/pipelineruns$", verb="watch")[1]
        kube_api.patch_status("pipelineruns", "default", "change", {"startTime": "2025-01-01T00:00:00Z"})
        kube_api.delete("pipelineruns", "default", "gone")
        kube_api.apply(pr("new"))
        kube_api.compact()
        live.wait(lambda s: s.health(PR) and s.health(PR).relists == 1 and same(kube_api)(s), "the relist")
        after = len(live.changes())
        kube_api.apply(pr("later"))
        live.wait(same(kube_api), "an event after the relist")
    stale = resume.query["resourceVersion"]
    assert [r.query["resourceVersion"] for r in watches(kube_api)].count(stale) == 1, "never re-watch a stale rv"
    assert len(lists(kube_api)) == 2
    assert live.health(PR).expired == 1
    relist = [(c.type, c.record.name) for c in live.changes()[:after] if c.record.name != "trigger"][-3:]
    assert sorted(relist) == [("ADDED", "new"), ("DELETED", "gone"), ("MODIFIED", "change")]
    keys = [(c.type, c.record.name, c.record.resource_version) for c in live.changes()]
    assert len(keys) == len(set(keys)), "no change delivered twice"


def test_pagination_survives_an_expired_continue_token(kube_api: Any) -> None:
    for i in range(7):
        kube_api.apply(pr(f"pr-{i}"))
    kube_api.faults.add(ExpireContinue(), path_re="/pipelineruns$", param="continue", nth=2)
    with Live(settings(kube_api, page_size=2)) as live:
        live.synced()
        live.wait(same(kube_api), "all seven")
    pages = lists(kube_api)
    firsts = [r for r in pages if "continue" not in r.query]
    assert len(firsts) == 2, "the list restarted from the first page after the 410"
    assert all(r.query["limit"] == "2" for r in pages)
    assert len(pages) == 3 + 4 and live.health(PR).expired == 1  # pages 1, 2, expired 3; then 1–4
    assert [c.type for c in live.changes()].count("ADDED") == 7


def test_a_continue_that_keeps_expiring_ends_in_one_unpaginated_list(kube_api: Any) -> None:
    for i in range(5):
        kube_api.apply(pr(f"pr-{i}"))
    kube_api.faults.add(ExpireContinue(), path_re="/pipelineruns$", param="continue", times=None)
    with Live(settings(kube_api, page_size=2)) as live:
        live.synced()
        live.wait(same(kube_api), "all five")
    assert any("limit" not in r.query for r in lists(kube_api))


def test_label_selector_is_sent_and_objects_move_in_and_out(kube_api: Any) -> None:
    kube_api.apply(pr("mine", labels={"team": "a"}))
    kube_api.apply(pr("theirs", labels={"team": "b"}))
    with Live(settings(kube_api, label_selector="team=a")) as live:
        live.synced()
        assert {k[2] for k in live.store()} == {"mine"}
        kube_api.set_labels("pipelineruns", "default", "theirs", {"team": "a"})
        kube_api.set_labels("pipelineruns", "default", "mine", {"team": "b"})
        live.wait(lambda s: {k[2] for k in s.store()} == {"theirs"}, "the selector transitions")
    assert all(r.query.get("labelSelector") == "team=a" for r in kube_api.requests(path_re="runs$")
               if r.query.get("limit") != "1")
    assert [(c.type, c.record.name) for c in live.changes()][-2:] == [("ADDED", "theirs"), ("DELETED", "mine")]


def test_names_keep_only_those_pipelineruns_and_their_taskruns(kube_api: Any) -> None:
    for name in ("wanted", "other"):
        kube_api.apply(pr(name))
        kube_api.apply(tr(f"{name}-build", name))
    with Live(settings(kube_api, names=("wanted",))) as live:
        live.synced()
        kube_api.apply(tr("wanted-push", "wanted"))
        kube_api.apply(tr("other-push", "other"))
        live.wait(lambda s: ("TaskRun", "default", "wanted-push") in {k[:3] for k in s.store()}, "wanted-push")
        names = {k[2] for k in live.store()}
    assert names == {"wanted", "wanted-build", "wanted-push"}


@pytest.mark.parametrize("options, context, expected", [
    ({}, None, {"default"}),
    ({}, "other", {"other"}),
    ({"namespace": "team-a"}, None, {"team-a"}),
    ({"all_namespaces": True}, None, {"default", "other", "team-a"}),
])
def test_scope_follows_n_a_and_the_contexts_namespace(kube_api: Any, options: dict, context: str | None,
                                                      expected: set) -> None:
    for ns in ("default", "other", "team-a"):
        kube_api.apply(pr(f"run-in-{ns}", namespace=ns))
    with Live(settings(kube_api, context=context, **options)) as live:
        live.synced()
        seen = {k[1] for k in live.store()}
    assert seen == expected
    cluster_wide = [r for r in kube_api.requests(path_re="^/apis/tekton.dev/v1/pipelineruns$")]
    assert bool(cluster_wide) == bool(options.get("all_namespaces"))


def test_https_with_ca_data_and_a_client_certificate(kube_api_tls: Any) -> None:
    kube_api_tls.apply(pr("secure"))
    with Live(settings(kube_api_tls)) as live:
        live.synced()
        assert {k[2] for k in live.store()} == {"secure"}
    assert kube_api_tls.url.startswith("https://")
    assert {r.user for r in kube_api_tls.requests(path_re="pipelineruns")} == {"cert-user"}


def test_insecure_skip_tls_verify_with_a_token(kube_api_tls: Any, tmp_path: Path) -> None:
    kube_api_tls.apply(pr("insecure"))
    config = kube_api_tls.write_kubeconfig(tmp_path / "insecure", token="test-token", client_cert=False,
                                           insecure=True)
    with Live(replace(settings(kube_api_tls), kubeconfig=str(config))) as live:
        live.synced()
        assert {k[2] for k in live.store()} == {"insecure"}


def test_an_untrusted_server_certificate_is_a_source_error(kube_api_tls: Any, tmp_path: Path) -> None:
    config = yaml.safe_load(kube_api_tls.kubeconfig.read_text())
    del config["clusters"][0]["cluster"]["certificate-authority-data"]
    path = tmp_path / "no-ca"
    path.write_text(yaml.safe_dump(config))
    with pytest.raises(SourceError, match=r"^cannot reach the cluster at https://127\.0\.0\.1:\d+: .*(certif|TLS)"):
        KubeSource(replace(settings(kube_api_tls), kubeconfig=str(path)), SystemClock()).start()


def test_an_exec_credential_plugin_supplies_the_token(kube_api: Any, tmp_path: Path) -> None:
    kube_api.set_valid_tokens(["from-plugin"])
    kube_api.apply(pr("a"))
    path, _, runs = write_exec_kubeconfig(kube_api, tmp_path, "from-plugin")
    with Live(replace(settings(kube_api), kubeconfig=str(path))) as live:
        live.synced()
        assert {k[2] for k in live.store()} == {"a"}
    assert runs.read_text().count("run") >= 1


def test_kubeconfig_env_with_several_files_is_merged(kube_api: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    config = yaml.safe_load(kube_api.kubeconfig.read_text())
    contexts = {"contexts": config.pop("contexts"), "current-context": config.pop("current-context")}
    (tmp_path / "clusters").write_text(yaml.safe_dump(config))
    (tmp_path / "contexts").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "Config", **contexts}))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}:{tmp_path / 'clusters'}:{tmp_path / 'contexts'}")
    kube_api.apply(pr("a", namespace="other"))
    with Live(KubeSettings(context="other", **FAST)) as live:
        live.synced()
        assert {k[:3] for k in live.store()} == {("PipelineRun", "other", "a")}


def test_record_raw_carries_each_objects_json(kube_api: Any) -> None:
    kube_api.apply(pr("a"))
    with Live(settings(kube_api), record_raw=True) as live:
        live.synced()
        kube_api.patch_status("pipelineruns", "default", "a", {"startTime": "2025-01-01T00:00:00Z"})
        live.wait(lambda s: len(s.changes()) == 2, "the modification")
    raws = [yaml.safe_load(c.raw) for c in live.changes()]
    assert [r["metadata"]["name"] for r in raws] == ["a", "a"]
    assert raws[1]["status"]["startTime"] == "2025-01-01T00:00:00Z"


def test_stop_ends_run_promptly_while_watching_and_while_backing_off(kube_api: Any) -> None:
    kube_api.apply(pr("a"))
    with Live(settings(kube_api)) as live:
        live.synced()
        kube_api.wait_for_requests(1, path_re="/pipelineruns$", verb="watch")
        assert live.close() < 1.0
    slow = settings(kube_api, backoff_initial=60.0, backoff_cap=60.0)
    with Live(slow) as live:
        live.synced()
        kube_api.stop()
        live.wait(lambda s: s.state(PR) == State.RECONNECTING, "the backoff")
        assert live.close() < 1.0


# ---- startup failures: one line saying what to do ---------------------------------------------------------


def start_error(s: KubeSettings) -> str:
    """The SourceError message of running a source with ``s`` until its first sync."""
    with pytest.raises(SourceError) as info:
        drain(KubeSource(s, SystemClock()), Ingestor("kube", SystemClock()), until_synced=True)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_a_rejected_token_at_start(kube_api: Any) -> None:
    kube_api.set_valid_tokens(["something-else"])
    assert start_error(settings(kube_api)) == "the token in context test was rejected (401): log in again"


def test_a_forbidden_namespace_at_start(kube_api: Any) -> None:
    kube_api.deny("list", "pipelineruns", "secret")
    assert start_error(settings(kube_api, namespace="secret")) == (
        "cannot list pipelineruns in namespace secret: forbidden; try -n with a namespace you can read")


def test_a_forbidden_cluster_scope_falls_back_to_the_contexts_namespace(kube_api: Any) -> None:
    kube_api.deny("list", "pipelineruns")
    kube_api.apply(pr("here"))
    kube_api.apply(pr("elsewhere", namespace="other"))
    with Live(settings(kube_api, all_namespaces=True)) as live:
        live.synced()
        assert {k[:3] for k in live.store()} == {("PipelineRun", "default", "here")}
        health = live.ingestor.health()
    assert health.forbidden == ("pipelineruns in all namespaces",)
    assert "watching namespace default instead" in live.health("pipelineruns in all namespaces").message


def test_forbidden_everywhere_is_a_source_error(kube_api: Any) -> None:
    kube_api.deny("list", "pipelineruns", "*")
    message = start_error(settings(kube_api, all_namespaces=True, namespace="team-a"))
    assert message == "cannot list pipelineruns in namespace team-a: forbidden; try -n with a namespace you can read"


def test_tekton_not_installed(make_kube_api: Callable[..., Any]) -> None:
    api = make_kube_api(tekton_versions=())
    assert start_error(settings(api)) == "Tekton is not installed in this cluster: no tekton.dev API group"


def test_an_unreachable_server(kube_api: Any) -> None:
    s = settings(kube_api)
    kube_api.stop()
    assert start_error(s) == (f"cannot reach the cluster at {kube_api.url}: connection refused (is the context "
                              "right? try --context)")


@pytest.mark.parametrize("content, expected", [
    (None, r"^kubeconfig {path}: no such file$"),
    ("clusters: [oops\n", r"^kubeconfig {path}: not valid YAML \(line 2\)$"),
    ("", r"^kubeconfig {path}: .*empty"),
])
def test_a_bad_kubeconfig(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "config"
    if content is not None:
        path.write_text(content)
    message = start_error(KubeSettings(kubeconfig=str(path), **FAST))
    assert re.match(expected.format(path=re.escape(str(path))), message), message


def test_an_unknown_context(kube_api: Any) -> None:
    message = start_error(settings(kube_api, context="prod"))
    assert message == f"kubeconfig {kube_api.kubeconfig}: no context named 'prod' (contexts: test, other)"


def test_no_kubeconfig_and_not_in_a_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    message = start_error(KubeSettings(**FAST))
    assert message.startswith("no kubeconfig found (~/.kube/config) and not running in a cluster")


def test_a_first_listing_that_never_completes_times_out(kube_api: Any) -> None:
    from tests.kubeapi.faults import HttpError

    kube_api.faults.add(HttpError(503), path_re="/taskruns$", times=None)
    message = start_error(settings(kube_api, sync_timeout=0.5))
    assert message.startswith(f"the cluster at {kube_api.url} did not complete the first listing within 0.5s")
    assert "unable to handle the request (HTTP 503)" in message


# ---- units and hygiene -------------------------------------------------------------------------------------


def test_backoff_grows_caps_and_resets_after_a_healthy_period() -> None:
    now = [0.0]
    s = KubeSettings(backoff_initial=1.0, backoff_cap=10.0, backoff_factor=2.0, backoff_jitter=1.0,
                     backoff_reset=120.0)
    b = Backoff(s, random.Random(7), now=lambda: now[0])
    delays = []
    for _ in range(6):
        delays.append(b.next())
        now[0] += 1.0
    assert all(1.0 <= d < 2.0 for d in delays[:1]) and 2.0 <= delays[1] < 4.0 and 4.0 <= delays[2] < 8.0
    assert max(delays) == 10.0 and delays[-1] == 10.0
    now[0] += 121.0
    assert 1.0 <= b.next() < 2.0


def test_the_line_splitter_handles_any_chunking() -> None:
    data = b'{"a":1}\n\n{"b":"' + b"x" * 300_000 + b'"}\n{"c":'
    for size in (1, 7, 4096, len(data)):
        splitter, lines = LineSplitter(), []
        for i in range(0, len(data), size):
            lines.extend(splitter.feed(data[i:i + size]))
        assert lines[0] == b'{"a":1}' and lines[1] == b"" and len(lines[2]) == 300_008
        assert splitter.pending == b'{"c":'


class _NoCluster:
    """A connection that is never used: the test feeds the watcher's lines itself."""

    def client(self, generation: int | None = None) -> tuple[None, int]:
        return None, 0


def test_event_counters_reach_the_published_health_with_the_next_health_record() -> None:
    from datetime import UTC, datetime

    from tektonwatch.clock import FrozenClock
    from tektonwatch.sources.kuberest import Target
    from tektonwatch.sources.kubewatch import Env, Watcher

    clock, published = FrozenClock(datetime(2026, 11, 29, 4, 0, tzinfo=UTC)), []
    env = Env(KubeSettings(), clock, published.append, threading.Event())
    watcher = Watcher(Target("taskruns", "default"), _NoCluster(), "v1", env)  # type: ignore[arg-type]
    for i in range(5):
        clock.advance(2)
        line = json.dumps({"type": "ADDED", "object": tr(f"t{i}", "p")}).encode()
        assert watcher.on_line(line) == 1
    healths = [ev.health for ev in published if isinstance(ev, HealthChanged)]
    assert [(h.events, h.last_event) for h in healths] == [(1, datetime(2026, 11, 29, 4, 0, 2, tzinfo=UTC))]
    clock.advance(30)
    watcher.count(reconnects=1)
    last = [ev.health for ev in published if isinstance(ev, HealthChanged)][-1]
    assert (last.events, last.reconnects) == (5, 1)
    assert last.last_event == datetime(2026, 11, 29, 4, 0, 10, tzinfo=UTC), "when the last event came, not now"
    assert sum(isinstance(ev, Change) for ev in published) == 5


def test_importing_the_source_does_not_import_kubernetes() -> None:
    code = ("import sys, tektonwatch.sources.kube, tektonwatch.sources.kubewatch, tektonwatch.sources.kubeconn, "
            "tektonwatch.sources.kuberest, tektonwatch.sources.kubecache; "
            "print('kubernetes' in sys.modules, 'urllib3' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_context_chosen_with_no_current_context_in_the_file(kube_api: Any, tmp_path: Path) -> None:
    config = yaml.safe_load(kube_api.kubeconfig.read_text())
    del config["current-context"]
    path = tmp_path / "no-current"
    path.write_text(yaml.safe_dump(config))
    kube_api.apply(pr("a", namespace="other"))
    with Live(settings(kube_api, kubeconfig=str(path), context="other")) as live:
        live.synced()
        assert {k[1] for k in live.store()} == {"other"}
    assert start_error(settings(kube_api, kubeconfig=str(path))) == (
        f"kubeconfig {path}: no current context; pass --context (contexts: test, other)")
