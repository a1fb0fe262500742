"""Provides the model: Tekton JSON in, frozen typed records out.

The model package is the only code that knows Tekton's JSON shape (``wire``); everything downstream uses the
records of ``records``. It must never import rich, textual or kubernetes.
"""

from tektonwatch.model.decode import (
    SUPPORTED_VERSIONS,
    ObjectError,
    decode,
    decode_event,
    decode_listing,
    describe,
    records,
    run_status,
    storage_of,
)
from tektonwatch.model.records import (
    Attempt,
    Binding,
    ChildRef,
    PipelineRun,
    PipelineTask,
    Run,
    Status,
    Step,
    Storage,
    TaskRun,
    TaskWorkspace,
)

__all__ = [
    "SUPPORTED_VERSIONS", "Attempt", "Binding", "ChildRef", "ObjectError", "PipelineRun", "PipelineTask", "Run",
    "Status", "Step", "Storage", "TaskRun", "TaskWorkspace", "decode", "decode_event", "decode_listing", "describe",
    "records", "run_status", "storage_of",
]
