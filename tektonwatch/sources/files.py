"""Provides the file source (``--from FILE``): ``kubectl get -o json|yaml`` dumps read as ADDED events.

Accepted: a ``List`` (or ``PipelineRunList``…), a top-level JSON array, a single object, or multi-document YAML;
``-`` reads stdin; a directory reads its ``.json``, ``.yaml`` and ``.yml`` files in name order (not its
subdirectories), as ``kubectl apply -f DIR`` does. A file that is missing, unreadable or does not parse is a
``SourceError`` (one line naming the file and, for a parse error, the line). Single objects that are of another
kind, of an unsupported version or malformed become ``Problem`` warnings while the rest is delivered.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from tektonwatch.errors import SourceError
from tektonwatch.events import Change, Finished, Problem, SourceEvent, Synced
from tektonwatch.health import SourceHealth, State, WatcherHealth
from tektonwatch.model import ObjectError, Run, decode, decode_listing, records
from tektonwatch.model.wire import ListHead

_NON_SPACE = re.compile(rb"\S")
DUMP_SUFFIXES = (".json", ".yaml", ".yml")


def expand(path: str) -> list[str]:
    """``path`` itself, or for a directory its dump files (``DUMP_SUFFIXES``) in name order; raise
    ``SourceError`` for a directory without any."""
    if path == "-" or not Path(path).is_dir():
        return [path]
    try:
        found = sorted(str(p) for p in Path(path).iterdir() if p.suffix.lower() in DUMP_SUFFIXES and p.is_file())
    except OSError as exc:
        raise SourceError(f"{path}: cannot list the directory ({exc.strerror or exc})") from None
    if not found:
        raise SourceError(f"{path}: a directory without .json, .yaml or .yml files")
    return found


def read_bytes(path: str) -> bytes:
    """Read a path (``-`` = stdin) or raise ``SourceError`` saying why."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a directory, not a file") from None
    except PermissionError:
        raise SourceError(f"{path}: permission denied") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None


def check_readable(path: str) -> None:
    """Raise ``SourceError`` (as ``read_bytes`` would) when ``path`` cannot be opened for reading."""
    try:
        with open(path, "rb"):
            pass
    except OSError:
        read_bytes(path)


def objects(data: bytes, name: str) -> Iterator[bytes | Mapping[str, Any]]:
    """Yield each object of a dump (JSON bytes or YAML mappings); raise ``SourceError`` on a parse error."""
    if _first_byte(data) in (b"{", b"["):
        yield from _json_objects(data, name)
    else:
        yield from _yaml_objects(data, name)


def _first_byte(data: bytes) -> bytes:
    """The first byte that is not white space (without copying a dump of hundreds of megabytes)."""
    found = _NON_SPACE.search(data)
    return found.group() if found else b""


def _json_objects(data: bytes, name: str) -> Iterator[bytes | Mapping[str, Any]]:
    try:
        if _first_byte(data) == b"[":
            items = msgspec.json.decode(data, type=list[msgspec.Raw])
        else:
            head = msgspec.json.decode(data, type=ListHead)
            items = head.items if head.items is not None and head.kind.endswith("List") else [msgspec.Raw(data)]
    except msgspec.DecodeError as exc:
        raise SourceError(f"{name}: not valid JSON ({_json_where(data, str(exc))})") from None
    except msgspec.ValidationError as exc:
        raise SourceError(f"{name}: not a Kubernetes object or list ({exc})") from None
    for raw in items:
        yield bytes(raw)


def _json_where(data: bytes, message: str) -> str:
    """Turn msgspec's ``(byte N)`` into ``line L``."""
    marker = "byte "
    if marker in message:
        tail = message.rsplit(marker, 1)[1]
        digits = "".join(ch for ch in tail if ch.isdigit())
        if digits:
            line = data.count(b"\n", 0, int(digits)) + 1
            return f"line {line}: {message.split(' (', 1)[0]}"
    return message


def _yaml_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc,valid-type]
        """SafeLoader that keeps timestamps as strings (the model parses them)."""

    Loader.yaml_implicit_resolvers = {
        k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
        for k, v in base.yaml_implicit_resolvers.items()
    }
    return Loader


def _yaml_objects(data: bytes, name: str) -> Iterator[Mapping[str, Any]]:
    import yaml

    try:
        docs = list(yaml.load_all(data, Loader=_yaml_loader()))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(f"{name}: not valid YAML or JSON ({where}{problem})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{name}: not text (invalid UTF-8)") from None
    for doc in docs:
        if doc is None:
            continue
        if isinstance(doc, Mapping) and isinstance(doc.get("items"), list) and str(doc.get("kind", "")).endswith(
            "List"
        ):
            yield from doc["items"]
        else:
            yield doc


class FileSource:
    """Reads each file once and emits ADDED for every object, then SYNCED and FINISHED."""

    kind = "file"

    def __init__(self, paths: list[str]) -> None:
        """Check up front that every path can be opened, so a typo fails before any front end starts."""
        self.paths = [file for path in paths for file in expand(path)]
        for path in self.paths:
            if path != "-":
                check_readable(path)

    def health(self) -> SourceHealth:
        """The health a finished file source reports."""
        return SourceHealth(kind=self.kind, synced=True, finished=True,
                            watchers=(WatcherHealth(name="files", state=State.DONE),))

    def run(self, emit: Callable[[SourceEvent], None], stop: threading.Event) -> None:
        """Emit every object of every file; raise ``SourceError`` when a file cannot be read or parsed."""
        for path in self.paths:
            name = "stdin" if path == "-" else path
            data = read_bytes(path)
            listing = decode_listing(data) if _first_byte(data) == b"{" else None
            each: Iterable[SourceEvent] = (
                map(partial(_event_of, origin=name), records(listing.items or ()))
                if listing is not None
                else (event_for(obj, name) for obj in objects(data, name))
            )
            for ev in each:
                if stop.is_set():
                    return
                emit(ev)
        emit(Synced())
        emit(Finished())


def _event_of(result: Run | ObjectError, origin: str) -> SourceEvent:
    return Problem(f"{origin}: {result}") if isinstance(result, ObjectError) else Change("ADDED", result)


def event_for(obj: bytes | Mapping[str, Any] | Any, origin: str) -> SourceEvent:
    """Decode one object into an ADDED ``Change``, or a ``Problem`` naming ``origin``."""
    if not isinstance(obj, (bytes, Mapping)):
        return Problem(f"{origin}: skipping an entry that is not an object")
    try:
        return Change("ADDED", decode(obj))
    except ObjectError as exc:
        return Problem(f"{origin}: {exc}")
