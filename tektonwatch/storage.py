"""Provides storage identity: what each task of a run mounts, as a shared-storage key, subPath and write flag.

A task's workspace resolves through the PipelineRun's bindings (pipeline workspace → binding); its subPath is
the binding's subPath joined with the task's own (Tekton concatenates them). When the PipelineRun does not
carry the binding, the TaskRun's own binding is used (a volumeClaimTemplate there is already rewritten to its
``pvc-<hash>`` claim, with the subPaths already joined). Storage keys: ``pvc:<claim>``,
``vct:<run>/<workspace>``, ``configMap:<name>``/``secret:<name>``/``projected``/``csi`` (read-only sources);
emptyDir is per pod and unknown sources cannot be identified, so neither is ever shared. A task may write
unless its Task declares the workspace ``readOnly`` or the binding is read-only; when the Task's declaration
is unknown it is writable (Tekton's default).
This module is pure: it must never import rich, textual or kubernetes.
"""

from __future__ import annotations

import msgspec

from tektonwatch.model import Binding, PipelineRun, Storage, TaskRun, TaskWorkspace
from tektonwatch.timeline import RunView, TaskView, label

Path = tuple[str, ...]
READ_ONLY_KINDS = frozenset({"configMap", "secret", "projected", "csi"})


class Use(msgspec.Struct, frozen=True, kw_only=True):
    """One task row's mount of shared storage.

    ``task`` is the pipeline task name (the node of the DAG), ``row`` the row label (``push[1]`` for a matrix
    child), ``workspace`` the pipeline workspace (the task's own name when the spec is unknown).
    """

    task: str
    row: str
    workspace: str
    storage: str
    path: Path
    writer: bool


def storage_key(storage: Storage) -> str | None:
    """The identity of storage two pods can share, or None when it is never shared (emptyDir, unknown)."""
    if storage.kind in ("pvc", "vct"):
        return f"{storage.kind}:{storage.ref}"
    if storage.kind in READ_ONLY_KINDS:
        return f"{storage.kind}:{storage.ref}" if storage.ref else storage.kind
    return None


def components(sub_path: str) -> Path:
    """A subPath as whole path components; ``""``, ``/`` and ``.`` are the root (no components)."""
    return tuple(part for part in sub_path.split("/") if part not in ("", "."))


def joined(*sub_paths: str) -> Path:
    """Tekton's concatenation of the run-level and task-level subPaths, as components."""
    return tuple(part for sub_path in sub_paths for part in components(sub_path))


def overlaps(a: Path, b: Path) -> bool:
    """True when one path contains the other, component by component (the root contains everything).

    ``out`` contains ``out/reports`` but not ``outside``. A component holding an unresolved ``$(…)`` variable
    matches any component, so an unresolved subPath never hides a shared artifact.
    """
    return all(_same_component(x, y) for x, y in zip(a, b, strict=False))  # a prefix of the other


def _same_component(x: str, y: str) -> bool:
    return x == y or "$(" in x or "$(" in y


def show_path(path: Path) -> str:
    """A path for messages: ``out/reports``, or an empty string for the root."""
    return "/".join(path)


def uses_of(view: RunView) -> list[Use]:
    """Every mount of identifiable storage by every task row of the run, in row order."""
    if view.run is None:
        return []
    found: list[Use] = []
    for task in view.tasks:
        found.extend(task_uses(view.run, task))
    return found


def task_uses(run: PipelineRun, task: TaskView) -> list[Use]:
    """The mounts of one task row: through its pipeline-task spec, else through its TaskRun's bindings."""
    read_only = _read_only_names(task)
    spec_ws = task.spec.workspaces if task.spec else ()
    pairs = _from_spec(run, task.task_run, spec_ws) if spec_ws else _from_taskrun(task.task_run)
    uses: list[Use] = []
    for task_ws, pipeline_ws, storage, path in pairs:
        key = storage_key(storage)
        if key is None:
            continue
        writer = not storage.read_only and storage.kind not in READ_ONLY_KINDS and task_ws not in read_only
        uses.append(
            Use(task=task.name, row=label(task), workspace=pipeline_ws, storage=key, path=path, writer=writer)
        )
    return uses


Mount = tuple[str, str, Storage, Path]  # (task workspace, pipeline workspace, storage, path)


def _from_spec(run: PipelineRun, tr: TaskRun | None, spec_ws: tuple[TaskWorkspace, ...]) -> list[Mount]:
    run_bindings = {b.name: b for b in run.bindings}
    own = {b.name: b for b in tr.bindings} if tr else {}
    mounts: list[Mount] = []
    for tw in spec_ws:
        binding: Binding | None = run_bindings.get(tw.workspace)
        if binding is not None:
            mounts.append((tw.name, tw.workspace, binding.storage, joined(binding.sub_path, tw.sub_path)))
        elif tw.name in own:
            mine = own[tw.name]
            mounts.append((tw.name, tw.workspace, mine.storage, joined(mine.sub_path)))
    return mounts


def _from_taskrun(tr: TaskRun | None) -> list[Mount]:
    if tr is None:
        return []
    return [(b.name, b.name, b.storage, joined(b.sub_path)) for b in tr.bindings]


def _read_only_names(task: TaskView) -> frozenset[str]:
    """Task workspaces declared ``readOnly``: from the TaskRun's resolved taskSpec, else the inline one."""
    tr = task.task_run
    if tr is not None and tr.read_only_workspaces is not None:
        return frozenset(tr.read_only_workspaces)
    if task.spec is not None and task.spec.read_only_workspaces is not None:
        return frozenset(task.spec.read_only_workspaces)
    return frozenset()
