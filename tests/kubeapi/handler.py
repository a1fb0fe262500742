"""Provides the HTTP side of the double: path routing, the request pipeline (log → faults → authn →
authz → endpoint) and the endpoints for discovery, list, watch, get and pod logs.

One handler instance serves one HTTP/1.1 keep-alive connection on a daemon thread. Ordinary responses
carry Content-Length; watches and followed logs use the hand-written chunked writer. Errors are always
Status bodies. Unexpected exceptions are recorded in `api.internal_errors` (they are bugs in the double).
"""

from __future__ import annotations

import json
import select
import socket
import ssl
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from . import status
from .access import RequestRecord
from .faults import Action
from .listing import ListQuery, list_collection, parse_rv, serve_item
from .logs import LogOptions, parse_since_time, since_seconds
from .resources import PODS, Resource
from .table import TableRequest
from .watch import WatchSpec, WatchStream
from .wire import ChunkedWriter, StreamAbort, StreamEnd

# Socket-level failures: the client went away, a fault or restart cut the socket. Never bugs in the double.
DISCONNECTS = (OSError, ssl.SSLError)
_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


def truthy(value: str | None) -> bool:
    """The apiserver's boolean query decoding: absent, "0" and "false" are false, anything else true."""
    return value is not None and value.lower() not in ("0", "false")


@dataclass(frozen=True)
class Route:
    """Where a path points: a discovery document, a collection, or one object (maybe a subresource)."""

    kind: str
    group: str = ""
    version: str = ""
    plural: str = ""
    namespace: str | None = None
    name: str | None = None
    sub: str | None = None


def parse_route(path: str) -> Route:
    """Classify a request path; unknown shapes get kind "unknown" (404)."""
    parts = [unquote(p) for p in path.split("/") if p]
    if parts in ([], ["version"]):
        return Route("root" if not parts else "version")
    head, rest = parts[0], parts[1:]
    if head == "api":
        if not rest:
            return Route("api")
        if rest[0] != "v1":
            return Route("unknown")
        return Route("core") if len(rest) == 1 else _resource_route("", "v1", rest[1:])
    if head == "apis":
        kinds = {0: "groups", 1: "group", 2: "groupversion"}
        if len(rest) in kinds:
            return Route(kinds[len(rest)], *rest)
        return _resource_route(rest[0], rest[1], rest[2:])
    return Route("unknown")


def _resource_route(group: str, version: str, rest: list[str]) -> Route:
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    if len(rest) > 3:
        return Route("unknown")
    name, sub = (rest + [None, None])[1:3]
    return Route("collection" if name is None else "object", group, version, rest[0], namespace, name, sub)


@dataclass(frozen=True)
class FaultContext:
    """What a fault action's `on_request` gets (see faults.RequestContext)."""

    request: RequestRecord
    api: object
    send_error: Callable[[status.ApiError], None]
    drop: Callable[[], None]


def request_verb(method: str, route: Route, query: dict[str, str]) -> str:
    """The Kubernetes verb of a request (what RBAC checks)."""
    if method != "GET":
        return _METHOD_VERBS.get(method, method.lower())
    if route.kind == "collection":
        return "watch" if truthy(query.get("watch")) else "list"
    return "get"


class Handler(BaseHTTPRequestHandler):
    """Serves the requests of one connection."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server_version = "kubeapi-double/1.0"

    # ---- connection lifecycle ----------------------------------------------------------------------

    def setup(self) -> None:
        self.api = self.server.api
        context = self.api.ssl_context
        if context is not None:
            self.request.settimeout(10)
            self.request = context.wrap_socket(self.request, server_side=True)
            self.request.settimeout(None)
        super().setup()
        self.api.track_connection(self.connection, True)

    def finish(self) -> None:
        self.api.track_connection(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        """Silenced: the request log is the record."""

    # ---- answers fault actions may give -------------------------------------------------------------

    def send_error(self, error: status.ApiError, *_: object) -> None:  # type: ignore[override]
        """Answer with a Status body (also BaseHTTPRequestHandler's own protocol errors)."""
        if not isinstance(error, status.ApiError):
            error = status.ApiError(int(error), "bad request")
        self._send_json(error.code, error.body, error.headers)

    def drop(self) -> None:
        """Close the connection without a response."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- pipeline ----------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _dispatch(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        route = parse_route(url.path)
        self.request_record = RequestRecord(
            self.command,
            url.path,
            query,
            dict(self.headers.items()),
            time.time(),
            request_verb(self.command, route, query),
        )
        self.api.request_log.add(self.request_record)
        self._streaming = False
        self._drain_body()
        try:
            actions = self.api.faults.actions_for(self.request_record)
            context = FaultContext(self.request_record, self.api, self.send_error, self.drop)
            if any(action.on_request(context) for action in actions):
                return
            self._serve(route, actions)
        except status.ApiError as err:
            self.send_error(err)
        except DISCONNECTS:
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a bug in the double: record it loudly, answer 500 if possible
            self.api.internal_errors.append(traceback.format_exc())
            self.close_connection = True
            if not self._streaming:
                self.send_error(status.ApiError(500, "Internal error occurred: kubeapi double bug"))

    def _drain_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)

    def _serve(self, route: Route, actions: list[Action]) -> None:
        record = self.request_record
        cert = self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None
        try:
            record.user = self.api.authenticator.authenticate(self.headers.get("Authorization"), cert)
        except status.ApiError:
            if route.kind != "version":  # /version is public (system:public-info-viewer), as on real clusters
                raise
            record.user = "system:anonymous"
        if route.kind not in ("collection", "object"):
            self._send_json(200, self.api.discovery(route))
            return
        res = self.api.served_resource(route)
        ns = route.namespace if res.namespaced else None
        self.api.denies.check(record.user, record.verb, res, ns, route.name, route.sub)
        if self.command != "GET":
            raise status.method_not_allowed()
        if route.kind == "collection":
            (self._watch if record.watch else self._list)(route, res, actions)
        elif route.sub == "log" and res is PODS:
            self._logs(route)
        elif route.sub in (None, "status"):
            self._get(route, res)
        else:
            raise status.path_not_found()

    # ---- endpoints ---------------------------------------------------------------------------------

    def _list(self, route: Route, res: Resource, actions: list[Action]) -> None:
        query = ListQuery.parse(self.request_record.query, res)
        body = list_collection(
            self.api.state, self.api.continue_tokens, res, route.version, route.namespace, query
        )
        table = TableRequest.from_request(self.headers.get("Accept"), self.request_record.query, res)
        if table is not None:
            body = table.render(res, route.version, body["items"], body["metadata"], self.api.state.clock())
        self._send_json(200, body)

    def _get(self, route: Route, res: Resource) -> None:
        obj = self.api.state.get(res.plural, route.namespace or "", route.name)
        if obj is None:
            raise status.not_found(res, route.name)
        self._send_json(200, serve_item(obj, res, route.version) if res.is_crd else obj)

    def _watch(self, route: Route, res: Resource, actions: list[Action]) -> None:
        params = self.request_record.query
        query = ListQuery.parse(params, res)
        if "sendInitialEvents" in params:
            raise status.send_initial_events_forbidden()
        if query.match:
            raise status.invalid_list_options(
                "resourceVersionMatch",
                "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
            )
        since = None if query.rv in (None, "0") else parse_rv(query.rv)
        spec = WatchSpec(
            res,
            route.version,
            route.namespace,
            query,
            since,
            truthy(params.get("allowWatchBookmarks")),
            self.api.watch_seconds(params.get("timeoutSeconds")),
            TableRequest.from_request(self.headers.get("Accept"), params, res),
        )
        out = self._start_stream("application/json")
        try:
            WatchStream(self.api, spec, out, actions, self._client_alive).run()
        except StreamEnd:
            out.terminate()
        except StreamAbort:
            self._abort(out)

    def _logs(self, route: Route) -> None:
        pod = self.api.state.get("pods", route.namespace or "", route.name)
        if pod is None:
            raise status.not_found(PODS, route.name)
        params = self.request_record.query
        container = _log_container(pod, params.get("container"))
        key = (route.namespace or "", route.name, container)
        body, index = self.api.logs.read(key, _log_options(params))
        if not truthy(params.get("follow")):
            self._send_bytes(200, body, "text/plain")
            return
        out = self._start_stream("text/plain")
        out.chunk(body)
        for piece in self.api.logs.follow(key, index, truthy(params.get("timestamps"))):
            if piece:
                out.chunk(piece)
            elif not self._client_alive():
                self._abort(out)
                return
        out.terminate()

    # ---- writing -----------------------------------------------------------------------------------

    def _send_json(self, code: int, body: dict, headers: dict[str, str] | None = None) -> None:
        self._send_bytes(code, json.dumps(body, separators=(",", ":")).encode(), "application/json", headers)

    def _send_bytes(
        self, code: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self._begin(code, content_type, {"Content-Length": str(len(data)), **(headers or {})})
        if self.command != "HEAD":
            self.wfile.write(data)

    def _start_stream(self, content_type: str) -> ChunkedWriter:
        self._begin(200, content_type, {"Transfer-Encoding": "chunked"})
        self._streaming = True
        return ChunkedWriter(self.wfile, self.connection, self.request_record, self.api)

    def _begin(self, code: int, content_type: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        record = getattr(self, "request_record", None)
        if record is not None:
            record.status = code
            self.api.request_log.touch()

    def _abort(self, out: ChunkedWriter) -> None:
        self.close_connection = True
        out.abort()

    def _client_alive(self) -> bool:
        """False once the client closed its side. A streaming client sends nothing, so a readable socket
        means EOF (or, under TLS, a close_notify); reading a stray byte from a live client is harmless."""
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return True
            if not isinstance(sock, ssl.SSLSocket):
                return sock.recv(1, socket.MSG_PEEK) != b""
            return self._tls_peek(sock)
        except (OSError, ValueError):
            return False

    @staticmethod
    def _tls_peek(sock: ssl.SSLSocket) -> bool:
        sock.setblocking(False)
        try:
            return sock.recv(1) != b""
        except ssl.SSLWantReadError:
            return True
        finally:
            sock.setblocking(True)


def _log_container(pod: dict, wanted: str | None) -> str:
    """The container a log request reads, with the real 400s for missing, unknown or waiting ones."""
    name = pod["metadata"]["name"]
    containers = [c["name"] for c in (pod.get("spec") or {}).get("containers", [])]
    if not wanted:
        if len(containers) != 1:
            raise status.bad_request(
                f"a container name must be specified for pod {name}, choose one of: [{' '.join(containers)}]"
            )
        wanted = containers[0]
    if wanted not in containers:
        raise status.bad_request(f"container {wanted} is not valid for pod {name}")
    for cstatus in (pod.get("status") or {}).get("containerStatuses", []):
        waiting = (cstatus.get("state") or {}).get("waiting")
        if cstatus.get("name") == wanted and waiting is not None:
            reason = waiting.get("reason", "ContainerCreating")
            raise status.bad_request(f'container "{wanted}" in pod "{name}" is waiting to start: {reason}')
    return wanted


def _log_options(params: dict[str, str]) -> LogOptions:
    since = None
    if params.get("sinceTime"):
        since = parse_since_time(params["sinceTime"])
    elif params.get("sinceSeconds"):
        since = since_seconds(_int(params, "sinceSeconds"))
    tail = _int(params, "tailLines") if params.get("tailLines") else None
    limit = _int(params, "limitBytes") if params.get("limitBytes") else None
    return LogOptions(truthy(params.get("timestamps")), since, tail, limit)


def _int(params: dict[str, str], name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise status.bad_request(f'invalid value "{params[name]}" for {name}') from None
