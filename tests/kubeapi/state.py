"""Provides the cluster state of the double: objects, the global resourceVersion, history and watch fan-out.

Contracts:
- One integer `rv` shared by every resource type (like etcd's revision), served as a decimal string.
- Every mutation bumps `rv`, stores the object with `metadata.resourceVersion`, appends a `Change` to the
  history and pushes it to live subscriptions, all under one lock, so a watch never misses or reorders one.
- History is bounded: `floor` is the oldest resourceVersion a watch may start from; older ones get 410.
  `compact()` moves it explicitly; exceeding `max_history` moves it as entries fall off.
- Stored objects are never mutated after commit: readers may share them, writers always copy.
This module knows nothing about HTTP.
"""

from __future__ import annotations

import copy
import queue
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .resources import Resource, resolve, resource_for_object

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"
CLOSED = object()  # pushed to subscriptions when the server stops or restarts

Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects


@dataclass(frozen=True)
class Change:
    """One history entry. `obj` is the state after (for DELETED: the last state at the deletion rv)."""

    rv: int
    type: str
    resource: str
    namespace: str
    name: str
    obj: dict
    prev: dict | None


class TooOld(Exception):
    """A resourceVersion below the compaction floor; `floor` is the oldest one still available."""

    def __init__(self, requested: int, floor: int) -> None:
        super().__init__(f"too old resource version: {requested} ({floor})")
        self.requested, self.floor = requested, floor


class TooLarge(Exception):
    """A resourceVersion the server has not reached yet."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"Too large resource version: {requested}, current: {current}")
        self.requested, self.current = requested, current


class Subscription:
    """The live feed of one watch: changes of one resource (optionally one namespace), in rv order."""

    def __init__(self, resource: str, namespace: str | None) -> None:
        self.resource, self.namespace = resource, namespace
        self._queue: queue.SimpleQueue = queue.SimpleQueue()

    def wants(self, change: Change) -> bool:
        """Whether the change belongs to this feed."""
        return change.resource == self.resource and self.namespace in (None, change.namespace)

    def push(self, item: object) -> None:
        """Called under the state lock by the committer (or with CLOSED at shutdown)."""
        self._queue.put(item)

    def get(self, timeout: float) -> object:
        """The next Change, CLOSED, or None after `timeout` seconds without one."""
        try:
            return self._queue.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None

    def idle(self) -> bool:
        """True when nothing is waiting to be sent."""
        return self._queue.empty()


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def format_time(moment: datetime) -> str:
    """RFC 3339 with whole seconds and `Z`, as Kubernetes writes metadata timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ClusterState:
    """Objects keyed by (resource, namespace, name) plus the history that watches replay."""

    def __init__(
        self, *, initial_rv: int = 100, max_history: int = 10_000, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.lock = threading.RLock()
        self.rv = initial_rv
        self.floor = initial_rv
        self.max_history = max_history
        self.clock = clock
        self._objects: dict[str, dict[Key, dict]] = {}
        self._history: deque[Change] = deque()
        self._subscriptions: set[Subscription] = set()

    # ---- reading -------------------------------------------------------------------------------------

    def get(self, resource: str, namespace: str, name: str) -> dict | None:
        """A copy of the stored object, or None."""
        with self.lock:
            obj = self._objects.get(resolve(resource).plural, {}).get((namespace or "", name))
            return copy.deepcopy(obj) if obj is not None else None

    def objects(self, resource: str, namespace: str | None = None) -> list[dict]:
        """Copies of the current objects of a resource, sorted by (namespace, name)."""
        with self.lock:
            items = self.items_at(resolve(resource).plural, self.rv)
        return [copy.deepcopy(o) for k, o in sorted(items.items()) if namespace in (None, k[0])]

    def history(self) -> list[Change]:
        """The retained history, oldest first (entries are immutable by contract)."""
        with self.lock:
            return list(self._history)

    def items_at(self, resource: str, rv: int) -> dict[Key, dict]:
        """The objects of `resource` as they were at `rv` (shared, do not mutate); TooOld / TooLarge."""
        with self.lock:
            if rv > self.rv:
                raise TooLarge(rv, self.rv)
            if rv < self.floor:
                raise TooOld(rv, self.floor)
            items = dict(self._objects.get(resource, {}))
            for change in reversed(self._history):
                if change.rv <= rv:
                    break
                if change.resource == resource:
                    _undo(items, change)
            return items

    # ---- mutations -----------------------------------------------------------------------------------

    def apply(self, obj: dict) -> dict:
        """Create or replace; apiVersion/kind decide the resource. Returns the stored copy."""
        res = resource_for_object(obj)
        new = copy.deepcopy(obj)
        meta = new.setdefault("metadata", {})
        if not meta.get("name"):
            raise ValueError("metadata.name is required")
        namespace = (meta.setdefault("namespace", "default") or "default") if res.namespaced else ""
        if not res.namespaced:
            meta.pop("namespace", None)
        with self.lock:
            old = self._objects.get(res.plural, {}).get((namespace, meta["name"]))
            self._fill_metadata(new, old)
            return self._commit(res, MODIFIED if old else ADDED, new, old)

    def patch(
        self,
        resource: str,
        namespace: str,
        name: str,
        change: Callable[[dict], dict | None] | dict,
        *,
        status_only: bool = False,
    ) -> dict:
        """Apply a function (mutating or returning the object) or a JSON merge patch; KeyError if absent."""
        res = resolve(resource)
        with self.lock:
            old = self._require(res, namespace, name)
            new = copy.deepcopy(old)
            if callable(change):
                new = change(new) or new
            else:
                new = merge_patch(new, change)
            if status_only:
                new = _with_status(copy.deepcopy(old), new.get("status"))
            new["metadata"].update(name=name, uid=old["metadata"]["uid"])
            self._fill_metadata(new, old)
            return self._commit(res, MODIFIED, new, old)

    def delete(self, resource: str, namespace: str, name: str) -> dict:
        """Remove an object; its DELETED event carries the last state at the deletion rv."""
        res = resolve(resource)
        with self.lock:
            old = self._require(res, namespace, name)
            return self._commit(res, DELETED, copy.deepcopy(old), old)

    def _require(self, res: Resource, namespace: str, name: str) -> dict:
        key = (namespace if res.namespaced else "", name)
        obj = self._objects.get(res.plural, {}).get(key)
        if obj is None:
            raise KeyError(f"{res.plural} {key[0]}/{name} does not exist")
        return obj

    def _fill_metadata(self, new: dict, old: dict | None) -> None:
        meta = new["metadata"]
        if old is None:
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", format_time(self.clock()))
            meta.setdefault("generation", 1)
            return
        old_meta = old["metadata"]
        meta["uid"] = old_meta["uid"]
        meta["creationTimestamp"] = old_meta["creationTimestamp"]
        generation = old_meta.get("generation", 1)
        meta["generation"] = generation + 1 if new.get("spec") != old.get("spec") else generation

    def _commit(self, res: Resource, kind: str, new: dict, old: dict | None) -> dict:
        """Bump rv, store, record, fan out. Caller holds the lock; `new` is owned by the state from here."""
        self.rv += 1
        new["metadata"]["resourceVersion"] = str(self.rv)
        meta = new["metadata"]
        key = (meta.get("namespace", ""), meta["name"])
        bucket = self._objects.setdefault(res.plural, {})
        if kind == DELETED:
            bucket.pop(key, None)
        else:
            bucket[key] = new
        change = Change(self.rv, kind, res.plural, key[0], key[1], new, old)
        self._history.append(change)
        self._trim()
        for sub in self._subscriptions:
            if sub.wants(change):
                sub.push(change)
        return copy.deepcopy(new)

    def _trim(self) -> None:
        while len(self._history) > self.max_history:
            self.floor = self._history.popleft().rv

    # ---- history window ------------------------------------------------------------------------------

    def compact(self, to_rv: int | None = None) -> int:
        """Forget history up to `to_rv` (default: now). Watches and exact lists below it get 410."""
        with self.lock:
            target = self.rv if to_rv is None else min(to_rv, self.rv)
            while self._history and self._history[0].rv <= target:
                self._history.popleft()
            self.floor = max(self.floor, target)
            return self.floor

    # ---- watch fan-out -------------------------------------------------------------------------------

    def subscribe(
        self, resource: str, namespace: str | None, since: int | None
    ) -> tuple[Subscription, list[Change]]:
        """Register a live feed atomically with its backlog: synthetic ADDED (since None) or the history
        after `since`. TooOld / TooLarge when `since` is outside the window."""
        with self.lock:
            sub = Subscription(resource, namespace)
            if since is None:
                items = self._objects.get(resource, {})
                backlog = [
                    Change(self.rv, ADDED, resource, k[0], k[1], o, None) for k, o in sorted(items.items())
                ]
            elif since > self.rv:
                raise TooLarge(since, self.rv)
            elif since < self.floor:
                raise TooOld(since, self.floor)
            else:
                backlog = [c for c in self._history if c.rv > since]
            self._subscriptions.add(sub)
            return sub, [c for c in backlog if sub.wants(c)]

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop feeding a watch (idempotent)."""
        with self.lock:
            self._subscriptions.discard(sub)

    def subscription_count(self) -> int:
        """How many watches are live."""
        with self.lock:
            return len(self._subscriptions)

    def close_subscriptions(self) -> None:
        """Wake every watch with CLOSED (server stopping or restarting)."""
        with self.lock:
            for sub in self._subscriptions:
                sub.push(CLOSED)
            self._subscriptions.clear()

    def bookmark_rv(self, sub: Subscription) -> int | None:
        """The rv a bookmark may announce now: the current one, unless changes are still queued for `sub`."""
        with self.lock:
            return self.rv if sub.idle() else None


def _with_status(obj: dict, status: object) -> dict:
    obj.pop("status", None)
    if status is not None:
        obj["status"] = status
    return obj


def _undo(items: dict[Key, dict], change: Change) -> None:
    key = (change.namespace, change.name)
    if change.prev is None:
        items.pop(key, None)
    else:
        items[key] = change.prev


def merge_patch(target: object, patch: object) -> object:
    """RFC 7386 JSON merge patch: dicts merge recursively, None deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
