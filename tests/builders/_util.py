"""Provides the small helpers shared by the Tekton object builders: timestamps, uids, names, conditions.

Everything here is deterministic: the same inputs always give the same uid, claim name or digest, so objects
built in different test runs compare equal and the demo recording is byte-for-byte reproducible.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

#: Namespace for the uuid5 uids of built objects (any fixed value would do).
UID_NAMESPACE = uuid.UUID("3c0f5d2e-8a61-4c1b-9a57-7e5b2f1d0c42")
#: Kubernetes' limit on object names, and the length of an md5 hex digest (knative ``kmeta.ChildName``).
_LONGEST_NAME = 63
_MD5_HEX_LEN = 32

TimeLike = datetime | str


def utc(value: TimeLike) -> datetime:
    """Returns ``value`` (a datetime, or an RFC 3339 string like ``2025-10-27T18:34:10Z``) as an aware UTC
    datetime truncated to whole seconds, the resolution Kubernetes stores."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def ts(value: TimeLike) -> str:
    """Formats a time as Kubernetes does: RFC 3339, UTC, whole seconds, ``Z`` suffix."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def uid_for(kind: str, namespace: str, name: str) -> str:
    """Returns a deterministic uid for an object (uuid5 of its kind, namespace and name)."""
    return str(uuid.uuid5(UID_NAMESPACE, f"{kind}/{namespace}/{name}"))


def sha256_hex(*parts: str) -> str:
    """Returns the sha256 hex digest of the parts joined by ``/`` (used for fake image and container ids)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def child_name(parent: str, suffix: str) -> str:
    """Names a child object as knative's ``kmeta.ChildName`` does (Tekton uses it for TaskRun and Pod
    names): ``parent + suffix``, or, when that exceeds 63 characters, a truncated parent followed by its md5
    digest."""
    if len(parent) + len(suffix) <= _LONGEST_NAME:
        return parent + suffix
    head = _LONGEST_NAME - len(suffix)
    if head <= _MD5_HEX_LEN:
        return hashlib.md5((parent + suffix).encode()).hexdigest()[:_LONGEST_NAME]
    return parent[: head - _MD5_HEX_LEN] + hashlib.md5(parent.encode()).hexdigest() + suffix


def pvc_claim_name(workspace: str, owner_uid: str, template_name: str | None = None) -> str:
    """Names the PVC Tekton creates for a ``volumeClaimTemplate`` binding
    (``GeneratePVCNameFromWorkspaceBinding``): ``<template name or "pvc">-<first 10 hex of
    sha256(workspace name + owner uid)>``."""
    return f"{template_name or 'pvc'}-{hashlib.sha256((workspace + owner_uid).encode()).hexdigest()[:10]}"


def affinity_assistant_name(workspace: str, pipelinerun: str) -> str:
    """Names the per-workspace affinity assistant Tekton annotates TaskRuns with
    (``coschedule: workspaces``)."""
    return "affinity-assistant-" + hashlib.sha256((workspace + pipelinerun).encode()).hexdigest()[:10]


def condition(status: str, reason: str, message: str, at: TimeLike) -> dict:
    """Returns a knative ``Succeeded`` condition as Tekton writes it on runs."""
    return {"lastTransitionTime": ts(at), "message": message, "reason": reason, "status": status,
            "type": "Succeeded"}
