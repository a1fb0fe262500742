"""The Findings renderables: golden text at fixed widths in UTC, the compact line, inert cluster strings."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from rich.console import Console

from tektonwatch.findings import Evidence, Finding, Kind, Severity
from tektonwatch.render.findings import delta, finding_line, findings_block
from tektonwatch.render.fmt import Zone
from tests.race_scenarios import analysed, incident

SKEWED = Finding(
    kind=Kind.OVERLAP,
    severity=Severity.WARNING,
    namespace="ns",
    pipeline_run="nightly",
    workspace="cache",
    storage="pvc:cache",
    producer=None,
    tasks=("warm-cache", "compile"),
    failed=("compile",),
    message="warm-cache and compile ran at the same time.",
    evidence=(
        Evidence(
            task="warm-cache", event="started", time=datetime(2025, 10, 27, 23, 59, 58, tzinfo=UTC), delta=0.0
        ),
        Evidence(
            task="compile",
            event="step-started",
            step="fetch",
            time=datetime(2025, 10, 27, 23, 59, 57, tzinfo=UTC),
            delta=-1.0,
        ),
        Evidence(
            task="compile", event="failed", time=datetime(2025, 10, 28, 0, 7, 48, tzinfo=UTC), delta=470.0
        ),
    ),
)

GOLDEN_80 = """\
CRITICAL fresh-artifact  workspace source on pvc:model-build-pvc
  push-to-internal and push-to-quay started 0s after build completed, reading
  pvc:model-build-pvc while it may still have been settling; push-to-quay failed
  with an I/O error (permission denied). Make the consumers wait for the
  artifact: add a readiness check (file complete and readable) or serialise them
  with runAfter.
  Timeline evidence (UTC)
    build completed           18:34:10  +0s
    push-to-internal started  18:34:10  +0s
    push-to-quay started      18:34:10  +0s
    push-to-quay failed       18:34:17  +7s

WARNING overlap  workspace cache on pvc:cache
  warm-cache and compile ran at the same time.
  Timeline evidence (UTC)
    warm-cache started                     23:59:58      +0s
    compile step fetch started             23:59:57      -1s
    compile failed              2025-10-28 00:07:48  +7m 50s
"""

GOLDEN_160 = (
    (
        "CRITICAL fresh-artifact  workspace source on pvc:model-build-pvc\n"
        "  push-to-internal and push-to-quay started 0s after build completed, reading "
        "pvc:model-build-pvc while it may still have been settling; push-to-quay failed\n"
        "  with an I/O error (permission denied). Make the consumers wait for the artifact: add a "
        "readiness check (file complete and readable) or serialise them with\n"
        "  runAfter.\n"
    )
    + """\
  Timeline evidence (UTC)
    build completed           18:34:10  +0s
    push-to-internal started  18:34:10  +0s
    push-to-quay started      18:34:10  +0s
    push-to-quay failed       18:34:17  +7s

WARNING overlap  workspace cache on pvc:cache
  warm-cache and compile ran at the same time.
  Timeline evidence (UTC)
    warm-cache started                     23:59:58      +0s
    compile step fetch started             23:59:57      -1s
    compile failed              2025-10-28 00:07:48  +7m 50s
"""
)


def text(renderable, width: int) -> str:
    """What a terminal of ``width`` columns shows (trailing spaces dropped)."""
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(renderable)
    return "\n".join(line.rstrip() for line in console.export_text().splitlines()) + "\n"


def ansi(renderable, width: int) -> str:
    """The raw bytes a colour terminal would receive."""
    console = Console(width=width, color_system="truecolor", force_terminal=True)
    with console.capture() as capture:
        console.print(renderable)
    return capture.get()


@pytest.fixture(scope="module")
def incident_finding() -> Finding:
    return analysed(incident()).findings[0]


@pytest.mark.parametrize(("width", "golden"), [(80, GOLDEN_80), (160, GOLDEN_160)])
def test_findings_section_golden(incident_finding, width, golden):
    """The incident, then an overlap whose evidence crosses midnight (the date shows) and has a -1s step."""
    assert text(findings_block([incident_finding, SKEWED], Zone.utc(), width), width) == golden


def test_no_findings_render_nothing():
    assert text(findings_block([], Zone.utc(), 80), 80).strip() == ""


def test_times_follow_the_zone(incident_finding):
    shown = text(findings_block([incident_finding], Zone("Europe/Paris"), 80), 80)
    assert "build completed           19:34:10  +0s" in shown


def test_narrow_terminal_keeps_time_and_delta(incident_finding):
    shown = text(findings_block([incident_finding], Zone.utc(), 40), 40)
    assert all(len(line) <= 40 for line in shown.splitlines())
    assert "18:34:17  +7s" in shown


@pytest.mark.parametrize(
    ("seconds", "shown"), [(0.0, "+0s"), (7.0, "+7s"), (-1.0, "-1s"), (470.0, "+7m 50s"), (None, "")]
)
def test_delta_keeps_its_sign(seconds, shown):
    assert delta(seconds) == shown


def test_compact_line(incident_finding):
    line = finding_line(incident_finding, 200)
    assert line.plain == (
        "CRITICAL fresh-artifact build → push-to-internal, push-to-quay on pvc:model-build-pvc; "
        "failed: push-to-quay"
    )
    short = finding_line(incident_finding, 50)
    assert short.plain.startswith("CRITICAL fresh-artifact ") and short.plain.endswith("…")
    assert short.cell_len == 50


def test_severity_is_styled_and_in_words(incident_finding):
    styled = ansi(findings_block([incident_finding], Zone.utc(), 80), 80)
    assert "41mCRITICAL\x1b[0m" in styled  # the theme's badge: bold white on red


MARKUP = "[bold]x[/bold]"
CSI = "\x1b[31mred"
OSC = "\x1b]0;title\x07evil"


def hostile() -> Finding:
    names = (MARKUP, CSI, OSC)
    return Finding(
        kind=Kind.FRESH_ARTIFACT,
        severity=Severity.CRITICAL,
        namespace="ns",
        pipeline_run="run",
        workspace=MARKUP,
        storage="pvc:" + OSC,
        producer=CSI,
        tasks=names,
        failed=(OSC,),
        message=f"{MARKUP} and {CSI} started; {OSC} failed [link=http://x]click[/link]",
        evidence=tuple(
            Evidence(task=n, event="started", time=datetime(2025, 10, 27, 18, 34, 10, tzinfo=UTC), delta=0.0)
            for n in names
        ),
    )


@pytest.mark.parametrize("form", ["block", "line"])
def test_cluster_strings_render_inert(form):
    renderable = (
        findings_block([hostile()], Zone.utc(), 200) if form == "block" else finding_line(hostile(), 200)
    )
    plain = text(renderable, 200)
    raw = ansi(renderable, 200)
    assert MARKUP in plain
    assert form == "line" or "[link=http://x]click[/link]" in plain
    assert "red" in plain and "evil" in plain
    for escape in ("\x1b[31m", "\x1b]0;", "\x07", "\x1b]8;"):
        assert escape not in raw
    assert "title" not in plain
