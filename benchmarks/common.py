"""Provides what every benchmark shares: timing a whole process (wall, CPU, peak RSS), medians, the machine's
details, running an in-process benchmark module in a fresh interpreter, and the result ``Row`` with its verdict.

Figures are medians of several runs; a ratio compares two figures measured in the same run of ``run.py`` on the
same data. A target is ``met`` when the ratio is on the right side of it; a miss larger than ``NOISE`` (relative)
is what makes ``run.py`` exit non-zero.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NOISE = 0.10
PACKAGES = ("msgspec", "orjson", "rich", "click", "kubernetes", "urllib3", "textual")


@dataclass(frozen=True)
class Proc:
    """One finished process: wall seconds, CPU seconds (user + system), peak RSS in MB, exit code."""

    wall: float
    cpu: float
    rss_mb: float
    code: int


def env() -> dict[str, str]:
    """The environment benchmark processes run in: the repository importable (no install needed), wide
    output, no colour decisions left to a terminal that is not there."""
    out = dict(os.environ)
    out["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    out["COLUMNS"] = "160"
    out.pop("NO_COLOR", None)
    return out


# Spawns the measured command, waits for it and reports its own wall time, CPU and peak RSS on a pipe. A tiny
# process in between matters: Linux carries the peak RSS of the address space a child was forked (or vforked)
# from across exec, so a command spawned straight from this (larger) process would report this process's peak.
_MEASURE = """
import json, os, sys, time
start = time.perf_counter()
pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)
_, status, ru = os.wait4(pid, 0)
wall = time.perf_counter() - start
os.write(int(sys.argv[1]), json.dumps([wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, os.waitstatus_to_exitcode(status)]).encode())
"""


def run_proc(cmd: Sequence[str], stdout: Any = subprocess.DEVNULL, timeout: float = 600.0) -> Proc:
    """Run ``cmd`` to its end and measure it: wall, CPU (``os.wait4``) and peak RSS of that process alone."""
    read, write = os.pipe()
    with tempfile.TemporaryFile() as err:
        try:
            subprocess.run([sys.executable, "-S", "-c", _MEASURE, str(write), *cmd], stdout=stdout, stderr=err, env=env(),
                           cwd=ROOT, pass_fds=(write,), timeout=timeout, check=False)
        finally:
            os.close(write)
        with os.fdopen(read, "rb") as fh:
            report = fh.read()
        wall, cpu, rss_kb, code = json.loads(report or b"[0, 0, 0, -1]")
        if code != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(cmd[:4])}… exited {code}: {err.read().decode(errors='replace')[-400:]}")
    return Proc(wall, cpu, rss_kb / 1024, code)


def median(values: Sequence[float]) -> float:
    """The median (of several runs)."""
    return statistics.median(values)


def timed(fn: Callable[[], Any], repeat: int, clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Seconds per call of ``fn``, ``repeat`` times (GC left on: it is part of the real cost)."""
    out = []
    for _ in range(repeat):
        start = clock()
        fn()
        out.append(clock() - start)
    return out


def rss_mb() -> float:
    """This process's current resident set size, in MB."""
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(module: str, *args: str, timeout: float = 900.0) -> dict[str, Any]:
    """Run ``benchmarks/<module>.py`` in a fresh interpreter; it prints one JSON document of figures."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / f"{module}.py"), *args]
    done = subprocess.run(cmd, capture_output=True, env=env(), cwd=ROOT, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{module} failed: {done.stderr.decode(errors='replace').strip()[-800:]}")
    return json.loads(done.stdout)


def emit(figures: dict[str, Any]) -> None:
    """What a benchmark module prints: its figures as one JSON document."""
    print(json.dumps(figures))


def machine() -> dict[str, str]:
    """CPU model, cores, memory, OS, Python and the versions of the packages that matter."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} -")
    kubectl = shutil.which("kubectl")
    kver = ""
    if kubectl:
        done = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True, check=False)
        kver = done.stdout.splitlines()[0].split(":", 1)[-1].strip() if done.stdout else "?"
    return {"cpu": f"{model} x {os.cpu_count()} cores", "memory": f"{mem:.0f} GiB",
            "os": f"{platform.system()} {platform.release()}",
            "python": f"{platform.python_implementation()} {platform.python_version()}",
            "packages": ", ".join(versions), "kubectl": kver or "not installed"}


@dataclass
class Row:
    """One line of the results table: a ratio (or figure) against its target.

    ``higher`` says a larger figure is better (events per second); ``detail`` shows the two figures behind the
    ratio; a row without a target is informational.
    """

    name: str
    scale: str
    measured: float | None
    target: float | None
    higher: bool = False
    unit: str = "x"
    detail: str = ""
    broken: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        """True/False against the target; None when there is nothing to judge."""
        if self.measured is None or self.target is None:
            return None
        return self.measured >= self.target if self.higher else self.measured <= self.target

    @property
    def beyond_noise(self) -> bool:
        """A miss larger than the noise margin."""
        if self.met is not False:
            return False
        assert self.measured is not None and self.target is not None
        if self.higher:
            return self.measured < self.target * (1 - NOISE)
        return self.measured > self.target * (1 + NOISE)

    @property
    def verdict(self) -> str:
        """``met``, ``MISSED`` (``MISSED~`` within the noise margin), ``info``, ``n/a`` or ``FAILED``."""
        if self.broken:
            return "FAILED"
        if self.measured is None:
            return "n/a"
        if self.met is None:
            return "info"
        if self.met:
            return "met"
        return "MISSED" if self.beyond_noise else "MISSED~"

    def shown(self, value: float | None) -> str:
        """A figure as the table prints it."""
        if value is None:
            return "-"
        if self.unit == "x":
            return f"{value:.2f}x" if value < 10 else f"{value:.1f}x"
        if self.unit == "%":
            return f"{value:.2f}%" if value < 10 else f"{value:.1f}%"
        return f"{value:.1f} {self.unit}"

    def target_text(self) -> str:
        """``<= 1.00x`` or ``>= 1.00x``."""
        if self.target is None:
            return ""
        return ("≥ " if self.higher else "≤ ") + self.shown(self.target)
