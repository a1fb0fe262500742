"""Provides ``ObjectCache``: what one watcher knows of its objects, and the changes a list or an event makes.

The cache is the reflector's store in miniature (pure, no I/O, one owner thread): ``replace`` takes a full
listing and returns the ADDED/MODIFIED/DELETED changes that turn the previous state into it (unchanged objects
produce nothing, so a relist never duplicates); ``apply`` takes one watch event. Both keep an object only when
it passes the client-side name filter, drop stale versions (an older resourceVersion of the same uid never
overwrites a newer one), repair invalid UTF-8 with replacement characters, and report unreadable objects
through ``problem`` instead of dropping them silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tektonwatch.model import ObjectError, PipelineRun, Run, decode
from tektonwatch.store import newer_or_equal

Key = tuple[str, str]


@dataclass(frozen=True)
class Held:
    """One known object: its record and, when recording, its JSON."""

    record: Run
    raw: bytes | None

    @property
    def key(self) -> Key:
        """(namespace, name)."""
        return (self.record.namespace, self.record.name)

    def same_version(self, other: Held) -> bool:
        """True for the very same version of the same object."""
        a, b = self.record, other.record
        return a.uid == b.uid and a.resource_version == b.resource_version

    def superseded_by(self, other: Held) -> bool:
        """False when ``other`` is an older version of the same object (a stale event)."""
        a, b = self.record, other.record
        return a.uid != b.uid or newer_or_equal(a.resource_version, b.resource_version)


Changes = list[tuple[str, Held]]


class ObjectCache:
    """The objects one watcher holds, keyed by (namespace, name); see the module docstring."""

    def __init__(self, names: tuple[str, ...], record_raw: bool, problem: Callable[[str], None]) -> None:
        self.names = frozenset(names)
        self.record_raw = record_raw
        self.problem = problem
        self.known: dict[Key, Held] = {}

    def __len__(self) -> int:
        return len(self.known)

    def replace(self, items: list[bytes]) -> Changes:
        """Make the cache the listed objects; return the changes (DELETED for the ones that vanished)."""
        return self.replace_read([self.read(raw) for raw in items])

    def replace_read(self, listed: Iterable[Held | None]) -> Changes:
        """``replace`` for objects already ``read`` (None: unreadable, already reported)."""
        fresh: dict[Key, Held] = {}
        for held in listed:
            if held is not None and self.wanted(held.record):
                fresh[held.key] = held
        changes: Changes = []
        for key, held in fresh.items():
            old = self.known.get(key)
            if old is None:
                changes.append(("ADDED", held))
            elif not old.superseded_by(held):
                fresh[key] = old
            elif not old.same_version(held):
                changes.append(("MODIFIED", held))
        changes += [("DELETED", self.known[key]) for key in self.known.keys() - fresh.keys()]
        self.known = fresh
        return changes

    def apply(self, kind: str, held: Held) -> Changes:
        """Apply one ADDED/MODIFIED/DELETED event; return what to pass on (nothing for stale or filtered)."""
        old = self.known.get(held.key)
        if old is not None and not old.superseded_by(held):
            return []
        if kind == "DELETED" or not self.wanted(held.record):
            return [("DELETED", held)] if self.known.pop(held.key, None) is not None else []
        self.known[held.key] = held
        return [(kind, held)]

    def read(self, raw: bytes) -> Held | None:
        """Decode one object; invalid UTF-8 is replaced; anything unreadable is reported and gives None."""
        try:
            return self._held(raw)
        except ObjectError as exc:
            error = exc
        fixed = raw.decode("utf-8", "replace").encode()
        if fixed != raw:
            try:
                held = self._held(fixed)
            except ObjectError as exc:
                error = exc
            else:
                self.problem(f"{held.record.namespace}/{held.record.name}: invalid UTF-8 replaced")
                return held
        self.problem(str(error))
        return None

    def adopt(self, result: Run | ObjectError) -> Held | None:
        """``read`` for an object already decoded (``model.records``): an ``ObjectError`` is reported, giving None."""
        if isinstance(result, ObjectError):
            self.problem(str(result))
            return None
        return Held(result, None)

    def _held(self, raw: bytes) -> Held:
        return Held(decode(raw), raw if self.record_raw else None)

    def wanted(self, rec: Run) -> bool:
        """The client-side name filter: PipelineRuns by name, TaskRuns by their PipelineRun label."""
        if not self.names:
            return True
        return (rec.name if isinstance(rec, PipelineRun) else rec.pipeline_run) in self.names
