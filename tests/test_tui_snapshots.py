"""SVG snapshots of the dashboard over the bundled demo, each saying what a person must see.

Deterministic: the demo is replayed as fast as possible, so the clock is the replay's, frozen at the end of the
recording (18:40:49 UTC); times are in UTC; the size is fixed; no text cursor is on screen. Regenerate with
``pytest tests/test_tui_snapshots.py --snapshot-update`` only after looking at the report.
"""

from __future__ import annotations

from tests.test_tui import demo_app, demo_ready


def test_demo_with_q4_selected(snap_compare):
    """Top: both runs — model-serving-q4 "✗ Failed 5/5 … 43m 06s … ! critical" (highlighted) and
    model-serving-full "● Running 1/5 … 1h 20m 45s". Below, titled private-ai/model-serving-q4: its Gantt with
    build ending at the instant push-to-internal and push-to-quay start (both marked ┃ and !), the legend
    "started in the same second (18:34:10)", then "CRITICAL fresh-artifact  workspace source on
    pvc:model-build-pvc", the message naming permission denied, and the timeline evidence (+0s, +0s, +0s, +7s).
    Status line: "replay done · updated 18:40:49 UTC · 2 runs, 1 active"; the footer lists the keys."""
    assert snap_compare(demo_app(), terminal_size=(120, 40), run_before=demo_ready)


def test_races_view(snap_compare):
    """After ``r``: the lower pane is titled "Races: 1 finding in 1 run" and shows q4's header line
    ("✗ model-serving-q4  Failed  43m 06s  5/5 tasks …") followed by the CRITICAL fresh-artifact finding
    with its evidence table; the run list above is unchanged."""
    assert snap_compare(demo_app(), terminal_size=(120, 36), run_before=demo_ready, press=["r"])


def test_wide_steps_of_the_running_run(snap_compare):
    """After ``j`` and ``w``: model-serving-full is highlighted; its detail, titled "… · steps", shows each
    task's pod and step rows — build's prepare and build-image done, export-oci "●" still running — and the
    tasks not started yet; no race finding ("No race findings in this run.")."""
    assert snap_compare(demo_app(), terminal_size=(100, 40), run_before=demo_ready, press=["j", "w"])


def test_narrow_terminal(snap_compare):
    """A 44×14 terminal: no borders; the list keeps NAME and STATUS ("✗ Failed", "● Running"), the detail
    starts with q4's header and as many Gantt rows as fit, the status line says "replay done", the footer
    shows the first keys."""
    assert snap_compare(demo_app(), terminal_size=(44, 14), run_before=demo_ready)
