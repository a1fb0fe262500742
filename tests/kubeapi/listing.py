"""Provides LIST semantics: resourceVersion/resourceVersionMatch rules, selectors and paginated, consistent
lists with continue tokens that expire the way etcd's do.

Contracts (k8s-watch.md §1.2):
- RV unset or "0": the current state. "N" without limit (or NotOlderThan): the current state, 504 if N is
  ahead of the server. "N" with a limit and no continue (or Exact): the state exactly at N, 410 below the
  compaction floor. resourceVersionMatch without RV, or with continue: 422. RV "N" with continue: 400.
- Every page of one list shows the state at the first page's rv. A token expires after `ttl` seconds, when
  its rv is compacted, or on `expire_all()`; then 410 Expired with a fresh "inconsistent" token (rv -1) in
  `metadata.continue` that continues from the same key on the current state.
- `remainingItemCount` only when more items remain and no selector is used.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from dataclasses import dataclass

from . import status
from .resources import Resource
from .selectors import FieldSelector, LabelSelector, SelectorError
from .state import ClusterState, Key, TooLarge, TooOld


@dataclass(frozen=True)
class ListQuery:
    """The list options of one request, validated."""

    labels: LabelSelector
    fields: FieldSelector
    limit: int
    cont: str | None
    rv: str | None
    match: str | None

    @property
    def selective(self) -> bool:
        """True when a label or field selector narrows the list."""
        return bool(self.labels.requirements or self.fields.terms)

    @classmethod
    def parse(cls, params: dict[str, str], res: Resource) -> ListQuery:
        """Build from query parameters; ApiError 400/422 as the apiserver answers bad options."""
        try:
            labels = LabelSelector.parse(params.get("labelSelector"))
            fields = FieldSelector.parse(params.get("fieldSelector"), res)
        except SelectorError as err:
            raise status.bad_request(str(err)) from None
        limit = _int_param(params, "limit")
        query = cls(
            labels,
            fields,
            max(limit, 0),
            params.get("continue") or None,
            params.get("resourceVersion") or None,
            params.get("resourceVersionMatch") or None,
        )
        return query

    def matches(self, obj: dict) -> bool:
        """Whether an object passes both selectors."""
        return self.labels.matches(obj) and self.fields.matches(obj)


def _int_param(params: dict[str, str], name: str) -> int:
    raw = params.get(name) or "0"
    try:
        return int(raw)
    except ValueError:
        raise status.bad_request(
            f'invalid value "{raw}" for {name}: strconv.ParseInt: parsing "{raw}": invalid syntax'
        ) from None


def validate_list_options(query: ListQuery) -> None:
    """The 422/400 checks of ValidateListOptions and the etcd3 store, for a non-watch list."""
    if query.match:
        if not query.rv:
            raise status.invalid_list_options(
                "resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"
            )
        if query.cont:
            raise status.invalid_list_options(
                "resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"
            )
        if query.match not in ("Exact", "NotOlderThan"):
            raise status.invalid_list_options(
                "resourceVersionMatch",
                f'"{query.match}": supported values: "Exact", "NotOlderThan", ""',
                cause="FieldValueNotSupported",
            )
        if query.match == "Exact" and query.rv == "0":
            raise status.invalid_list_options(
                "resourceVersionMatch", 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'
            )
    if query.cont and query.rv and query.rv != "0":
        raise status.bad_request("specifying resource version is not allowed when using continue")


def parse_rv(raw: str) -> int:
    """A client-supplied resourceVersion as an integer; 400 when it is not one of ours."""
    try:
        return int(raw)
    except ValueError:
        raise status.bad_request(f'invalid resource version "{raw}"') from None


class ContinueTokens:
    """Issues and checks continue tokens (base64 JSON like the apiserver's, plus an epoch and issue time)."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.ttl = ttl
        self._epoch = 0
        self._lock = threading.Lock()

    def expire_all(self) -> None:
        """Make every token issued so far answer 410 Expired."""
        with self._lock:
            self._epoch += 1

    def issue(self, rv: int, key: Key) -> str:
        """A token continuing after `key` on the state at `rv` (-1: on the current state)."""
        doc = {
            "v": "meta.k8s.io/v1",
            "rv": rv,
            "start": f"{key[0]}/{key[1]}\u0000",
            "ep": self._epoch,
            "iat": round(time.monotonic(), 3),
        }
        return base64.urlsafe_b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()

    def decode(self, token: str, floor: int) -> tuple[int, Key]:
        """(rv, last key) of a valid token; 400 when malformed, 410 with a fresh token when expired."""
        try:
            doc = json.loads(base64.urlsafe_b64decode(token.encode()))
            rv, start = int(doc["rv"]), str(doc["start"]).rstrip("\u0000")
        except (binascii.Error, ValueError, KeyError, TypeError):
            raise status.bad_request(f"invalid continue token: {token!r}") from None
        namespace, _, name = start.partition("/")
        stale = doc.get("ep") != self._epoch or time.monotonic() - float(doc.get("iat", 0)) > self.ttl
        if rv != -1 and (stale or rv < floor):
            raise status.expired(status.CONTINUE_EXPIRED, self.issue(-1, (namespace, name)))
        return rv, (namespace, name)


def serve_item(obj: dict, res: Resource, version: str) -> dict:
    """An object as served at `version`: CRDs get the requested apiVersion (no conversion is needed)."""
    if not res.is_crd:
        return obj
    return {**obj, "apiVersion": res.api_version(version), "kind": res.kind}


def list_collection(
    state: ClusterState,
    tokens: ContinueTokens,
    res: Resource,
    version: str,
    namespace: str | None,
    query: ListQuery,
) -> dict:
    """The List body for one request (raises ApiError 400/410/422/504)."""
    validate_list_options(query)
    start: Key | None = None
    if query.cont:
        at, start = tokens.decode(query.cont, state.floor)
        at = state.rv if at == -1 else at
    else:
        at = _list_rv(state, query)
    try:
        items = state.items_at(res.plural, at)
    except TooOld:
        raise status.expired(status.LIST_RV_EXPIRED) from None
    except TooLarge as err:
        raise status.too_large_rv(err.requested, err.current) from None
    selected = [
        (k, o)
        for k, o in sorted(items.items())
        if namespace in (None, k[0]) and (start is None or k > start) and query.matches(o)
    ]
    return _page(selected, res, version, at, query, tokens)


def _list_rv(state: ClusterState, query: ListQuery) -> int:
    """The resourceVersion a list without continue is served at, per the §1.2 table."""
    current = state.rv
    if query.rv in (None, "0"):
        return current
    requested = parse_rv(query.rv)
    if requested > current:
        raise status.too_large_rv(requested, current)
    exact = query.match == "Exact" or (query.match is None and query.limit > 0)
    return requested if exact else current


def _page(
    selected: list[tuple[Key, dict]],
    res: Resource,
    version: str,
    at: int,
    query: ListQuery,
    tokens: ContinueTokens,
) -> dict:
    page = selected[: query.limit] if query.limit else selected
    meta: dict = {"resourceVersion": str(at)}
    if query.limit and len(selected) > query.limit:
        meta["continue"] = tokens.issue(at, page[-1][0])
        if not query.selective:
            meta["remainingItemCount"] = len(selected) - len(page)
    return {
        "kind": res.list_kind,
        "apiVersion": res.api_version(version),
        "metadata": meta,
        "items": [serve_item(o, res, version) for _, o in page],
    }
