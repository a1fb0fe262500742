"""Provides the decode benchmark: list pages (the bytes an API server sends) into typed records, against
``orjson.loads`` of the same bytes — CPU time, GC on, median of ``--repeat`` passes over every page.

    python benchmarks/bench_decode.py DATA_DIR [--repeat 7]

The decode side is the product's own path for a list body (``sources.kubewatch`` and ``sources.files``): one
typed pass over the page (``model.decode_listing``), then ``model.records`` of its items. Both sides hold what they
build until the pass ends (the records are the model; the floor's dicts are what ``loads`` of a whole list
leaves), so both pay the garbage collector for it. Prints JSON figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import emit, median, timed
from benchmarks.generate import page_files
from tektonwatch.model import decode_listing, records


def to_records(pages: list[bytes]) -> list:
    """Every item of every page as a record, all held (the model is what the list is read for)."""
    listings = [decode_listing(body) for body in pages]
    assert all(listing is not None for listing in listings)
    return [record for listing in listings for record in records(listing.items or [])]  # type: ignore[union-attr]


def floor(pages: list[bytes]) -> list:
    """``orjson.loads`` of every page, all held: the same bytes as full dicts, nothing else."""
    return [orjson.loads(body) for body in pages]


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    pages = [p.read_bytes() for p in page_files(args.data)]
    count = len(to_records(pages))
    assert count == sum(len(p["items"]) for p in floor(pages))
    ours = median(timed(lambda: to_records(pages), args.repeat, time.process_time))
    base = median(timed(lambda: floor(pages), args.repeat, time.process_time))
    size = sum(len(p) for p in pages)
    emit({"decode_s": ours, "orjson_s": base, "ratio": ours / base, "bytes": size, "objects": count,
          "decode_mb_s": size / 2**20 / ours})


if __name__ == "__main__":
    main()
