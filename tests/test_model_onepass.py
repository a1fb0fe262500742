"""One-pass decoding (a whole list body, a whole watch line) gives the very records item-by-item decoding gives,
and steps aside — returning None, so the caller reads item by item and names each bad one — when it cannot."""

from __future__ import annotations

import json

import pytest

from tektonwatch.model import SUPPORTED_VERSIONS as SUPPORTED
from tektonwatch.model import ObjectError, decode, decode_event, decode_listing, records
from tektonwatch.sources.files import objects
from tests.conftest import FIXTURES

REAL = sorted(p for p in (FIXTURES / "real").glob("*.*") if p.suffix in (".json", ".yaml"))


def listed(items: list[dict]) -> bytes:
    return json.dumps({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": "42"},
                       "items": items}).encode()


def real_items() -> list[dict]:
    found: list[dict] = []
    for path in REAL:
        for obj in objects(path.read_bytes(), path.name):
            found.append(json.loads(obj) if isinstance(obj, bytes) else dict(obj))
    return [o for o in found if o.get("kind") in ("PipelineRun", "TaskRun") and o.get("apiVersion") in SUPPORTED]


def test_a_listing_gives_the_records_of_item_by_item_decoding() -> None:
    items = real_items()
    assert len(items) >= 10
    listing = decode_listing(listed(items))
    assert listing is not None and listing.metadata.resource_version == "42"
    assert records(listing.items or []) == [decode(json.dumps(o).encode()) for o in items]


def test_a_watch_line_gives_the_record_of_its_object() -> None:
    for obj in real_items():
        fast = decode_event(json.dumps({"type": "MODIFIED", "object": obj}).encode())
        assert fast == ("MODIFIED", decode(json.dumps(obj).encode()))


def test_an_unusable_item_becomes_its_error_in_place() -> None:
    good, *_ = real_items()
    nameless = {**good, "metadata": {"namespace": "ns"}}
    alpha = {**good, "apiVersion": "tekton.dev/v1alpha1"}
    listing = decode_listing(listed([good, nameless, alpha]))
    assert listing is not None
    first, second, third = records(listing.items or [])
    assert not isinstance(first, ObjectError)
    assert isinstance(second, ObjectError) and "without metadata.name" in str(second)
    assert isinstance(third, ObjectError) and "unsupported apiVersion tekton.dev/v1alpha1" in str(third)


@pytest.mark.parametrize(
    "body",
    [
        listed([{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}]),  # another kind
        listed([{"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": 7}}]),  # malformed
        listed([{"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t"}}])
        .replace(b'"t"', b'"\xff"'),  # invalid UTF-8: repaired item by item
        json.dumps({"apiVersion": "tekton.dev/v1", "kind": "TaskRun", "metadata": {"name": "t"}}).encode(),
        b"[]",
        b"{not json",
    ],
    ids=["another-kind", "malformed-field", "invalid-utf8", "single-object", "array", "not-json"],
)
def test_a_list_that_needs_item_by_item_reading_gives_none(body: bytes) -> None:
    assert decode_listing(body) is None


@pytest.mark.parametrize(
    "line",
    [
        (b'{"type":"BOOKMARK","object":{"kind":"TaskRun","apiVersion":"tekton.dev/v1",'
         b'"metadata":{"resourceVersion":"9"}}}'),
        b'{"type":"ERROR","object":{"kind":"Status","code":410}}',
        b'{"type":"ADDED","object":{"kind":"TaskRun","apiVersion":"tekton.dev/v1alpha1","metadata":{"name":"t"}}}',
        b'{"type":"ADDED","object":{"kind":"TaskRun","metadata":{"name":"\xff"}}}',
        b"",
        b"{broken",
    ],
    ids=["bookmark", "error", "unsupported-version", "invalid-utf8", "blank", "corrupt"],
)
def test_a_line_that_needs_the_long_way_gives_none(line: bytes) -> None:
    assert decode_event(line) is None
