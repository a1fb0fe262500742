"""Golden text of the snapshot table and the Gantt at fixed widths (80 and 160) with a frozen clock.

Each golden file is what a person sees: run table, one timeline per run with steps inside the bars, the
same-second group legend, and the findings. Regenerate after an intended change with
``TEKTONWATCH_UPDATE_GOLDEN=1 python3 -m pytest tests/test_render_golden.py``, then read the diff.
"""

from __future__ import annotations

import io
import os
from contextlib import redirect_stdout
from datetime import UTC, datetime

import pytest

from tektonwatch.app import Settings, run_snapshot
from tektonwatch.clock import FrozenClock
from tektonwatch.sources.replay import demo_path
from tests.conftest import REAL, TESTS

GOLDEN = TESTS / "golden"
NOW = datetime(2023, 8, 25, 15, 10, 0, tzinfo=UTC)
PSX = [str(p) for p in sorted(REAL.glob("psx__*")) if "tooBig" not in p.name]


def render(opts: dict, width: int, monkeypatch, clock=None) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    settings = Settings.from_options({"utc": True, "color": "never", **opts}, environ={})
    buf = io.StringIO()
    with redirect_stdout(buf):
        run_snapshot(settings, clock=clock)
    return buf.getvalue()


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("TEKTONWATCH_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; see the module docstring to regenerate"


CASES = {
    "demo": ({"replay": demo_path(), "gantt": "all"}, None),
    "demo-wide": ({"replay": demo_path(), "gantt": "all", "output": "wide"}, None),
    "psx": ({"from_files": PSX}, FrozenClock(NOW)),
}


@pytest.mark.parametrize("width", [80, 160])
@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case, width, monkeypatch):
    opts, clock = CASES[case]
    text = render(opts, width, monkeypatch, clock)
    assert all(len(line) <= width for line in text.splitlines()), "a line is wider than the terminal"
    check(f"{case}-{width}.txt", text)


def test_demo_shows_the_incident(monkeypatch):
    text = render(CASES["demo"][0], 120, monkeypatch)
    assert "CRITICAL fresh-artifact" in text
    assert "started in the same second (18:34:10): push-to-internal, push-to-quay" in text
    assert "push-to-quay failed" in text and "permission denied" in text
