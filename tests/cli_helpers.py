"""Provides what the command-line tests share: the real command in a subprocess (``tw``), and ``snapshot`` run
in-process on files with a frozen clock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

from tektonwatch.app import Settings, run_snapshot
from tektonwatch.clock import FrozenClock

NOW = datetime(2025, 10, 27, 18, 45, 0, tzinfo=UTC)


def tw(*args: str, stdin: bytes | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command in a subprocess (real stdout, stderr and exit status)."""
    full_env = {**os.environ, "COLUMNS": "120", "TZ": "UTC", **(env or {})}
    full_env.pop("NO_COLOR", None) if env is None or "NO_COLOR" not in env else None
    return subprocess.run([sys.executable, "-m", "tektonwatch", *args], input=stdin, capture_output=True,
                          env=full_env, timeout=60, check=False)


def snapshot_json(*files, **opts) -> dict:
    return json.loads(snapshot_text(*files, output="json", **opts))


def snapshot_text(*files, output="table", capsys=None, **opts) -> str:
    import io
    from contextlib import redirect_stdout

    settings = Settings.from_options({"from_files": [str(f) for f in files], "output": output, "utc": True,
                                      "color": "never", **opts}, environ={})
    buf = io.StringIO()
    with redirect_stdout(buf):
        run_snapshot(settings, clock=FrozenClock(NOW))
    return buf.getvalue()
