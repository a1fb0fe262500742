"""Provides the tests of the Kubernetes API double through the real `kubernetes` client over real sockets.

They pin the wire behaviour the live source relies on (k8s-watch.md §1 and §5b): discovery, lists with
pagination and selectors, auth, RBAC and HTTPS (watches: ``test_kubeapi_watch``; pod logs, events and fault
actions: ``test_kubeapi_faults``). Every wait is a condition with a deadline, never a fixed sleep.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from tests.kubeapi import KubeAPI
from tests.kubeapi_client import G, event, names, pipelinerun, raw_get, status_of

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
