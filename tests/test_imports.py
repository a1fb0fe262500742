"""Import rules (DESIGN §2): the pure core loads none of textual, rich, kubernetes; print modes load no textual;
``--help`` and ``snapshot --from`` never pay for the kubernetes client."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REAL

CORE = ["tektonwatch.model", "tektonwatch.store", "tektonwatch.timeline", "tektonwatch.races",
        "tektonwatch.ingest", "tektonwatch.jsonout", "tektonwatch.scope", "tektonwatch.health",
        "tektonwatch.findings", "tektonwatch.clock", "tektonwatch.events", "tektonwatch.runcache",
        "tektonwatch.podlogs"]
HEAVY = ("textual", "rich", "kubernetes")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    script = code + "\nimport sys, json; print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


@pytest.mark.parametrize("module", CORE)
def test_pure_core_imports_no_ui_or_cluster_client(module):
    assert not loaded_after(f"import {module}") & set(HEAVY)


def test_core_never_reaches_into_sources_or_front_ends():
    script = "import " + ", ".join(CORE) + "\nimport sys; print(sorted(m for m in sys.modules if m.startswith('tektonwatch.')))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    modules = eval(out.strip().splitlines()[-1])
    assert not [m for m in modules if m.startswith(("tektonwatch.sources", "tektonwatch.render",
                                                    "tektonwatch.tui", "tektonwatch.watch", "tektonwatch.cli"))]


def test_help_loads_only_click():
    loaded = loaded_after("import sys\nsys.argv=['tektonwatch','--help']\nfrom tektonwatch.cli import cli\n"
                          "try:\n    cli(prog_name='tektonwatch')\nexcept SystemExit:\n    pass")
    assert not loaded & {"textual", "rich", "kubernetes", "msgspec", "pendulum", "yaml"}


def test_snapshot_from_file_does_not_import_kubernetes_or_textual():
    path = REAL / "pac__pr__test-failed-pipelinerun.yaml"
    loaded = loaded_after(
        f"import sys\nsys.argv=['tektonwatch','snapshot','--from',{str(path)!r}]\nfrom tektonwatch.cli import cli\n"
        "try:\n    cli(prog_name='tektonwatch')\nexcept SystemExit:\n    pass")
    assert "rich" in loaded  # it did print
    assert not loaded & {"kubernetes", "textual"}


def test_watch_mode_does_not_import_textual():
    loaded = loaded_after("import tektonwatch.watch")
    assert "textual" not in loaded and "kubernetes" not in loaded
