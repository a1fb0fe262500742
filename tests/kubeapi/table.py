"""Provides server-side `meta.k8s.io/v1 Table` rendering of the Tekton printer columns, so `kubectl get pr`
prints NAME SUCCEEDED REASON STARTTIME COMPLETIONTIME as against a real cluster.

Only the Tekton CRDs are rendered as tables; core types are answered as plain JSON and kubectl prints its
client-side fallback for them. Never used unless the client's Accept header asks for `as=Table`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from .resources import Resource

_STEP = re.compile(r'\.(\w+)(?:\[\?\(@\.(\w+)=="([^"]*)"\)\])?')
_NAME_COLUMN = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "priority": 0,
    "description": "Name must be unique within a namespace. Is required when creating resources, "
    "although some resources may allow a client to request the generation of an "
    "appropriate name automatically. Name is primarily intended for creation "
    "idempotence and configuration definition. Cannot be updated.",
}


def json_path(obj: object, expression: str) -> object:
    """Evaluate the small JSONPath subset CRD printer columns use: `.a.b` and `.a[?(@.k=="v")].b`."""
    value = obj
    for match in _STEP.finditer(expression):
        value = value.get(match.group(1)) if isinstance(value, dict) else None
        if match.group(2) is not None:
            found = [
                i for i in value or [] if isinstance(i, dict) and i.get(match.group(2)) == match.group(3)
            ]
            value = found[0] if found else None
        if value is None:
            return None
    return value


def human_duration(seconds: float) -> str:
    """Age as kubectl and the apiserver print it (apimachinery `duration.HumanDuration`)."""
    if seconds < -1:
        return "<invalid>"
    total = max(int(seconds), 0)
    minutes, hours, days = total // 60, total // 3600, total // 86400
    if total < 120:
        return f"{total}s"
    if minutes < 10:
        return f"{minutes}m{total % 60}s" if total % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    if hours < 24 * 365 * 8:
        return f"{days // 365}y{days % 365}d" if days % 365 else f"{days // 365}y"
    return f"{days // 365}y"


def _cell(value: object, kind: str, now: datetime) -> object:
    """A printer-column cell; dates become ages, as the CRD table convertor renders them."""
    if kind != "date" or value is None:
        return value
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return "<unknown>"
    return human_duration((now - moment).total_seconds())


@dataclass(frozen=True)
class TableRequest:
    """A client's request for Table output; `include` is the includeObject policy."""

    include: str = "PartialObjectMetadata"

    @classmethod
    def from_request(cls, accept: str, params: dict[str, str], res: Resource) -> TableRequest | None:
        """A TableRequest when the Accept header asks for a Table of a resource that has printer columns."""
        if "as=Table" not in (accept or "") or not res.printer_columns:
            return None
        return cls(params.get("includeObject") or "PartialObjectMetadata")

    def render(
        self, res: Resource, version: str, objs: list[dict], list_meta: dict, now: datetime | None = None
    ) -> dict:
        """A Table of `objs` with the list metadata (resourceVersion, continue, remainingItemCount)."""
        columns = [_NAME_COLUMN] + [
            {"name": name, "type": kind, "format": "", "description": "", "priority": 0}
            for name, kind, _ in res.printer_columns
        ]
        return {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": list_meta,
            "columnDefinitions": columns,
            "rows": [self._row(res, version, o, now or datetime.now(UTC)) for o in objs],
        }

    def _row(self, res: Resource, version: str, obj: dict, now: datetime) -> dict:
        cells = [obj["metadata"]["name"]] + [
            _cell(json_path(obj, path), kind, now) for _, kind, path in res.printer_columns
        ]
        row: dict = {"cells": cells}
        if self.include == "Object":
            row["object"] = {**obj, "apiVersion": res.api_version(version), "kind": res.kind}
        elif self.include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"],
            }
        return row
