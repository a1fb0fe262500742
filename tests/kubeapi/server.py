"""Provides `KubeAPI`, the Kubernetes API server double: a real HTTP(S) server on 127.0.0.1 that the real
`kubernetes` client and `kubectl` talk to, plus the Python API tests use to change and observe it.

Tests mutate state directly (`apply`, `patch`, `patch_status`, `set_labels`, `delete`, `append_log`…),
inject faults (`api.faults`, `restart`, `set_valid_tokens`, `deny`, `set_tekton`, `compact`), and read
the request log (`requests`, `wait_for`). Everything is thread-safe. Tunables tests may set small:
`max_watch_seconds` (caps every watch), `bookmark_interval`, `continue_tokens.ttl`, `state.max_history`.
This class never sleeps on the caller's thread except where a method says it waits.
"""

from __future__ import annotations

import random
import socket
import ssl
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Self

from . import resources, status
from .access import DEFAULT_TOKEN, DEFAULT_USER, Authenticator, DenyTable, RequestLog, RequestRecord
from .faults import FaultSet
from .handler import DISCONNECTS, Handler, Route
from .kubeconfig import DEFAULT_CONTEXTS, TLSMaterial, generate_tls, write_kubeconfig
from .listing import ContinueTokens
from .logs import LogStore
from .resources import TEKTON_GROUP, TEKTON_VERSIONS, Resource
from .state import Change, ClusterState

HOST = "127.0.0.1"


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads, no reverse DNS on bind, and quiet disconnects."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], api: KubeAPI) -> None:
        self.api = api
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_address = self.socket.getsockname()
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], DISCONNECTS):
            self.api.internal_errors.append(traceback.format_exc())


class KubeAPI:
    """The double. Use `with KubeAPI(...) as api:` or `start()`/`stop()`; see the module docstring."""

    def __init__(
        self,
        workdir: Path | str | None = None,
        *,
        tls: bool = False,
        port: int = 0,
        tokens: Mapping[str, str] | Iterable[str] | None = None,
        initial_rv: int = 100,
        max_history: int = 10_000,
        tekton_versions: tuple[str, ...] = TEKTON_VERSIONS,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """`workdir` holds the kubeconfig and TLS files (default: a new temporary directory); `tokens` maps
        bearer tokens to users (default `{"test-token": "test-user"}`; `set_valid_tokens(None)` disables
        authentication); `tls` serves HTTPS with a generated CA and client certificate; `max_history` bounds
        the watch history; `tekton_versions=()` means Tekton is not installed."""
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="kubeapi-"))
        self.state = ClusterState(
            initial_rv=initial_rv, max_history=max_history, **({"clock": clock} if clock else {})
        )
        self.logs = LogStore()
        self.faults = FaultSet()
        self.continue_tokens = ContinueTokens()
        self.authenticator = Authenticator({DEFAULT_TOKEN: DEFAULT_USER} if tokens is None else tokens)
        self.denies = DenyTable()
        self.request_log = RequestLog()
        self.internal_errors: list[str] = []
        self.token = DEFAULT_TOKEN
        self.tekton_versions = tuple(tekton_versions)
        self.max_watch_seconds: float | None = None
        self.default_watch_seconds = (1800.0, 3600.0)
        self.bookmark_interval = 60.0
        self.expired_reason = "Expired"
        self.port = port
        self.tls: TLSMaterial | None = generate_tls() if tls else None
        self.ssl_context = self._ssl_context() if tls else None
        self.kubeconfig: Path | None = None
        self._server: _Server | None = None
        self._connections: set[socket.socket] = set()
        self._life = threading.RLock()
        self._comeback: threading.Timer | None = None
        self._stopped = threading.Event()

    # ---- lifecycle -----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """`http(s)://127.0.0.1:PORT` (stable across restarts)."""
        return f"{'https' if self.tls else 'http'}://{HOST}:{self.port}"

    @property
    def up(self) -> bool:
        """True while the server accepts connections."""
        return self._server is not None

    def start(self) -> KubeAPI:
        """Bind (port 0 picks a free port) and serve on a daemon thread; writes `kubeconfig`."""
        with self._life:
            self._stopped.clear()
            self._bind()
        if self.kubeconfig is None:
            self.kubeconfig = self.write_kubeconfig(self.workdir / "kubeconfig")
        return self

    def stop(self) -> None:
        """Stop serving and end every stream and held request; idempotent."""
        with self._life:
            self._stopped.set()
            if self._comeback is not None:
                self._comeback.cancel()
            self._unbind()

    def restart(self, down_for: float = 0.0, *, wait: bool = False) -> None:
        """F17: cut every connection, refuse connections for `down_for` seconds (the listening socket is
        closed), then serve again on the same port with a fresh history window: rv stays monotonic but
        watches and continue tokens from before the restart get 410. Returns at once unless `wait`."""
        with self._life:
            if self._comeback is not None:
                self._comeback.cancel()  # a restart while down restarts the outage
            self._unbind()
            self.state.compact()
            self.continue_tokens.expire_all()
            if down_for > 0 and not wait:
                self._comeback = threading.Timer(down_for, self._come_back)
                self._comeback.daemon = True
                self._comeback.start()
                return
        if down_for > 0:
            self._stopped.wait(down_for)
        self._come_back()

    def wait_until_up(self, timeout: float = 10.0) -> None:
        """Block until a restart has finished (TimeoutError otherwise)."""
        self.request_log.wait(lambda: self.up, timeout, "the server to come back up")

    def _come_back(self) -> None:
        with self._life:
            if not self._stopped.is_set() and self._server is None:
                self.logs.reopen()
                try:
                    self._bind()
                except OSError:  # the port was taken while down: make the test fail with the reason
                    self.internal_errors.append(traceback.format_exc())

    def _bind(self) -> None:
        if self._server is not None:
            return
        server = _Server((HOST, self.port), self)
        self.port = server.server_address[1]
        threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"kubeapi-{self.port}",
        ).start()
        self._server = server

    def _unbind(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        self.faults.wake_all()
        self.state.close_subscriptions()
        self.logs.close()
        with self._life:
            connections = list(self._connections)
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def track_connection(self, conn: socket.socket, open_: bool) -> None:
        """Called by handlers so restarts and stops can cut live connections."""
        with self._life:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def _ssl_context(self) -> ssl.SSLContext:
        paths = self.tls.write(self.workdir / "tls")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(paths["server_cert"], paths["server_key"])
        context.load_verify_locations(cafile=str(paths["ca_cert"]))
        context.verify_mode = ssl.CERT_OPTIONAL
        return context

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_kubeconfig(
        self,
        path: Path | str,
        *,
        contexts: tuple[tuple[str, str], ...] = DEFAULT_CONTEXTS,
        token: str | None = None,
        client_cert: bool = True,
        insecure: bool = False,
        current: str | None = None,
    ) -> Path:
        """A kubeconfig for this server: the default token (or `token`), and in HTTPS mode CA data and
        (unless `client_cert=False`) the client certificate; `insecure` skips TLS verification instead."""
        tls = self.tls
        use_cert = bool(tls and client_cert)
        return write_kubeconfig(
            Path(path),
            self.url,
            token=token or (None if use_cert else self.token),
            ca_cert=tls.ca_cert if tls and not insecure else None,
            insecure=insecure,
            client_cert=tls.client_cert if use_cert else None,
            client_key=tls.client_key if use_cert else None,
            contexts=contexts,
            current=current,
        )

    # ---- configuration the handlers read -------------------------------------------------------------

    def set_tekton(self, installed: bool = True, versions: tuple[str, ...] = TEKTON_VERSIONS) -> None:
        """F18: serve Tekton at `versions` (v1 first is preferred), or not at all."""
        self.tekton_versions = tuple(versions) if installed else ()

    def served_resource(self, route: Route) -> Resource:
        """The resource a collection/object path names; 404 when it is not served."""
        res = resources.RESOURCES.get(route.plural)
        served = self.tekton_versions if route.group == TEKTON_GROUP else ("v1",)
        if (
            res is None
            or res.group != route.group
            or route.version not in served
            or (route.namespace is not None and not res.namespaced)
        ):
            raise status.path_not_found()
        return res

    def discovery(self, route: Route) -> dict:
        """The discovery document a path names; 404 for groups and versions not served."""
        tekton = route.group == TEKTON_GROUP and bool(self.tekton_versions)
        documents = {
            "root": lambda: {"paths": ["/api", "/api/v1", "/apis", "/version"]},
            "version": resources.version_info,
            "api": lambda: resources.api_versions(f"{HOST}:{self.port}"),
            "core": resources.core_resource_list,
            "groups": lambda: resources.api_group_list(self.tekton_versions),
            "group": (lambda: resources.api_group(self.tekton_versions)) if tekton else None,
            "groupversion": (lambda: resources.group_resource_list(route.version))
            if tekton and route.version in self.tekton_versions
            else None,
        }
        build = documents.get(route.kind)
        if build is None:
            raise status.path_not_found()
        return build()

    def watch_seconds(self, requested: str | None) -> float:
        """A watch's lifetime: `timeoutSeconds`, else random 1800–3600 s, capped by `max_watch_seconds`."""
        seconds = (
            float(requested)
            if requested and requested.isdigit() and int(requested) > 0
            else random.uniform(*self.default_watch_seconds)
        )
        return min(seconds, self.max_watch_seconds) if self.max_watch_seconds is not None else seconds

    # ---- mutation API --------------------------------------------------------------------------------

    @property
    def rv(self) -> int:
        """The current global resourceVersion."""
        return self.state.rv

    def apply(self, obj: dict) -> dict:
        """Create or replace an object (its apiVersion/kind pick the resource); returns the stored copy."""
        return self.state.apply(obj)

    def patch(
        self, resource: str, namespace: str, name: str, change: Callable[[dict], dict | None] | dict
    ) -> dict:
        """Change an object with a function or a JSON merge patch."""
        return self.state.patch(resource, namespace, name, change)

    def patch_status(self, resource: str, namespace: str, name: str, status_patch: dict) -> dict:
        """Merge `status_patch` into `.status` (a status-subresource patch: spec and labels untouched)."""
        return self.state.patch(resource, namespace, name, {"status": status_patch}, status_only=True)

    def set_labels(self, resource: str, namespace: str, name: str, labels: dict[str, str | None]) -> dict:
        """Merge labels (None removes one): moves objects in and out of watch selectors (F20)."""
        return self.state.patch(resource, namespace, name, {"metadata": {"labels": labels}})

    def delete(self, resource: str, namespace: str, name: str) -> dict:
        """Delete an object; deleting a pod also ends its followed log streams."""
        deleted = self.state.delete(resource, namespace, name)
        if resources.resolve(resource) is resources.PODS:
            self.logs.finish(namespace, name)
        return deleted

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        """A copy of one stored object, or None."""
        return self.state.get(resource, namespace, name)

    def objects(self, resource: str, namespace: str | None = None) -> list[dict]:
        """Copies of the current objects of a resource, sorted by (namespace, name)."""
        return self.state.objects(resource, namespace)

    def history(self) -> list[Change]:
        """The retained history, oldest first: `change.prev` gives older states to replay as stale (F13)."""
        return self.state.history()

    @property
    def watch_count(self) -> int:
        """How many watches are subscribed right now (wait on it to know a client is live)."""
        return self.state.subscription_count()

    def compact(self, to_rv: int | None = None) -> int:
        """F4/F21: forget history up to `to_rv` (default: now); returns the new floor."""
        return self.state.compact(to_rv)

    def expire_continue_tokens(self) -> None:
        """F5: every continue token issued so far answers 410 Expired."""
        self.continue_tokens.expire_all()

    def append_log(
        self, namespace: str, pod: str, container: str, line: str, time: datetime | None = None
    ) -> None:
        """Add a log line to a container (shown by `pods/{pod}/log`, pushed to followers)."""
        self.logs.append(namespace, pod, container, line, time)

    def finish_container(self, namespace: str, pod: str, container: str | None = None) -> None:
        """End followed log streams of a container (or of the whole pod)."""
        self.logs.finish(namespace, pod, container)

    # ---- auth ------------------------------------------------------------------------------------------

    def set_valid_tokens(self, tokens: Mapping[str, str] | Iterable[str] | None) -> None:
        """F14: replace the accepted bearer tokens (plain strings act as `test-user`; None disables auth)."""
        self.authenticator.set_tokens(tokens)

    def deny(self, verb: str, resource: str, namespace: str | None = None, group: str | None = None) -> None:
        """F15/F16: RBAC-deny `verb` on `resource` at the cluster scope (namespace None), in one
        namespace, or everywhere ("*")."""
        self.denies.deny(verb, resource, namespace, group)

    def allow(self, verb: str, resource: str, namespace: str | None = None, group: str | None = None) -> None:
        """Undo one `deny` with the same arguments."""
        self.denies.allow(verb, resource, namespace, group)

    # ---- observation -----------------------------------------------------------------------------------

    def requests(
        self,
        path_re: str | None = None,
        verb: str | None = None,
        method: str | None = None,
        **query: str | None,
    ) -> list[RequestRecord]:
        """Logged requests, filtered (see RequestLog.select)."""
        return self.request_log.select(path_re, verb, method, **query)

    def clear_requests(self) -> None:
        """Forget the request log so far."""
        self.request_log.clear()

    def wait_for(
        self, predicate: Callable[[], object], timeout: float = 10.0, message: str = "a condition"
    ) -> object:
        """Block until `predicate()` is truthy (TimeoutError after `timeout`); returns its value."""
        return self.request_log.wait(predicate, timeout, message)

    def wait_for_requests(
        self,
        count: int = 1,
        timeout: float = 10.0,
        path_re: str | None = None,
        verb: str | None = None,
        **query: str | None,
    ) -> list[RequestRecord]:
        """Block until at least `count` matching requests were logged; returns them."""

        def found() -> list[RequestRecord]:
            hits = self.request_log.select(path_re, verb, **query)
            return hits if len(hits) >= count else []

        return self.request_log.wait(
            found, timeout, f"{count} request(s) path_re={path_re!r} verb={verb!r} {query}"
        )
