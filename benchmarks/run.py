"""Provides the one benchmark command: every benchmark of issue 7, ratios measured in the same run, printed as a
table with the machine's details; exit status 1 when a target is missed by more than the noise margin.

    python benchmarks/run.py            # 500 PipelineRuns / 5,000 TaskRuns
    python benchmarks/run.py --full     # and 2,000 / 20,000, with the scaling rows
    python benchmarks/run.py --quick    # 100 / 1,000, fewer runs, under two minutes, never fails

Data is generated (``generate.py``, seed 7) into a temporary directory, or reused from ``--keep DIR``. Whole
processes are timed with ``os.wait4`` (wall, CPU, peak RSS) after one untimed warm-up, interleaved so drift
hits both sides of a ratio alike; in-process benchmarks run in fresh interpreters (``bench_*.py``). The live
comparison with kubectl serves the cluster from the Kubernetes API test double (``serve.py``) and is skipped
when kubectl is not installed. Timings are not tests: the suite never runs this.
"""

from __future__ import annotations

import argparse
import json
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import common
from benchmarks.common import Proc, Row, child, median, run_proc
from benchmarks.generate import Spec, paths, write

PY = sys.executable
TW = [PY, "-m", "tektonwatch"]
QUICK_NOTE = ("quick: 1,000 TaskRuns, where fixed costs (interpreter, imports) dominate; the targets are set at "
              "5,000, so these verdicts are for information and never fail the run")
START_TIMEOUT = 600.0  # seconds to seed and start the API test double (~40 s for 22,000 objects)


@dataclass(frozen=True)
class Plan:
    """How much to run: the scales (label, spec, kubectl-vs target), repeats of whole processes and of
    in-process passes, and whether a miss may fail the run."""

    scales: tuple[tuple[str, Spec, float], ...]
    runs: int
    slow_runs: int
    passes: int
    strict: bool


def plan_of(args: argparse.Namespace) -> Plan:
    """The plan the flags ask for."""
    if args.quick:
        return Plan((("1k", Spec(prs=100, events=1000), 1.0),), 3, 1, 3, False)
    scales = [("5k", Spec(prs=500, events=5000), 1.0)]
    if args.full:
        scales.append(("20k", Spec(prs=2000, events=20000), 0.5))
    return Plan(tuple(scales), args.runs, max(2, args.runs // 2), args.passes, True)


# ---- data -----------------------------------------------------------------------------------------------------


def dataset(spec: Spec, root: Path) -> tuple[Path, dict]:
    """Generated data for ``spec`` under ``root`` (reused when already there)."""
    out = root / f"{spec.prs}x{spec.tasks}-{spec.events}-s{spec.seed}"
    stats_file = paths(out)["stats"]
    if stats_file.exists():
        return out, json.loads(stats_file.read_text())
    return out, write(spec, out)


# ---- whole processes ----------------------------------------------------------------------------------------


def interleaved(commands: dict[str, Sequence[str]], runs: dict[str, int]) -> dict[str, list[Proc]]:
    """Run each command once untimed, then round-robin until each has its number of timed runs."""
    for cmd in commands.values():
        run_proc(cmd)
    out: dict[str, list[Proc]] = {name: [] for name in commands}
    for i in range(max(runs.values())):
        for name, cmd in commands.items():
            if i < runs[name]:
                out[name].append(run_proc(cmd))
    return out


def wall(procs: list[Proc]) -> float:
    """Median wall seconds."""
    return median([p.wall for p in procs])


def peak(procs: list[Proc]) -> float:
    """Median peak RSS, MB."""
    return median([p.rss_mb for p in procs])


def secs(a: float, b: float) -> str:
    """``0.84 s vs 0.52 s``."""
    return f"{a:.2f} s vs {b:.2f} s"


Costs = dict[str, float]


def file_rows(label: str, data: Path, plan: Plan, taskruns: int) -> tuple[list[Row], Costs]:
    """``snapshot --from FILE``: ``-o json`` against a process that only ``json.load``s the file; the table
    against ``-o json``."""
    dump = str(paths(data)["all"])
    procs = interleaved({
        "json": [*TW, "snapshot", "--from", dump, "-o", "json"],
        "load": [PY, "-c", f"import json\nwith open({dump!r}) as f: json.load(f)"],
        "table": [*TW, "snapshot", "--from", dump],
    }, {"json": plan.runs, "load": plan.runs, "table": plan.runs})
    j, load, table = wall(procs["json"]), wall(procs["load"]), wall(procs["table"])
    return [Row("snapshot --from FILE -o json vs a json.load process", label, j / load, 1.0, detail=secs(j, load)),
            Row("snapshot --from FILE (table) vs its -o json", label, table / j, 1.5, detail=secs(table, j))], \
        {"snapshot --from FILE -o json wall per TaskRun": j / taskruns}


class Server:
    """The API test double in its own process, serving the generated cluster (``serve.py``)."""

    def __init__(self, data: Path) -> None:
        self.proc = subprocess.Popen([PY, str(common.ROOT / "benchmarks" / "serve.py"), str(paths(data)["all"])],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=common.env(), cwd=common.ROOT)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], START_TIMEOUT)
        line = self.proc.stdout.readline().decode().strip() if ready else ""
        if not line:
            self.close()
            raise RuntimeError(f"the API test double did not start within {START_TIMEOUT:.0f}s")
        self.kubeconfig = line

    def close(self) -> None:
        """Close its stdin (it stops), wait, kill it if it lingers."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def kube_rows(label: str, data: Path, plan: Plan, target: float, cache: Path, taskruns: int
              ) -> tuple[list[Row], Costs]:
    """Cold ``snapshot`` from the API test double against ``kubectl get`` (table and ``-o json``) on the same
    server, and peak memory."""
    kubectl = shutil.which("kubectl")
    names = ("cold snapshot vs kubectl get pipelineruns,taskruns", "cold snapshot vs kubectl get … -o json",
             "peak RSS: snapshot vs kubectl get")
    if kubectl is None:
        return [Row(n, label, None, t, notes=["kubectl not installed"]) for n, t in zip(names, (target, 0.2, 1.0))], {}
    server = Server(data)
    try:
        k = [kubectl, "--kubeconfig", server.kubeconfig, "--cache-dir", str(cache / label)]
        procs = interleaved({
            "tw": [*TW, "snapshot", "--kubeconfig", server.kubeconfig, "-A"],
            "kubectl": [*k, "get", "pipelineruns,taskruns", "-A"],
            "kubectl_json": [*k, "get", "pipelineruns,taskruns", "-A", "-o", "json"],
        }, {"tw": plan.runs, "kubectl": plan.runs, "kubectl_json": plan.slow_runs})
    finally:
        server.close()
    tw, kt, kj = wall(procs["tw"]), wall(procs["kubectl"]), wall(procs["kubectl_json"])
    tw_rss, k_rss = peak(procs["tw"]), peak(procs["kubectl"])
    return [Row(names[0], label, tw / kt, target, detail=secs(tw, kt)),
            Row(names[1], label, tw / kj, 0.2, detail=secs(tw, kj)),
            Row(names[2], label, tw_rss / k_rss, 1.0,
                detail=f"{tw_rss:.0f} MB vs {k_rss:.0f} MB (-o json: {peak(procs['kubectl_json']):.0f} MB)")], \
        {"cold snapshot wall per TaskRun": tw / taskruns}


def help_row(plan: Plan) -> Row:
    """``tektonwatch --help`` against a process that only imports click."""
    procs = interleaved({"help": [*TW, "--help"], "click": [PY, "-c", "import click"]},
                        {"help": plan.runs * 2, "click": plan.runs * 2})
    h, c = wall(procs["help"]), wall(procs["click"])
    return Row("tektonwatch --help vs a process importing click", "-", h / c, 2.0, detail=secs(h, c))


# ---- in-process ---------------------------------------------------------------------------------------------


def inprocess_rows(label: str, data: Path, plan: Plan) -> tuple[list[Row], Costs]:
    """Decode, table render, watch ingest and memory; also the per-TaskRun costs the scaling rows compare."""
    reps = ["--repeat", str(plan.passes)]
    dec = child("bench_decode", str(data), *reps)
    ren = child("bench_render", str(data), *reps)
    ing = child("bench_ingest", str(data), "--repeat", str(max(3, plan.passes // 2)))
    mem = child("bench_memory", str(data))
    dash = child("bench_dashboard", str(data), *reps)
    rows = [
        Row("decode list pages → model, CPU vs orjson.loads", label, dec["ratio"], 0.15,
            detail=f"{dec['decode_s'] * 1e3:.0f} ms vs {dec['orjson_s'] * 1e3:.0f} ms ({dec['decode_mb_s']:.0f} MB/s)"),
        Row("table render vs f-string + ANSI loop", label, ren["ratio"], 30.0,
            detail=f"{ren['render_s'] * 1e3:.1f} ms vs {ren['fstring_s'] * 1e3:.2f} ms, {ren['rows']} rows"),
        Row("watch ingest events/s vs orjson.loads loop", label, ing["ratio"], 1.0, higher=True,
            detail=f"{ing['ingest_ev_s'] / 1e3:.1f}k vs {ing['orjson_ev_s'] / 1e3:.1f}k events/s"),
        Row("watch ingest CPU at 200 events/s, % of one core", label, ing["core_share_at_200"], 2.0, unit="%",
            detail=f"{ing['cpu_per_event_us']:.0f} µs CPU per event"),
        Row("  info: the same through watch's Model.update (no drawing)", label, ing["watch_model_share_at_200"],
            None, unit="%", detail="also keeps every run's timeline for the frame"),
        Row("memory held per 10,000 TaskRuns (+ PipelineRuns)", label, mem["mb_per_10k"], 40.0, unit="MB",
            detail=f"{mem['held_mb']:.1f} MB for {mem['taskruns']:,} TaskRuns"),
        Row("dashboard frame for a new snapshot, % of the 1 s tick", label, dash["share"], 10.0, unit="%",
            detail=f"{dash['runs']:,} runs: {dash['frame_s'] * 1e3:.0f} ms on the event loop; board "
                   f"{dash['board_s'] * 1e3:.0f} ms off it (first listing); page-down "
                   f"{dash['page_s'] * 1e3:.0f} ms CPU, {dash['page_wall_s'] * 1e3:.0f} ms to the next frame"),
    ]
    per_tr = {"decode CPU per object": dec["decode_s"] / dec["objects"],
              "ingest CPU per event (store 4x larger)": ing["cpu_per_event_us"],
              "memory held per TaskRun": mem["held_mb"] / mem["taskruns"]}
    return rows, per_tr


def frame_row(plan: Plan) -> Row:
    """One watch frame of 20 runs x 15 tasks against the 1 s redraw period."""
    fr = child("bench_frame", "--repeat", str(plan.passes))
    return Row("watch frame, 20 runs x 15 tasks, % of the 1 s redraw", "-", fr["share"], 10.0, unit="%",
               detail=f"{fr['frame_s'] * 1e3:.1f} ms worst case, {fr['steady_s'] * 1e3:.1f} ms steady redraw")


def scaling_rows(costs: dict[str, Costs]) -> list[Row]:
    """Cost per TaskRun at the largest scale against the smallest: 1.0 is linear."""
    labels = list(costs)
    if len(labels) < 2:
        return []
    small, big = costs[labels[0]], costs[labels[-1]]
    return [Row(f"scaling: {name}, {labels[-1]} vs {labels[0]}", "lin", big[name] / small[name], 1.25,
                detail="1.00x = linear") for name in small if name in big]


# ---- the table ------------------------------------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    """The results as aligned text."""
    head = ("benchmark", "scale", "measured", "target", "verdict", "figures")
    body = [(r.name, r.scale, r.shown(r.measured), r.target_text(), r.verdict,
             "; ".join([r.detail, *r.notes]).strip("; ")) for r in rows]
    widths = [max(len(x[i]) for x in [head, *body]) for i in range(5)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row[:5], widths)) + "  " + row[5] for row in [head, *body]]
    return "\n".join([lines[0], "-" * min(160, len(lines[0]) + 30), *lines[1:]])


def describe(label: str, stats: dict) -> str:
    """One line about a generated data set."""
    tr, pr = stats["taskruns"], stats["pipelineruns"]
    return (f"  {label}: {pr['count']:,} PipelineRuns (mean {pr['mean'] / 1e3:.1f} KB) / {tr['count']:,} TaskRuns "
            f"(mean {tr['mean'] / 1e3:.1f} KB, p95 {tr['p95'] / 1e3:.1f}, max {tr['max'] / 1e3:.1f}); "
            f"list JSON {stats['compact_bytes'] / 2**20:.0f} MB; watch stream {stats['watch_events']:,} events "
            f"({stats['watch_bytes'] / 2**20:.0f} MB)")


def main(argv: list[str] | None = None) -> int:
    """Run the plan, print the table, return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1,000 TaskRuns, fewer runs; never fails")
    mode.add_argument("--full", action="store_true", help="also 20,000 TaskRuns and the scaling rows")
    parser.add_argument("--keep", type=Path, help="generate data here and reuse it (default: a temporary dir)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each whole process (default 5)")
    parser.add_argument("--passes", type=int, default=7, help="passes of each in-process benchmark (default 7)")
    parser.add_argument("--skip", default="", help="comma-separated groups to skip: kube,file,inproc,once")
    args = parser.parse_args(argv)
    plan, skip = plan_of(args), set(filter(None, args.skip.split(",")))
    started = time.monotonic()
    root = args.keep or Path(tempfile.mkdtemp(prefix="tektonwatch-bench-"))
    rows: list[Row] = []
    costs: dict[str, Costs] = {}
    described: list[str] = []
    try:
        for label, spec, target in plan.scales:
            step(f"generating {label}")
            try:
                data, stats = dataset(spec, root)
            except Exception as exc:  # noqa: BLE001 - say so in the table, go on with what can run
                rows.append(Row("data generation did not run", label, None, None, broken=True, notes=[str(exc)[:200]]))
                continue
            described.append(describe(label, stats))
            n = stats["taskruns"]["count"]
            groups: list[tuple[str, Callable[..., tuple[list[Row], Costs]], tuple]] = [
                ("inproc", inprocess_rows, (label, data, plan)),
                ("file", file_rows, (label, data, plan, n)),
                ("kube", kube_rows, (label, data, plan, target, root / "kubectl-cache", n)),
            ]
            for group, fn, fn_args in groups:
                if group not in skip:
                    step(f"{label}: {group}")
                    got, cost = guarded(group, label, fn, *fn_args)
                    rows += got
                    costs.setdefault(label, {}).update(cost)
        if "once" not in skip:
            step("frame and --help")
            rows += guarded("frame", "-", lambda: ([frame_row(plan)], {}))[0]
            rows += guarded("--help", "-", lambda: ([help_row(plan)], {}))[0]
        rows += scaling_rows(costs)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(report(rows, described, plan, time.monotonic() - started))
    failed = [r for r in rows if r.beyond_noise or r.broken]
    return 1 if failed and plan.strict else 0


def guarded(group: str, label: str, fn: Callable[..., tuple[list[Row], Costs]], *args: object
            ) -> tuple[list[Row], Costs]:
    """Run one group; a benchmark that cannot run becomes a row saying why (a failure unless ``--quick``)."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - report, do not lose the other groups' figures
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return [Row(f"{group} benchmarks did not run", label, None, None, broken=True, notes=[why])], {}


def step(what: str) -> None:
    """Progress on stderr (the table goes to stdout)."""
    print(f"[bench] {what}", file=sys.stderr, flush=True)


def report(rows: list[Row], described: list[str], plan: Plan, took: float) -> str:
    """The whole printout: when, where, what data, the table, the legend."""
    m = common.machine()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    mode = "quick" if not plan.strict else ("full" if len(plan.scales) > 1 else "default")
    return "\n".join([
        f"tektonwatch benchmarks ({mode}), {when}, {took:.0f} s",
        f"machine:  {m['cpu']}, {m['memory']}, {m['os']}",
        f"software: {m['python']}; {m['packages']}; kubectl {m['kubectl']}",
        "data:",
        *described,
        (f"each figure: median of {plan.runs} whole-process runs (kubectl -o json: {plan.slow_runs}) or "
         f"{plan.passes} in-process passes; noise margin {common.NOISE:.0%}"),
        "",
        table(rows),
        "",
        *([QUICK_NOTE, ""] if not plan.strict else []),
        ("verdict: met | MISSED (beyond the noise margin: exit status 1) | MISSED~ (within it) | n/a (not measured) "
         "| FAILED (could not run: exit status 1)"),
    ])


if __name__ == "__main__":
    raise SystemExit(main())
