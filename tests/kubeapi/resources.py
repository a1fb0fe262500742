"""Provides the resource types the double serves and the discovery documents that describe them.

Holds no state: everything here is a constant or a pure function of its arguments. The shapes copy a
real kube-apiserver with Tekton Pipelines installed (legacy discovery only; aggregated discovery requests
fall back to these documents because `application/json` is always among the accepted types).
"""

from __future__ import annotations

from dataclasses import dataclass, field

TEKTON_GROUP = "tekton.dev"
TEKTON_VERSIONS = ("v1", "v1beta1")

CRD_FIELDS = ("metadata.name", "metadata.namespace")
POD_FIELDS = CRD_FIELDS + (
    "spec.nodeName",
    "spec.restartPolicy",
    "spec.schedulerName",
    "spec.serviceAccountName",
    "spec.hostNetwork",
    "status.phase",
    "status.podIP",
    "status.podIPs",
    "status.nominatedNodeName",
)
EVENT_FIELDS = CRD_FIELDS + (
    "involvedObject.kind",
    "involvedObject.namespace",
    "involvedObject.name",
    "involvedObject.uid",
    "involvedObject.apiVersion",
    "involvedObject.resourceVersion",
    "involvedObject.fieldPath",
    "reason",
    "reportingComponent",
    "source",
    "type",
)
NAMESPACE_FIELDS = ("metadata.name", "status.phase")

_ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
_CRD_VERBS = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]


@dataclass(frozen=True)
class Resource:
    """One served resource type; `plural` is its identity inside the double."""

    plural: str
    singular: str
    kind: str
    group: str
    versions: tuple[str, ...]
    namespaced: bool = True
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    fields: tuple[str, ...] = CRD_FIELDS
    printer_columns: tuple[tuple[str, str, str], ...] = field(default=())

    @property
    def is_crd(self) -> bool:
        """True for the Tekton custom resources (different selector errors, items carry kind)."""
        return bool(self.group)

    @property
    def group_resource(self) -> str:
        """The `plural.group` spelling used in error messages (`pipelineruns.tekton.dev`, `pods`)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def list_kind(self) -> str:
        """The kind of a list response, e.g. `PipelineRunList`."""
        return f"{self.kind}List"

    def api_version(self, version: str) -> str:
        """The apiVersion string of objects served at `version`."""
        return f"{self.group}/{version}" if self.group else version

    def discovery_entries(self) -> list[dict]:
        """APIResource entries for this type and its subresources, as discovery lists them."""
        main = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(_CRD_VERBS if self.is_crd else _ALL_VERBS),
        }
        if self.short_names:
            main["shortNames"] = list(self.short_names)
        if self.categories:
            main["categories"] = list(self.categories)
        subs = [
            {
                "name": f"{self.plural}/{sub}",
                "singularName": "",
                "namespaced": self.namespaced,
                "kind": self.kind,
                "verbs": ["get"] if sub == "log" else ["get", "patch", "update"],
            }
            for sub in self.subresources
        ]
        return [main, *subs]


_TEKTON_COLUMNS = (
    ("Succeeded", "string", '.status.conditions[?(@.type=="Succeeded")].status'),
    ("Reason", "string", '.status.conditions[?(@.type=="Succeeded")].reason'),
    ("StartTime", "date", ".status.startTime"),
    ("CompletionTime", "date", ".status.completionTime"),
)

PIPELINERUNS = Resource(
    "pipelineruns",
    "pipelinerun",
    "PipelineRun",
    TEKTON_GROUP,
    TEKTON_VERSIONS,
    short_names=("pr", "prs"),
    categories=("tekton", "tekton-pipelines"),
    subresources=("status",),
    printer_columns=_TEKTON_COLUMNS,
)
TASKRUNS = Resource(
    "taskruns",
    "taskrun",
    "TaskRun",
    TEKTON_GROUP,
    TEKTON_VERSIONS,
    short_names=("tr", "trs"),
    categories=("tekton", "tekton-pipelines"),
    subresources=("status",),
    printer_columns=_TEKTON_COLUMNS,
)
PODS = Resource(
    "pods",
    "pod",
    "Pod",
    "",
    ("v1",),
    short_names=("po",),
    categories=("all",),
    subresources=("log", "status"),
    fields=POD_FIELDS,
)
EVENTS = Resource("events", "event", "Event", "", ("v1",), short_names=("ev",), fields=EVENT_FIELDS)
NAMESPACES = Resource(
    "namespaces",
    "namespace",
    "Namespace",
    "",
    ("v1",),
    namespaced=False,
    short_names=("ns",),
    subresources=("status",),
    fields=NAMESPACE_FIELDS,
)

RESOURCES: dict[str, Resource] = {r.plural: r for r in (PIPELINERUNS, TASKRUNS, PODS, EVENTS, NAMESPACES)}


def resolve(name: str) -> Resource:
    """Find a resource by plural, singular, short name or kind (case-insensitive); ValueError if unknown."""
    wanted = name.lower().split(".")[0]
    for res in RESOURCES.values():
        if wanted in (res.plural, res.singular, res.kind.lower(), *res.short_names):
            return res
    raise ValueError(f"unknown resource {name!r}; known: {sorted(RESOURCES)}")


def resource_for_object(obj: dict) -> Resource:
    """The resource an object belongs to, decided by its apiVersion and kind; ValueError if not served."""
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    group, _, version = api_version.rpartition("/")
    for res in RESOURCES.values():
        if res.kind == kind and res.group == group and version in res.versions:
            return res
    raise ValueError(f"the double does not serve apiVersion={api_version!r} kind={kind!r}")


def api_versions(address: str) -> dict:
    """The `/api` document (APIVersions)."""
    return {
        "kind": "APIVersions",
        "apiVersion": "v1",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}],
    }


def core_resource_list() -> dict:
    """The `/api/v1` document (APIResourceList of the core types the double serves)."""
    entries = [e for res in RESOURCES.values() if not res.group for e in res.discovery_entries()]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": "v1",
        "resources": sorted(entries, key=lambda e: e["name"]),
    }


def _group_versions(versions: tuple[str, ...]) -> dict:
    entries = [{"groupVersion": f"{TEKTON_GROUP}/{v}", "version": v} for v in versions]
    return {"name": TEKTON_GROUP, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(tekton_versions: tuple[str, ...]) -> dict:
    """The `/apis` document; Tekton is listed only when some version is served."""
    groups = [_group_versions(tekton_versions)] if tekton_versions else []
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(tekton_versions: tuple[str, ...]) -> dict:
    """The `/apis/tekton.dev` document (APIGroup); callers ensure some version is served."""
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_versions(tekton_versions)}


def group_resource_list(version: str) -> dict:
    """The `/apis/tekton.dev/{version}` document (APIResourceList)."""
    entries = [e for res in RESOURCES.values() if res.group == TEKTON_GROUP for e in res.discovery_entries()]
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{TEKTON_GROUP}/{version}",
        "resources": entries,
    }


def version_info() -> dict:
    """The `/version` document of a 1.32 server."""
    return {
        "major": "1",
        "minor": "32",
        "gitVersion": "v1.32.0",
        "gitCommit": "0" * 40,
        "gitTreeState": "clean",
        "buildDate": "2024-12-11T00:00:00Z",
        "goVersion": "go1.23.3",
        "compiler": "gc",
        "platform": "linux/amd64",
    }
