"""Provides the HTTP layer of the live source: requests as raw bytes, failures as data, streams as lines.

``Api`` wraps one ``kubernetes`` ``ApiClient`` (one connection pool) and makes the only calls the source needs —
discovery GETs, list pages and watches of the Tekton resources — with ``_preload_content=False`` so bodies are
read as bytes and decoded with msgspec. Every exception a request or a stream read can raise (the client's
``ApiException``, urllib3's, sockets', TLS) leaves as a ``Failure``: the HTTP status (None for transport
failures), the Status message in one line, and ``Retry-After``. ``LineSplitter`` and the envelope structs read
watch streams. The ``kubernetes`` and ``urllib3`` packages are imported lazily, inside functions.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from tektonwatch.model.wire import Event

if TYPE_CHECKING:
    from tektonwatch.sources.kubeconn import KubeSettings

GROUP = "tekton.dev"
VERSIONS = ("v1", "v1beta1")
RESOURCES = ("pipelineruns", "taskruns")


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
    """Seconds from a numeric ``Retry-After`` header, else from the Status' ``retryAfterSeconds``."""
    value = str(headers.get("Retry-After") or "") if headers is not None else ""
    if value.strip().isdigit():
        return float(value)
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
    watcher owns one — except ``abort``, which another thread may call to unblock a read in progress.
    """

    def __init__(self, client: Any, version: str, settings: KubeSettings) -> None:
        from kubernetes import client as k

        self.client = client
        self.version = version
        self.settings = settings
        self.objects = k.CustomObjectsApi(client)
        self.active: Any = None  # the response being read (a list page or a watch stream)

    def abort(self) -> None:
        """Shut the socket of the response being read, so the reading thread returns at once."""
        resp = self.active
        if resp is not None:
            abort(resp)

    def get(self, path: str, query: list[tuple[str, str]] | None = None, accept: str = "application/json") -> bytes:
        """GET a path (discovery documents, a pod's log, events) and return its body."""
        def call() -> Any:
            params = self.client.param_serialize(method="GET", resource_path=path, query_params=query or [],
                                                 header_params={"Accept": accept}, auth_settings=["BearerToken"])
            rest = self.client.call_api(*params, _request_timeout=self._timeouts(self.settings.request_timeout))
            rest.read()
            if not 200 <= rest.status <= 299:
                raise status_failure(rest.data, rest.status, rest.headers)
            return rest.data
        return self._guard(call)

    def list_page(self, target: Target, cont: str | None, limit: int | None) -> bytes:
        """One page of a LIST (resourceVersion unset: a consistent read); ``cont`` is the continue token."""
        resp = self.active = self._guard(lambda: self._call(
            target, _continue=cont, limit=limit, _request_timeout=self._timeouts(self.settings.request_timeout)))
        try:
            return self._guard(lambda: resp.data)
        finally:
            self.active = None
            resp.release_conn()

    def watch(self, target: Target, rv: str, timeout_seconds: int) -> Any:
        """Open a WATCH from ``rv`` with bookmarks; return the streaming urllib3 response (``active`` until
        ``finish``)."""
        read = self.settings.watch_read_timeout or timeout_seconds + 30.0
        self.active = self._guard(lambda: self._call(
            target, watch=True, resource_version=rv, allow_watch_bookmarks=True, timeout_seconds=timeout_seconds,
            _request_timeout=self._timeouts(read)))
        return self.active

    def finish(self, resp: Any) -> None:
        """Done with a watch: close it (a broken connection must not go back to the pool)."""
        self.active = None
        resp.close()

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


class LineSplitter:
    """Splits a byte stream on ``\\n`` whatever the chunking (1-byte chunks, multi-MiB lines) in linear time."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.scanned = 0

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        """Add ``chunk``; yield every line it completes (without the newline)."""
        self.buf += chunk
        start = 0
        while (end := self.buf.find(b"\n", max(start, self.scanned))) >= 0:
            yield bytes(self.buf[start:end])
            start = end + 1
        del self.buf[:start]
        self.scanned = len(self.buf)

    @property
    def pending(self) -> bytes:
        """Bytes after the last newline (a line the stream never finished)."""
        return bytes(self.buf)


class _Meta(msgspec.Struct, rename="camel"):
    resource_version: str = ""
    continue_: str = msgspec.field(default="", name="continue")


class _Obj(msgspec.Struct):
    metadata: _Meta = msgspec.field(default_factory=_Meta)


class Page(msgspec.Struct):
    metadata: _Meta = msgspec.field(default_factory=_Meta)
    items: list[msgspec.Raw] | None = None


EVENT = msgspec.json.Decoder(Event)  # one watch line; ``object`` stays raw until the type says what it is
PAGE = msgspec.json.Decoder(Page)
OBJ = msgspec.json.Decoder(_Obj)
CHANGES = ("ADDED", "MODIFIED", "DELETED")


def rv_of(raw: bytes) -> str:
    """The resourceVersion of any object (bookmarks, unreadable objects), or ''."""
    try:
        return OBJ.decode(raw).metadata.resource_version
    except (msgspec.DecodeError, msgspec.ValidationError):
        return ""


def list_meta(body: bytes) -> _Meta:
    """A list body's metadata (resourceVersion, continue) from a pass that skips the items, or a retryable
    ``Failure`` when the body is not JSON."""
    try:
        return OBJ.decode(body).metadata
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Failure(None, f"the list response is not a Kubernetes list ({one_line(str(exc), 80)})") from None


def decode_page(body: bytes) -> Page:
    """A list body, or a retryable ``Failure`` when it is not one."""
    try:
        return PAGE.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Failure(None, f"the list response is not a Kubernetes list ({one_line(str(exc), 80)})") from None
