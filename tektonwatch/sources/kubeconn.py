"""Provides the connection half of the live source: settings, kubeconfig or in-cluster config, API clients,
discovery of ``tekton.dev`` and the probe that picks the watch scopes.

The ``kube*`` modules of this package are the only code that talks to the ``kubernetes`` client, and they
import it lazily (inside functions), so ``tektonwatch --help`` and ``snapshot --from`` never pay for it. Every
problem that makes the source useless leaves here as a one-line ``SourceError`` saying what to do. Nothing here
writes to a kubeconfig (``persist_config=False``): tektonwatch only reads.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import msgspec

from tektonwatch.errors import SourceError
from tektonwatch.sources.kuberest import GROUP, RESOURCES, VERSIONS, Api, Failure, Target, one_line

IN_CLUSTER_NAMESPACE = "/var/run/secrets/kubernetes.io/serviceaccount/namespace"


@dataclass(frozen=True)
class KubeSettings:
    """What to watch and how patiently. All durations are seconds; the defaults follow client-go's reflector.

    Scope: ``namespace`` (None = the context's namespace, as kubectl does; ``default`` when the context names
    none), ``all_namespaces`` (one cluster-wide watcher per resource; on 403 it falls back to ``namespace`` or
    the context's namespace), ``label_selector`` (``-l``, sent to the server), ``names`` (PipelineRun names to
    keep, filtered client side; TaskRuns are kept by their ``tekton.dev/pipelineRun`` label).
    Tunables (tests may set them small; they are settings, not test hooks):
    ``page_size`` list page (``limit``); ``watch_timeout`` the range the server ``timeoutSeconds`` is drawn from;
    ``connect_timeout``; ``request_timeout`` read timeout of list and discovery requests; ``watch_read_timeout``
    the inactivity limit on a watch stream so a half-open connection cannot hang (None = server timeout + 30);
    ``backoff_*`` exponential backoff with jitter (delay = base * (1 + jitter * U[0,1)), capped; the base
    resets after ``backoff_reset`` seconds without a failure); ``short_watch`` a watch that ends sooner with no
    event counts as a failure; ``poll_interval`` relist period while watch is forbidden but list is not;
    ``slow_retry`` re-probe period while forbidden or Tekton is missing; ``unauthorized_retry`` retry period
    after a rejected credential; ``stale_after`` how long a watcher may be out of sync before the picture is
    marked stale; ``sync_timeout`` give up (``SourceError``) when the first listing is not complete by then
    (None = keep trying: live front ends).
    """

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    all_namespaces: bool = False
    label_selector: str | None = None
    names: tuple[str, ...] = ()
    page_size: int = 500
    watch_timeout: tuple[int, int] = (300, 600)
    connect_timeout: float = 10.0
    request_timeout: float = 60.0
    watch_read_timeout: float | None = None
    backoff_initial: float = 0.8
    backoff_cap: float = 30.0
    backoff_factor: float = 2.0
    backoff_jitter: float = 1.0
    backoff_reset: float = 120.0
    short_watch: float = 1.0
    poll_interval: float = 30.0
    slow_retry: float = 300.0
    unauthorized_retry: float = 60.0
    stale_after: float = 30.0
    sync_timeout: float | None = None


class Connection:
    """A loaded kubeconfig context (or in-cluster config) that hands out API clients.

    ``reload`` loads the configuration again (exec credential plugins run again); it is shared by all watchers
    and coalesced: a watcher that holds an older generation just gets a client of the current one.
    """

    def __init__(self, settings: KubeSettings) -> None:
        self.settings = settings
        self.paths: list[str] = []
        self.context = ""
        self.context_namespace = "default"
        self.host = ""
        self.generation = 0
        self._lock = threading.Lock()
        self._config: Any = None

    @property
    def where(self) -> str:
        """Where the configuration came from, for messages."""
        return ":".join(self.paths) if self.paths else "in-cluster config"

    def load(self) -> None:
        """Read the kubeconfig (or in-cluster config); raise ``SourceError`` saying what is wrong."""
        self.paths = kubeconfig_paths(self.settings.kubeconfig, os.environ.get("KUBECONFIG"))
        if self.paths:
            self.context, self.context_namespace = pick_context(self.paths, self.settings.context)
        self._config = self._load_config()
        self.host = self._config.host

    def client(self, generation: int | None = None) -> tuple[Any, int]:
        """A new ApiClient and the configuration generation it was built from."""
        from kubernetes.client import ApiClient

        with self._lock:
            if generation is not None and generation >= self.generation:
                self._config = self._load_config()
                self.generation += 1
            return ApiClient(configuration=self._config), self.generation

    def _load_config(self) -> Any:
        from kubernetes import client as k
        from kubernetes import config as kc

        cfg = type.__call__(k.Configuration)
        try:
            if self.paths:
                kc.load_kube_config(config_file=os.pathsep.join(self.paths), context=self.context,
                                    client_configuration=cfg, persist_config=False)
            else:
                kc.load_incluster_config(client_configuration=cfg)
                self.context_namespace = _read_text(IN_CLUSTER_NAMESPACE) or "default"
        except kc.ConfigException as exc:
            raise SourceError(f"{_config_name(self.paths)}: {one_line(str(exc), 200)}") from None
        except (ValueError, TypeError, AttributeError, KeyError, OSError) as exc:  # malformed entries, bad data
            raise SourceError(f"{_config_name(self.paths)}: unusable ({one_line(str(exc), 160)})") from None
        cfg.retries = False  # the watchers back off themselves; no hidden retries inside urllib3
        cfg.connection_pool_maxsize = 2
        if not cfg.verify_ssl:
            _quiet_insecure_warnings()
        return cfg


def _quiet_insecure_warnings() -> None:
    """The kubeconfig asked for insecure-skip-tls-verify: say nothing on every request (kubectl does not)."""
    import urllib3

    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)


def _config_name(paths: list[str]) -> str:
    return f"kubeconfig {os.pathsep.join(paths)}" if paths else "in-cluster config"


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def kubeconfig_paths(explicit: str | None, env: str | None) -> list[str]:
    """The kubeconfig files to merge, as kubectl picks them: ``--kubeconfig``, else every existing file of
    ``KUBECONFIG``, else ``~/.kube/config``; empty = in-cluster config. Raise ``SourceError`` when none fits."""
    if explicit:
        path = os.path.expanduser(explicit)
        if not os.path.isfile(path):
            what = "is a directory" if os.path.isdir(path) else "no such file"
            raise SourceError(f"kubeconfig {explicit}: {what}")
        return [path]
    if env:
        found = [os.path.expanduser(p) for p in env.split(os.pathsep) if p and os.path.isfile(os.path.expanduser(p))]
        if found:
            return found
    default = os.path.expanduser("~/.kube/config")
    if not env and os.path.isfile(default):
        return [default]
    if os.environ.get("KUBERNETES_SERVICE_HOST"):
        return []
    looked = f"KUBECONFIG={env}" if env else "~/.kube/config"
    raise SourceError(f"no kubeconfig found ({looked}) and not running in a cluster: pass --kubeconfig or set "
                      f"KUBECONFIG")


def pick_context(paths: list[str], wanted: str | None) -> tuple[str, str]:
    """The context to use and its namespace; raise ``SourceError`` for a bad file or an unknown context."""
    import yaml
    from kubernetes import config as kc
    from kubernetes.config.kube_config import KubeConfigMerger

    name = _config_name(paths)
    try:
        merged = KubeConfigMerger(os.pathsep.join(paths)).config
    except kc.ConfigException as exc:
        raise SourceError(f"{name}: {one_line(str(exc), 200)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SourceError(f"{name}: not valid YAML{where}") from None
    except OSError as exc:
        raise SourceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    except (AttributeError, TypeError, KeyError):
        raise SourceError(f"{name}: not a kubeconfig (expected clusters, users and contexts)") from None
    value = merged.value if merged is not None and isinstance(merged.value, dict) else {}
    contexts = [getattr(c, "value", c) for c in value.get("contexts") or ()]
    return _context_of(name, [c for c in contexts if isinstance(c, dict)], value.get("current-context"), wanted)


def _context_of(name: str, contexts: list[dict], current: str | None, wanted: str | None) -> tuple[str, str]:
    """The chosen context (``wanted``, else the current one) and its namespace (``default`` if it has none)."""
    names = [str(c.get("name", "")) for c in contexts]
    wanted = wanted or current
    if not wanted:
        raise SourceError(f"{name}: no current context; pass --context (contexts: {', '.join(names) or 'none'})")
    chosen = next((c for c in contexts if c.get("name") == wanted), None)
    if chosen is None:
        raise SourceError(f"{name}: no context named {wanted!r} (contexts: {', '.join(names) or 'none'})")
    namespace = (chosen.get("context") or {}).get("namespace") or "default"
    return wanted, namespace


def discover(api: Api, conn: Connection) -> str:
    """The tekton.dev version to watch: v1 when it serves pipelineruns and taskruns, else v1beta1.

    Raise ``SourceError`` when Tekton is absent, the credentials are rejected or the server cannot be reached.
    """
    try:
        group = msgspec.json.decode(api.get(f"/apis/{GROUP}"), type=_Group)
    except Failure as f:
        if f.status == 404:
            raise SourceError(f"Tekton is not installed in this cluster: no {GROUP} API group") from None
        raise startup_error(f, conn, f"/apis/{GROUP}") from None
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise SourceError(f"the server at {conn.host} answered /apis/{GROUP} with something that is not an "
                          "APIGroup: is it a Kubernetes API server?") from None
    served = {v.version for v in group.versions}
    for version in VERSIONS:
        if version in served and _serves_runs(api, conn, version):
            return version
    raise SourceError(f"Tekton is not installed in this cluster: {GROUP} serves no pipelineruns and taskruns "
                      f"in {' or '.join(VERSIONS)}")


class _GroupVersion(msgspec.Struct):
    version: str = ""


class _Group(msgspec.Struct):
    versions: list[_GroupVersion] = []


class _ApiResource(msgspec.Struct):
    name: str = ""


class _ResourceList(msgspec.Struct):
    resources: list[_ApiResource] = []


def _serves_runs(api: Api, conn: Connection, version: str) -> bool:
    try:
        doc = msgspec.json.decode(api.get(f"/apis/{GROUP}/{version}"), type=_ResourceList)
    except Failure as f:
        if f.status == 404:
            return False
        raise startup_error(f, conn, f"/apis/{GROUP}/{version}") from None
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    return set(RESOURCES) <= {r.name for r in doc.resources}


def startup_error(f: Failure, conn: Connection, what: str) -> SourceError:
    """The one-line ``SourceError`` for a failure before anything could be listed."""
    if f.transport:
        return SourceError(f"cannot reach the cluster at {conn.host}: {f.message} (is the context right? try "
                           f"--context)")
    if f.status == 401:
        ctx = f"context {conn.context}" if conn.context else "the in-cluster service account"
        return SourceError(f"the token in {ctx} was rejected (401): log in again")
    if f.status == 403:
        return SourceError(f"forbidden to read {what} ({f.message}): ask for read access to {GROUP}")
    return SourceError(f"the cluster at {conn.host} failed on {what}: {f.message} (HTTP {f.status})")


def probe(api: Api, target: Target) -> Failure | None:
    """List one item of ``target``: None when allowed, the ``Failure`` otherwise (403 = forbidden)."""
    try:
        api.list_page(target, None, 1)
    except Failure as f:
        return f
    return None
