"""Provides the connection half of the live source: settings, kubeconfig or in-cluster config, API clients,
request failures as data, discovery of ``tekton.dev`` and the probe that picks the watch scopes.

This module and its siblings ``kube``/``kubewatch`` are the only code that talks to the ``kubernetes`` client,
and they import it lazily (inside functions), so ``tektonwatch --help`` and ``snapshot --from`` never pay for it.
Every request failure leaves here as a ``Failure`` (HTTP status, Status message, Retry-After) and every problem
that makes the source useless as a one-line ``SourceError`` saying what to do. Nothing here writes to a
kubeconfig (``persist_config=False``): tektonwatch only reads.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from tektonwatch.errors import SourceError

GROUP = "tekton.dev"
VERSIONS = ("v1", "v1beta1")
RESOURCES = ("pipelineruns", "taskruns")
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


class Failure(Exception):
    """A request that did not succeed. ``status`` is the HTTP status, or None when the transport failed (refused,
    reset, timed out, TLS); ``message`` is one line; ``retry_after`` comes from ``Retry-After`` or the Status."""

    def __init__(self, status: int | None, message: str, reason: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.retry_after = retry_after

    @property
    def transport(self) -> bool:
        """True when no HTTP answer came back at all."""
        return self.status is None


class _StatusDetails(msgspec.Struct, rename="camel"):
    retry_after_seconds: int | None = None


class _Status(msgspec.Struct, rename="camel"):
    """A ``meta/v1 Status`` as an error body or an in-band ERROR event carries it."""

    kind: str = ""
    code: int | None = None
    reason: str = ""
    message: str = ""
    details: _StatusDetails | None = None


def status_failure(body: bytes | str | None, status: int | None, headers: Any = None) -> Failure:
    """A ``Failure`` from an HTTP status and a (possibly missing or non-Status) body."""
    try:
        st = msgspec.json.decode(body or b"{}", type=_Status)
    except (msgspec.DecodeError, msgspec.ValidationError):
        st = _Status()
    code = status if status is not None else st.code
    retry = _retry_after(headers, st)
    message = one_line(st.message) or f"HTTP {code}"
    return Failure(code, message, st.reason, retry)


def _retry_after(headers: Any, st: _Status) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        if value is not None:
            return float(value)
    except ValueError:
        pass  # an HTTP-date Retry-After: fall back to the Status' own hint below
    return float(st.details.retry_after_seconds) if st.details and st.details.retry_after_seconds else None


def one_line(text: str, limit: int = 300) -> str:
    """``text`` on one line, trimmed: messages must fit a status bar."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def transport_failure(exc: BaseException) -> Failure:
    """Describe a transport error (urllib3, socket, TLS) in a few words, the most telling cause first."""
    chain = _causes(exc)
    for test in _CAUSE_WORDS:
        for cause in chain:
            word = test(cause)
            if word:
                return Failure(None, word)
    return Failure(None, one_line(f"{type(exc).__name__}: {exc}", 200))


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps (urllib3's ``reason``, ``__cause__``, ``__context__``)."""
    chain: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        cur = todo.pop(0)
        if cur is None or any(cur is seen for seen in chain):
            continue
        chain.append(cur)
        reason = getattr(cur, "reason", None)
        todo += [reason if isinstance(reason, BaseException) else None, cur.__cause__, cur.__context__]
    return chain


def _timeout_word(exc: BaseException) -> str:
    from urllib3 import exceptions as u3

    timeouts = (u3.ReadTimeoutError, u3.ConnectTimeoutError, TimeoutError, socket.timeout)
    return "timed out" if isinstance(exc, timeouts) and not isinstance(exc, u3.NewConnectionError) else ""


def _protocol_word(exc: BaseException) -> str:
    from urllib3 import exceptions as u3

    if not isinstance(exc, u3.ProtocolError):
        return ""
    return one_line(f"connection broken ({exc.args[0] if exc.args else exc})", 200)


_CAUSE_WORDS: tuple[Callable[[BaseException], str], ...] = (
    lambda e: "connection refused" if isinstance(e, ConnectionRefusedError) else "",
    lambda e: "unknown host" if isinstance(e, socket.gaierror) else "",
    lambda e: f"TLS certificate not trusted ({e.verify_message})" if isinstance(e, ssl.SSLCertVerificationError)
    else "",
    lambda e: "connection reset" if isinstance(e, ConnectionResetError) else "",
    _timeout_word,
    _protocol_word,
)


def failure_of(exc: BaseException) -> Failure:
    """Any exception a request or a stream read can raise, as a ``Failure``."""
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, Failure):
        return exc
    if isinstance(exc, ApiException):
        if not exc.status:  # the client wraps TLS errors as status 0
            return Failure(None, one_line(str(exc.reason).replace("\n", ": "), 200))
        return status_failure(exc.body, exc.status, exc.headers)
    return transport_failure(exc)


def request_errors() -> tuple[type[BaseException], ...]:
    """The exception types a request or a stream read raises (the client's, urllib3's, sockets')."""
    from kubernetes.client.exceptions import ApiException
    from urllib3.exceptions import HTTPError

    return (ApiException, HTTPError, OSError, ValueError)


@dataclass(frozen=True)
class Target:
    """One watcher's target: a resource in a namespace (None = all namespaces)."""

    plural: str
    namespace: str | None

    @property
    def label(self) -> str:
        """The watcher's name in health: ``pipelineruns in ns`` or ``pipelineruns in all namespaces``."""
        return f"{self.plural} in {self.namespace or 'all namespaces'}"


class Api:
    """One ``ApiClient`` (its own connection pool) and the raw calls the source makes.

    Responses are read as bytes by the caller; every failure is raised as ``Failure``. Not thread-safe: each
    watcher owns one.
    """

    def __init__(self, client: Any, version: str, settings: KubeSettings) -> None:
        from kubernetes import client as k

        self.client = client
        self.version = version
        self.settings = settings
        self.objects = k.CustomObjectsApi(client)

    def get(self, path: str) -> bytes:
        """GET a path (discovery documents) and return its body."""
        def call() -> Any:
            params = self.client.param_serialize(method="GET", resource_path=path,
                                                 header_params={"Accept": "application/json"},
                                                 auth_settings=["BearerToken"])
            rest = self.client.call_api(*params, _request_timeout=self._timeouts(self.settings.request_timeout))
            rest.read()
            if not 200 <= rest.status <= 299:
                raise status_failure(rest.data, rest.status, rest.headers)
            return rest.data
        return self._guard(call)

    def list_page(self, target: Target, cont: str | None, limit: int | None) -> bytes:
        """One page of a LIST (resourceVersion unset: a consistent read); ``cont`` is the continue token."""
        resp = self._guard(lambda: self._call(target, _continue=cont, limit=limit,
                                              _request_timeout=self._timeouts(self.settings.request_timeout)))
        try:
            return self._guard(lambda: resp.data)
        finally:
            resp.release_conn()

    def watch(self, target: Target, rv: str, timeout_seconds: int) -> Any:
        """Open a WATCH from ``rv`` with bookmarks; return the streaming urllib3 response."""
        read = self.settings.watch_read_timeout or timeout_seconds + 30.0
        return self._guard(lambda: self._call(
            target, watch=True, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=timeout_seconds,
            _request_timeout=self._timeouts(read)))

    def close(self) -> None:
        """Drop the connection pool."""
        self.client.close()

    def _call(self, target: Target, **kw: Any) -> Any:
        if self.settings.label_selector:
            kw["label_selector"] = self.settings.label_selector
        if target.namespace is None:
            return self.objects.list_cluster_custom_object(GROUP, self.version, target.plural,
                                                           _preload_content=False, **kw)
        return self.objects.list_namespaced_custom_object(GROUP, self.version, target.namespace, target.plural,
                                                          _preload_content=False, **kw)

    def _timeouts(self, read: float) -> tuple[float, float]:
        return (self.settings.connect_timeout, read)

    @staticmethod
    def _guard(call: Any) -> Any:
        try:
            return call()
        except request_errors() as exc:
            raise failure_of(exc) from exc


def chunks(resp: Any) -> Iterator[bytes]:
    """The body of a streaming response as it arrives; transport errors become ``Failure``."""
    try:
        if resp.chunked and resp.supports_chunked_reads():
            yield from resp.read_chunked(None, decode_content=True)
        else:
            while block := resp.read1(65536):
                yield block
    except request_errors() as exc:
        raise failure_of(exc) from exc


def abort(resp: Any) -> None:
    """Shut a streaming response's socket from another thread, so a blocked read returns at once."""
    try:
        resp.shutdown()
    except (ValueError, RuntimeError, OSError):
        return  # already released or closed: nothing is blocked on it


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

    name = _config_name(paths)
    try:
        contexts, current = kc.list_kube_config_contexts(os.pathsep.join(paths))
    except kc.ConfigException as exc:
        raise SourceError(f"{name}: {one_line(str(exc), 200)}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise SourceError(f"{name}: not valid YAML{where}") from None
    except OSError as exc:
        raise SourceError(f"{name}: cannot read ({exc.strerror or exc})") from None
    return _context_of(name, contexts or [], current, wanted)


def _context_of(name: str, contexts: list[dict], current: dict | None, wanted: str | None) -> tuple[str, str]:
    names = [c.get("name", "") for c in contexts]
    if wanted is None:
        if not current:
            raise SourceError(f"{name}: no current context; pass --context (contexts: {', '.join(names)})")
        wanted = current.get("name", "")
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
