"""Provides the scope filter (``-n``, ``-A``, ``-l``, run names, ``--since``) applied to assembled runs.

A live cluster source applies namespace and selector on the server; files and replays contain whatever was
dumped, so the same scope is applied here, client side, with kubectl's label-selector grammar
(``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``, ``!a``; commas AND).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tektonwatch.timeline import RunView

Labels = dict[str, str]
_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_EQ = re.compile(r"^\s*([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([\w./-]+)\s*$")


class SelectorError(ValueError):
    """A label selector that does not parse (a usage error, exit 2)."""


def _split(selector: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in selector:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in [*parts, cur] if p.strip()]


def _requirement(part: str) -> Callable[[Labels], bool]:
    if m := _SET.match(part):
        key, op, values = m.group(1), m.group(2), {v.strip() for v in m.group(3).split(",") if v.strip()}
        if op == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    if m := _EQ.match(part):
        key, op, value = m.groups()
        if op == "!=":
            return lambda labels: labels.get(key) != value
        return lambda labels: labels.get(key) == value
    if m := _EXISTS.match(part):
        negate, key = m.group(1) == "!", m.group(2)
        return lambda labels: (key in labels) != negate
    raise SelectorError(f"cannot parse label selector requirement {part.strip()!r}")


def parse_selector(selector: str | None) -> Callable[[Labels], bool]:
    """Compile a label selector into a predicate; raise ``SelectorError`` when it does not parse."""
    if not selector:
        return lambda labels: True
    requirements = [_requirement(p) for p in _split(selector)]
    return lambda labels: all(r(labels) for r in requirements)


@dataclass(frozen=True)
class Scope:
    """Which runs to show. ``namespaces`` empty means every namespace."""

    namespaces: tuple[str, ...] = ()
    selector: str | None = None
    names: tuple[str, ...] = ()
    since: timedelta | None = None

    def filter(self, views: Iterable[RunView], now: datetime) -> list[RunView]:
        """The views inside this scope, in their given order."""
        if not (self.namespaces or self.selector or self.names or self.since is not None):
            return list(views)
        matches = parse_selector(self.selector) if self.selector else None
        return [v for v in views if self._keeps(v, now, matches)]

    def _keeps(self, view: RunView, now: datetime, matches: Callable[[Labels], bool] | None) -> bool:
        if self.namespaces and view.namespace not in self.namespaces:
            return False
        if self.names and view.name not in self.names:
            return False
        if matches is not None and not matches(_labels(view)):
            return False
        if self.since is not None:
            start = view.start
            return start is not None and now - start <= self.since
        return True


def _labels(view: RunView) -> Labels:
    run = view.run
    return dict(run.labels if run else (view.tasks[0].task_run.labels if view.tasks[0].task_run else ()))


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``2h30m``, ``1d`` (Go-style); raise ``ValueError`` for anything else."""
    pos, total = 0, 0.0
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    for m in _DURATION.finditer(text.strip()):
        if m.start() != pos:
            break
        total += float(m.group(1)) * units[m.group(2)]
        pos = m.end()
    if pos == 0 or pos != len(text.strip()):
        raise ValueError(f"invalid duration {text!r} (use e.g. 30m, 2h, 1d)")
    return timedelta(seconds=total)
