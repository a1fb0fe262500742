"""Provides the Kubernetes API test double: a real HTTP(S) server that the `kubernetes` client and `kubectl`
talk to, with Tekton PipelineRuns/TaskRuns, pods, pod logs and events, a global resourceVersion, bounded
history, paginated lists, chunked watches, auth, RBAC and fault injection (k8s-watch.md §5b).

Tests use the pytest fixtures of `tests.kubeapi.plugin` (`kube_api`, `kube_api_tls`, `make_kube_api`) or
`with KubeAPI() as api:`. Product code must never import this package.
"""

from .access import DEFAULT_TOKEN, DEFAULT_USER, RequestRecord
from .faults import (
    BLANK_LINE,
    ERROR_WITHOUT_CODE,
    MALFORMED_LINE,
    UNKNOWN_TYPE,
    Action,
    CloseStream,
    CutMidChunk,
    Delay,
    Drop,
    EndStream,
    ExpireContinue,
    FaultSet,
    HttpError,
    Inject,
    Inject410,
    Match,
    Rule,
    SplitChunks,
    Stall,
    error_event,
    huge_event,
    invalid_utf8_event,
    webhook_failure,
)
from .kubeconfig import TLSMaterial, generate_tls, write_kubeconfig
from .resources import EVENTS, NAMESPACES, PIPELINERUNS, PODS, TASKRUNS, Resource
from .server import KubeAPI
from .state import ADDED, DELETED, MODIFIED, Change

__all__ = [
    "ADDED",
    "BLANK_LINE",
    "DEFAULT_TOKEN",
    "DEFAULT_USER",
    "DELETED",
    "ERROR_WITHOUT_CODE",
    "EVENTS",
    "MALFORMED_LINE",
    "MODIFIED",
    "NAMESPACES",
    "PIPELINERUNS",
    "PODS",
    "TASKRUNS",
    "UNKNOWN_TYPE",
    "Action",
    "Change",
    "CloseStream",
    "CutMidChunk",
    "Delay",
    "Drop",
    "EndStream",
    "ExpireContinue",
    "FaultSet",
    "HttpError",
    "Inject",
    "Inject410",
    "KubeAPI",
    "Match",
    "RequestRecord",
    "Resource",
    "Rule",
    "SplitChunks",
    "Stall",
    "TLSMaterial",
    "error_event",
    "generate_tls",
    "huge_event",
    "invalid_utf8_event",
    "webhook_failure",
    "write_kubeconfig",
]
