"""Small renderable pieces: human durations, ages, zones, inert text, column fitting, the Gantt axis, and the
label-selector and duration grammars of the scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rich.text import Text

from tektonwatch.model import Status, TaskRun
from tektonwatch.render.columns import Column, layout
from tektonwatch.render.fmt import Zone, age, duration, fitted_duration, short_duration
from tektonwatch.render.gantt import Axis, Gantt
from tektonwatch.render.text import cell, one_line, safe
from tektonwatch.scope import SelectorError, parse_duration, parse_selector
from tektonwatch.timeline import build_standalone

T = datetime(2025, 10, 27, 18, 34, 10, tzinfo=UTC)


@pytest.mark.parametrize(("seconds", "long", "short"), [
    (None, "-", "-"), (0, "0s", "0s"), (9.7, "9s", "9s"), (250, "4m 10s", "4m10s"),
    (3725, "1h 02m 05s", "1h02m"), (-3, "-3s", "3s"), (90061, "25h 01m 01s", "25h01m"),
    (172799, "47h 59m 59s", "47h59m"), (33_755_166, "390d 16h 26m", "390d"), (-2 * 86400, "-2d 00h 00m", "2d00h")])
def test_durations(seconds, long, short):
    assert (duration(seconds), short_duration(seconds)) == (long, short)


@pytest.mark.parametrize(("delta", "text"), [(5, "5s ago"), (600, "10m ago"), (7200, "2h ago"),
                                             (86400 * 3, "3d ago"), (-120, "in 2m00s")])
def test_ages(delta, text):
    assert age(T - timedelta(seconds=delta), T) == text


def test_zones_convert_and_show_the_date_only_when_it_differs():
    berlin = Zone("Europe/Berlin")
    assert berlin.clock(T) == "19:34:10"
    assert Zone.utc().stamp(T, T) == "18:34:10"
    assert Zone.utc().stamp(T, T + timedelta(days=1)) == "2025-10-27 18:34:10"


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain", "plain"),
    ("[bold]x[/bold]", "[bold]x[/bold]"),
    ("\x1b[31mred\x1b[0m", "red"),
    ("a\x1b]0;title\x07b", "ab"),
    ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
    ("tab\there", "tab here"),
    ("line\nbreak\r", "line break "),
    ("bell\x07\x00nul", "bellnul"),
    ("c1\x9b2Jx", "c1x"),
])
def test_safe_text_strips_control_sequences_and_keeps_markup_literal(raw, shown):
    assert safe(raw) == shown
    assert cell(raw).plain == shown and cell(raw).spans == []


def test_one_line_cuts_with_an_ellipsis():
    assert one_line("a  b\nc", 10) == "a b c"
    assert one_line("abcdefghij", 5) == "abcd…"


def test_layout_shrinks_flexible_columns_then_drops_optional_ones():
    columns = [Column("NAME", flex=1, min_width=6), Column("PIPELINE", flex=2, min_width=4, drop=1),
               Column("STATUS")]
    rows = [[Text("a-very-long-run-name"), Text("a-long-pipeline"), Text("Running")]]
    wide = layout(columns, rows, 80)
    assert wide[1].plain.startswith("a-very-long-run-name  a-long-pipeline  Running")
    mid = layout(columns, rows, 40)
    assert all(line.cell_len <= 40 for line in mid) and "a-very-long-run-name" in mid[1].plain
    narrow = layout(columns, rows, 20)
    assert all(line.cell_len <= 20 for line in narrow) and "PIPELINE" not in narrow[0].plain


def test_axis_maps_instants_and_labels_round_times():
    axis = Axis(T, T + timedelta(minutes=60), 60)
    assert axis.col(T) == 0 and axis.col(T + timedelta(minutes=30)) == 30
    assert axis.col(T + timedelta(hours=2)) == 59 and axis.col(T - timedelta(hours=1)) == 0
    ticks = axis.ticks(Zone.utc()).plain
    assert len(ticks) == 60 and "18:40" in ticks and "18:50" in ticks


@pytest.mark.parametrize(("days", "labels"), [
    (10, ["10-29", "10-31", "11-02"]), (100, ["2025-11", "2025-12", "2026-01"]), (800, ["2026-01", "2026-07"]),
])
def test_an_axis_of_days_months_or_years_is_labelled_with_dates(days, labels):
    """Days apart, labels are dates; months or years apart, each label stands on the first of its month (not on
    a multiple of 30 days), so ``2026-01`` is where January begins."""
    axis = Axis(T, T + timedelta(days=days), 60)
    ticks = axis.ticks(Zone.utc()).plain
    assert all(label in ticks for label in labels) and "00:00" not in ticks
    if days >= 100:
        assert ticks.index("2026-01") == axis.col(datetime(2026, 1, 1, tzinfo=UTC))


def test_a_run_stuck_for_years_keeps_its_duration_and_an_axis_of_years():
    """A TaskRun "running" for 1541 days (a dump of a controller that lost it): the row's duration fits its column
    (``1541d``) instead of being cut at the edge, and the axis is labelled with years."""
    start = T - timedelta(days=1541, hours=20)
    stuck = TaskRun(namespace="ci", name="t", status=Status.RUNNING, start=start, pod_name="t-pod")
    view = build_standalone(stuck)
    lines = Gantt(view, T, Zone.utc()).lines(80)
    assert all(line.cell_len <= 80 for line in lines)
    row = next(line.plain for line in lines if "░" in line.plain or "█" in line.plain)
    assert row.rstrip().endswith("1541d")
    assert any("2024" in line.plain and "2025" in line.plain for line in lines)
    assert fitted_duration(1541 * 86400 + 3600, 11) == "1541d" and fitted_duration(3 * 86400, 11) == "3d 00h 00m"
    assert short_duration(150 * 86400 + 7200) == "150d" and short_duration(3 * 86400 + 7200) == "3d02h"


@pytest.mark.parametrize(("selector", "labels", "expected"), [
    ("app=a", {"app": "a"}, True), ("app==a", {"app": "b"}, False), ("app!=a", {}, True),
    ("tier in (x, y)", {"tier": "y"}, True), ("tier notin (x)", {"tier": "x"}, False),
    ("app", {"app": ""}, True), ("!app", {"app": "a"}, False),
    ("app=a,tier in (x,y),!dev", {"app": "a", "tier": "x"}, True),
])
def test_label_selectors(selector, labels, expected):
    assert parse_selector(selector)(labels) is expected


@pytest.mark.parametrize("bad", ["a in (b", "=x", "a b c"])
def test_bad_selectors_are_errors(bad):
    with pytest.raises(SelectorError):
        parse_selector(bad)


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("2h30m", 9000), ("1d", 86400)])
def test_durations_parse(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("bad", ["", "soon", "5", "5x", "1h-"])
def test_bad_durations(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)
