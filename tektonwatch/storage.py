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
    if not sub_path:
        return ()
    return tuple(part for part in sub_path.split("/") if part not in ("", "."))


def joined(*sub_paths: str) -> Path:
    """Tekton's concatenation of the run-level and task-level subPaths, as components."""
    return tuple(part for sub_path in sub_paths for part in components(sub_path))


def overlaps(a: Path, b: Path) -> bool:
    """True when one path contains the other, component by component (the root contains everything).

    ``out`` contains ``out/reports`` but not ``outside``. A component holding an unresolved ``$(…)`` variable
    matches any component, so an unresolved subPath never hides a shared artifact.
    """
    if not a or not b or a == b:
        return True
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
    bound = bindings_of(view.run)
    found: list[Use] = []
    for task in view.tasks:
        found.extend(task_uses(view.run, task, bound))
    return found


Resolved = tuple[str | None, Path, bool]  # (storage key, subPath components, writable)


def resolve(binding: Binding) -> Resolved:
    """A binding's storage key (None when never shared), its subPath, and whether pods may write it."""
    storage = binding.storage
    writable = not storage.read_only and storage.kind not in READ_ONLY_KINDS
    return storage_key(storage), components(binding.sub_path), writable


def bindings_of(run: PipelineRun) -> dict[str, Resolved]:
    """The run's workspace bindings by name, resolved once per run (not once per task)."""
    return {b.name: resolve(b) for b in run.bindings}


def task_uses(run: PipelineRun, task: TaskView, bound: dict[str, Resolved] | None = None) -> list[Use]:
    """The mounts of one task row: through its pipeline-task spec, else through its TaskRun's bindings.

    ``bound`` is ``bindings_of(run)``, when the caller resolves many rows of one run."""
    spec_ws = task.spec.workspaces if task.spec else ()
    if spec_ws:
        mounts = _from_spec(bindings_of(run) if bound is None else bound, task.task_run, spec_ws)
    else:
        mounts = _from_taskrun(task.task_run)
    if not mounts:
        return []
    read_only, row = _read_only_names(task), label(task)
    uses: list[Use] = []
    for task_ws, pipeline_ws, (key, path, writable) in mounts:
        if key is not None:
            writer = writable and task_ws not in read_only
            uses.append(
                Use(task=task.name, row=row, workspace=pipeline_ws, storage=key, path=path, writer=writer)
            )
    return uses


Mount = tuple[str, str, Resolved]  # (task workspace, pipeline workspace, what it resolves to)


def _from_spec(
    bound: dict[str, Resolved], tr: TaskRun | None, spec_ws: tuple[TaskWorkspace, ...]
) -> list[Mount]:
    mounts: list[Mount] = []
    for tw in spec_ws:
        if tw.workspace in bound:
            key, path, writable = bound[tw.workspace]
            if tw.sub_path:  # joined(binding's, task's); most task workspaces mount the binding as it is
                path += components(tw.sub_path)
            mounts.append((tw.name, tw.workspace, (key, path, writable)))
        elif tr is not None:
            mine = next((b for b in reversed(tr.bindings) if b.name == tw.name), None)  # the last one wins
            if mine is not None:
                mounts.append((tw.name, tw.workspace, resolve(mine)))
    return mounts


def _from_taskrun(tr: TaskRun | None) -> list[Mount]:
    if tr is None:
        return []
    return [(b.name, b.name, resolve(b)) for b in tr.bindings]


def _read_only_names(task: TaskView) -> tuple[str, ...]:
    """Task workspaces declared ``readOnly``: from the TaskRun's resolved taskSpec, else the inline one."""
    tr = task.task_run
    if tr is not None and tr.read_only_workspaces is not None:
        return tr.read_only_workspaces
    if task.spec is not None and task.spec.read_only_workspaces is not None:
        return task.spec.read_only_workspaces
    return ()
