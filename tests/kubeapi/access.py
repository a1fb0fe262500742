"""Provides who may do what on the double, and what was asked of it: bearer-token and client-certificate
authentication (401), an RBAC deny table (403), and the request log tests read and wait on.

All three are thread-safe and may be changed by a test while requests are in flight (a token flip or a
new deny rule applies to the next request, as on a real cluster).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from . import status
from .resources import Resource, resolve

DEFAULT_TOKEN = "test-token"
DEFAULT_USER = "test-user"


@dataclass
class RequestRecord:
    """One request as the double saw it. `query` keeps the last value of each parameter; `verb` is the
    Kubernetes verb (get, list, watch, create…); `status` is filled in once the response starts."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    time: float
    verb: str = ""
    user: str | None = None
    status: int | None = None

    @property
    def watch(self) -> bool:
        """True for watch requests."""
        return self.verb == "watch"


class Authenticator:
    """Valid bearer tokens (token → user) and, in HTTPS mode, verified client certificates (CN = user).
    `tokens=None` disables authentication (everyone is `system:anonymous`)."""

    def __init__(self, tokens: Mapping[str, str] | Iterable[str] | None) -> None:
        self._lock = threading.Lock()
        self._tokens: dict[str, str] | None = None
        self.set_tokens(tokens)

    def set_tokens(self, tokens: Mapping[str, str] | Iterable[str] | None) -> None:
        """Replace the valid tokens; plain strings authenticate as `test-user`."""
        with self._lock:
            if tokens is None:
                self._tokens = None
            elif isinstance(tokens, Mapping):
                self._tokens = dict(tokens)
            else:
                self._tokens = {token: DEFAULT_USER for token in tokens}

    def authenticate(self, authorization: str | None, peer_cert: dict | None) -> str:
        """The user a request acts as; ApiError 401 when neither credential is valid."""
        with self._lock:
            tokens = self._tokens
        if tokens is None:
            return "system:anonymous"
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and token.strip() in tokens:
            return tokens[token.strip()]
        user = _common_name(peer_cert)
        if user:
            return user
        raise status.unauthorized()


def _common_name(cert: dict | None) -> str | None:
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


@dataclass(frozen=True)
class Denial:
    """Deny `verb` on `resource` (may be `pods/log`) in `group`; namespace None = the cluster scope only,
    "*" = every namespace and the cluster scope. verb "*" denies every verb."""

    verb: str
    group: str
    resource: str
    namespace: str | None


class DenyTable:
    """RBAC as a deny list: everything is allowed unless a Denial matches."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._denials: set[Denial] = set()

    def deny(
        self, verb: str, resource: str, namespace: str | None = None, group: str | None = None
    ) -> Denial:
        """Add a denial; `resource` may be any alias (`pr`, `pipelineruns`, `pods/log`)."""
        denial = _denial(verb, resource, namespace, group)
        with self._lock:
            self._denials.add(denial)
        return denial

    def allow(self, verb: str, resource: str, namespace: str | None = None, group: str | None = None) -> None:
        """Remove a denial added with the same arguments."""
        with self._lock:
            self._denials.discard(_denial(verb, resource, namespace, group))

    def clear(self) -> None:
        """Allow everything again."""
        with self._lock:
            self._denials.clear()

    def check(
        self,
        user: str,
        verb: str,
        res: Resource,
        namespace: str | None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> None:
        """ApiError 403 with the real message when a denial matches this request."""
        resource = f"{res.plural}/{subresource}" if subresource else res.plural
        with self._lock:
            denied = any(
                d.verb in (verb, "*")
                and d.group == res.group
                and d.resource == resource
                and d.namespace in (namespace, "*")
                for d in self._denials
            )
        if denied:
            raise status.forbidden(user, verb, res, namespace, name, subresource)


def _denial(verb: str, resource: str, namespace: str | None, group: str | None) -> Denial:
    base, _, sub = resource.partition("/")
    res = resolve(base)
    plural = f"{res.plural}/{sub}" if sub else res.plural
    return Denial(verb, res.group if group is None else group, plural, namespace)


@dataclass
class RequestLog:
    """Every request in arrival order; queries and waits never block the server for long."""

    _records: list[RequestRecord] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def add(self, record: RequestRecord) -> None:
        """Record a request and wake waiters."""
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()

    def touch(self) -> None:
        """Wake waiters after a record changed (its status was filled in)."""
        with self._cond:
            self._cond.notify_all()

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._cond:
            self._records.clear()

    def select(
        self, path_re: str | None = None, verb: str | None = None, method: str | None = None, **query: str
    ) -> list[RequestRecord]:
        """Records whose path matches `path_re` (re.search), verb, method and query parameters
        (`labelSelector="app=x"`; a value of None only requires the parameter to be present)."""
        with self._cond:
            records = list(self._records)
        return [
            r
            for r in records
            if (path_re is None or re.search(path_re, r.path))
            and verb in (None, r.verb)
            and method in (None, r.method)
            and all(k in r.query and v in (None, r.query[k]) for k, v in query.items())
        ]

    def wait(self, predicate: Callable[[], object], timeout: float, message: str) -> object:
        """Block until `predicate()` is truthy (re-checked on every new request and every 20 ms);
        returns its value or raises TimeoutError naming `message`."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
            with self._cond:
                self._cond.wait(min(remaining, 0.02))
