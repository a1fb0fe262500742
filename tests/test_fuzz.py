"""Property tests: random, truncated and mangled objects never raise out of the parser — they decode or give a
one-line ``ObjectError``; files of garbage give a ``SourceError``, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tektonwatch.errors import SourceError
from tektonwatch.model import ObjectError, decode
from tektonwatch.sources.files import event_for, objects
from tests.conftest import REAL

SAMPLES = [p.read_bytes() for p in sorted(REAL.glob("*.json"))]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
keys = st.sampled_from(["metadata", "spec", "status", "conditions", "steps", "startTime", "taskRuns", "name",
                        "childReferences", "pipelineSpec", "tasks", "workspaces", "terminated", "labels"])


def decodes_or_warns(data) -> None:
    try:
        decode(data)
    except ObjectError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(kind=st.sampled_from(["PipelineRun", "TaskRun", "Pod", None]),
       version=st.sampled_from(["tekton.dev/v1", "tekton.dev/v1beta1", "tekton.dev/v1alpha1", None, 3]),
       body=st.dictionaries(keys, json_values, max_size=5))
def test_random_objects_never_raise(kind, version, body):
    obj = {"kind": kind, "apiVersion": version, **body}
    decodes_or_warns(obj)
    decodes_or_warns(json.dumps(obj).encode())


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, len(SAMPLES) - 1), cut=st.floats(0, 1))
def test_truncated_real_objects_give_a_source_error_or_objects(index, cut):
    data = SAMPLES[index][: int(len(SAMPLES[index]) * cut)]
    try:
        for obj in objects(data, "dump.json"):
            event_for(obj, "dump.json")
    except SourceError as exc:
        assert "dump.json" in str(exc) and "\n" not in str(exc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_give_a_source_error_or_objects(data):
    try:
        for obj in objects(data, "x"):
            event_for(obj, "x")
    except SourceError as exc:
        assert str(exc).startswith("x: ")
