"""Provides synthetic, realistic Tekton clusters for the benchmarks: N PipelineRuns x M TaskRuns and a recorded
watch stream of K events, deterministic for a seed, written to a directory outside the repository.

    python benchmarks/generate.py --prs 500 --tasks 10 --events 5000 --seed 7 --out /tmp/tw-bench

Objects come from the scenario builders (``tests.builders``: the same shapes the API server returns), then get
what real clusters add and the builders leave out: ``managedFields`` derived from the object's own fields (two
entries, the controller's update and its status update, as Tekton writes them), Tekton Results and Chains
annotations, multi-line step scripts with params substituted (each script appears in ``spec.taskSpec`` and
``status.taskSpec`` for inline tasks, and in the PipelineRun's ``status.pipelineSpec``), image digests and
results. A TaskRun is 5-25 KB (mean ~10 KB) like the ones measured in ``perf.md``. Runs are mostly finished
(succeeded or failed, spread over a week), some still running at ``NOW``.

Files written (``paths(out)`` names them): ``all.json`` (what ``kubectl get pipelineruns,taskruns -o json``
prints: a ``List``, indented), ``pages/`` (the compact list pages of 500 an API server sends), ``watch.jsonl`` (one ``{"type", "object"}`` line per event, as a watch stream
carries them: new runs progressing after the listing) and ``stats.json`` (counts and object sizes). Never
writes into the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.builders import PipelineBuilder, RunBuilder, uid_for, utc, watch_events
from tests.builders._util import sha256_hex, ts

NOW = utc("2025-11-03T12:00:00Z")
NAMESPACES = ("ci", "release", "ml-platform", "web-frontend")
TASK_NAMES = ("fetch-source", "lint", "unit-tests", "build-image", "scan-image", "integration-tests",
              "sign-image", "push-image", "deploy-staging", "smoke-tests", "e2e-tests", "publish-docs",
              "deploy-prod", "verify-rollout", "update-changelog", "tag-release")
IMAGES = ("registry.access.redhat.com/ubi9/ubi-minimal:9.6", "registry.redhat.io/rhel9/buildah:9.6",
          "quay.io/skopeo/stable:v1.18", "docker.io/library/golang:1.23", "docker.io/library/node:22-alpine",
          "ghcr.io/aquasecurity/trivy:0.58.1", "gcr.io/tekton-releases/github.com/tektoncd/pipeline/cmd/git-init:v0.40.2")
STEP_NAMES = ("prepare", "build", "test", "package", "push", "report", "verify", "cleanup")
SCRIPT_LINES = (
    'echo "building $(params.revision) of $(params.url)"',
    "export HOME=/tekton/home GOCACHE=$(workspaces.source.path)/.cache/go",
    "cd $(workspaces.source.path)/$(params.context-dir)",
    'if [ -f package.json ]; then npm ci --no-audit --prefer-offline; fi',
    "go test ./... -race -coverprofile=$(workspaces.source.path)/coverage.out -timeout 20m",
    "buildah bud --storage-driver=vfs --format=oci --tls-verify=true -f ./Containerfile -t $(params.image) .",
    "buildah push --storage-driver=vfs --digestfile $(workspaces.source.path)/image-digest $(params.image)",
    'printf "%s" "$(cat $(workspaces.source.path)/image-digest)" > "$(results.IMAGE_DIGEST.path)"',
    "trivy image --exit-code 0 --severity HIGH,CRITICAL --format json -o report.json $(params.image)",
    'jq -r \'.Results[]?.Vulnerabilities[]? | "\\(.VulnerabilityID) \\(.Severity)"\' report.json | sort -u',
    ("skopeo copy --authfile $(workspaces.dockerconfig.path)/.dockerconfigjson docker://$(params.image) "
     "docker://quay.io/acme/$(params.app):$(params.revision)"),
    "kubectl -n $(params.namespace) rollout status deploy/$(params.app) --timeout=300s",
    'git config --global --add safe.directory "$(workspaces.source.path)"',
    "git -C $(workspaces.source.path) log -1 --format=%H | tr -d '\\n' > $(results.commit.path)",
    ("curl -fsSL --retry 3 -H \"Authorization: Bearer ${TOKEN}\" https://api.github.com/repos/acme/app/statuses/"
     "$(params.revision) -d '{\"state\":\"success\",\"context\":\"tekton\"}'"),
    "find . -name '*.xml' -path '*test-results*' -exec cp {} $(workspaces.source.path)/reports/ \\;",
)
MIN_STEPS, MAX_STEPS = 2, 7


@dataclass(frozen=True)
class Spec:
    """What to generate: ``prs`` PipelineRuns of ``tasks`` TaskRuns each, a watch stream of ``events``."""

    prs: int = 500
    tasks: int = 10
    events: int = 5000
    seed: int = 7


PAGE = 500


def paths(out: Path) -> dict[str, Path]:
    """The files ``write`` produces in ``out`` (``pages`` is a directory)."""
    return {"all": out / "all.json", "watch": out / "watch.jsonl", "stats": out / "stats.json",
            "pages": out / "pages"}


def page_files(out: Path) -> list[Path]:
    """The list pages, PipelineRuns first, in the order a client reads them."""
    return sorted(paths(out)["pages"].glob("*.json"))


def _write_pages(objs: list[bytes], folder: Path) -> None:
    """The compact ``PipelineRunList``/``TaskRunList`` pages of ``PAGE`` items an API server sends."""
    folder.mkdir(exist_ok=True)
    for kind, prefix in (("PipelineRun", "1-pipelineruns"), ("TaskRun", "2-taskruns")):
        items = [o for o in objs if f'"kind":"{kind}"'.encode() in o[:80]]
        for n, first in enumerate(range(0, len(items), PAGE)):
            more = b',"continue":"page-%d","remainingItemCount":%d' % (n + 1, len(items) - first - PAGE) \
                if first + PAGE < len(items) else b""
            body = (b'{"apiVersion":"tekton.dev/v1","items":[' + b",".join(items[first:first + PAGE])
                    + b'],"kind":"' + kind.encode() + b'List","metadata":{"resourceVersion":"5600"' + more + b"}}")
            (folder / f"{prefix}-{n:03d}.json").write_bytes(body)


# ---- pipelines ---------------------------------------------------------------------------------------------


def _script(rng: random.Random) -> str:
    lines = rng.sample(SCRIPT_LINES, rng.randint(5, 11))
    if rng.random() < 0.04:  # the long tail: a step that carries a whole program
        lines += [rng.choice(SCRIPT_LINES) for _ in range(rng.randint(30, 70))]
    return "#!/usr/bin/env bash\nset -euo pipefail\n" + "\n".join(lines) + "\n"


def _steps(rng: random.Random) -> list[dict]:
    names = rng.sample(STEP_NAMES, rng.randint(MIN_STEPS, MAX_STEPS))
    return [{"name": n, "image": rng.choice(IMAGES), "script": _script(rng)} for n in names]


def _task_names(count: int) -> list[str]:
    return [TASK_NAMES[i % len(TASK_NAMES)] + (f"-{i // len(TASK_NAMES) + 1}" if i >= len(TASK_NAMES) else "")
            for i in range(count)]


def _layers(names: list[str]) -> list[list[str]]:
    """Tasks in layers of 1, 3, 2, 1, 2… as CI pipelines fan out and join: each waits for the whole layer
    before it (clone → lint, test, build → scan, sign → push → …)."""
    sizes, layers, at = (1, 3, 2, 1, 2), [], 0
    while at < len(names):
        layers.append(names[at:at + sizes[len(layers) % len(sizes)]])
        at += len(layers[-1])
    return layers


def pipeline(rng: random.Random, name: str, namespace: str, tasks: int, inline: bool) -> PipelineBuilder:
    """A pipeline of ``tasks`` tasks (the last one a ``finally``): layers of fan-outs and joins over a shared
    ``source`` workspace, tasks by reference but, when ``inline``, one with its spec (and scripts) inline."""
    p = PipelineBuilder(name, namespace=namespace, coschedule="workspaces",
                        params={"url": None, "revision": "main", "image": None, "context-dir": ".",
                                "app": name, "namespace": namespace})
    names = _task_names(tasks)
    layers = _layers(names[:-1] if tasks > 1 else names)
    for i, task in enumerate(names):
        after = next((prev for prev, layer in zip([[], *layers], layers) if task in layer), [])
        finally_ = i == tasks - 1 and tasks > 1
        params = {k: f"$(params.{k})" for k in ("url", "revision", "image", "context-dir", "app")}
        steps = _steps(rng)
        inline_here = inline and i == 1 and all(len(s["script"]) < 1500 for s in steps)
        p.task(task, run_after=[] if finally_ else after, finally_=finally_,
               workspaces={"source": "source", **({"dockerconfig": "dockerconfig"} if "push" in task else {})},
               read_only={"dockerconfig"}, params=params, steps=steps,
               task_ref=None if inline_here else f"{task}-task", results=("commit", "IMAGE_DIGEST"))
    return p.bind("source", volume_claim_template=True).bind("dockerconfig", secret="registry-creds")


# ---- runs --------------------------------------------------------------------------------------------------


def _order(p: PipelineBuilder) -> list[str]:
    return [t for t, d in p.tasks.items() if not d.finally_] + [t for t, d in p.tasks.items() if d.finally_]


def _sinks(p: PipelineBuilder) -> list[str]:
    """Tasks no other task waits for (a failure there leaves nothing skipped)."""
    waited = {dep for d in p.tasks.values() for dep in d.run_after}
    return [t for t, d in p.tasks.items() if not d.finally_ and t not in waited] or _order(p)


def play(rng: random.Random, p: PipelineBuilder, name: str, start: datetime, now: datetime | None,
         fail: bool) -> RunBuilder:
    """Record a run of ``p`` from ``start``: tasks start when their dependencies end (same second for a
    fan-out), one may fail, ``now`` (None: never) cuts the story short."""
    run = p.run(name, start=start, params={"url": f"https://github.com/acme/{p.name}.git",
                                           "image": f"quay.io/acme/{p.name}:{name[-8:]}"})
    ends: dict[str, datetime] = {}
    victim = rng.choice(_sinks(p)) if fail else None
    for task in _order(p):
        td = p.tasks[task]
        if any(d not in ends for d in td.run_after):
            continue  # a dependency has not started by ``now``
        if td.finally_:
            begin = max(ends.values(), default=start) + timedelta(seconds=1)
        else:
            begin = max((ends[d] for d in td.run_after), default=start) + timedelta(seconds=rng.randint(0, 2))
        end = begin + timedelta(seconds=rng.randint(4, 420))
        if now is not None and begin > now:
            continue
        run.task_started(task, begin, steps_start=begin + timedelta(seconds=rng.randint(8, 45)))  # pod start-up
        ends[task] = end
        if now is None or end <= now:
            run.task_finished(task, end, ok=task != victim,
                              results={"commit": sha256_hex(name)[:40], "IMAGE_DIGEST": "sha256:" + sha256_hex(name, task)})
    if now is None or max(ends.values(), default=start) <= now:
        run.finish(max(ends.values(), default=start) + timedelta(seconds=1))
    return run


def play_running(rng: random.Random, p: PipelineBuilder, name: str) -> RunBuilder:
    """A run still going at ``NOW``, in its ``finally`` task (so all its TaskRuns exist): the story is played
    once to learn its timing, then again from a start that puts ``NOW`` inside the last task."""
    state = rng.getstate()
    probe = play(rng, p, name, NOW, None, False)
    last = probe.children[_order(p)[-1]].attempts[-1]
    into = (last.ended - last.started) * rng.uniform(0.2, 0.8)
    rng.setstate(state)
    return play(rng, p, name, NOW - (last.started - NOW) - into, NOW, False)


# ---- what real clusters add --------------------------------------------------------------------------------


def _fields(value: Any) -> dict:
    """The ``fieldsV1`` shape of a value: ``f:`` keys for map fields, ``{}`` for leaves and lists."""
    if not isinstance(value, dict) or not value:
        return {}
    return {".": {}, **{f"f:{k}": _fields(v) for k, v in value.items()}}


def enrich(obj: dict, rng: random.Random) -> dict:
    """Add managedFields, annotations and labels as a Tekton controller, Chains and Results write them."""
    meta = obj["metadata"]
    uid = meta["uid"]
    meta.setdefault("annotations", {}).update({
        "results.tekton.dev/record": f"{meta['namespace']}/results/{uid}/records/{uid}",
        "results.tekton.dev/result": f"{meta['namespace']}/results/{uid}",
        "chains.tekton.dev/signed": "true" if rng.random() < 0.8 else "false",
        "tekton.dev/pipelines.minVersion": "0.50.0",
    })
    meta["labels"]["app.kubernetes.io/version"] = "0.9"
    at = obj.get("status", {}).get("completionTime") or meta["creationTimestamp"]
    entry = {"apiVersion": obj["apiVersion"], "fieldsType": "FieldsV1", "manager": "controller",
             "operation": "Update", "time": at}
    meta["managedFields"] = [
        {**entry, "fieldsV1": {"f:metadata": _fields({k: meta[k] for k in ("annotations", "labels") if k in meta}),
                               "f:spec": _fields(obj.get("spec", {}))}},
    ]
    if "status" in obj:
        meta["managedFields"].append({**entry, "fieldsV1": {"f:status": _fields(obj["status"])},
                                      "subresource": "status"})
    return obj


# ---- the cluster: rendered templates, cloned under new names ----------------------------------------------
# Rendering a run through the builders costs ~40 ms (its watch events ~1 s), so a pool of rendered runs is
# cloned under new names, uids and dates: bytes replaced, never re-rendered. Finished runs move by whole days.

TEMPLATES = 48
RUNNING_SHARE, FAILED_SHARE = 0.04, 0.08
_STAMP = re.compile(rb'"(\d{4}-\d\d-\d\d)T')
_RV = re.compile(rb'"resourceVersion":"(\d+)"')


@dataclass
class Template:
    """A rendered run: its name, its objects (enriched, compact JSON) and the uid of each object."""

    name: str
    namespace: str
    blobs: list[bytes]
    kinds: dict[str, str]  # object name -> kind


def _template(rng: random.Random, p: PipelineBuilder, k: int, running: bool) -> Template:
    name = f"{p.name}-t{k:03d}q"
    if running:
        run = play_running(rng, p, name)
    else:
        start = NOW - timedelta(seconds=rng.randint(3600, 86400 - 3600))
        run = play(rng, p, name, start, None, rng.random() < FAILED_SHARE)
    objs = [enrich(o, rng) for o in run.objects(NOW)]
    return Template(name, p.namespace, [orjson.dumps(o) for o in objs],
                    {o["metadata"]["name"]: o["kind"] for o in objs})


def _shift(blob: bytes, days: int) -> bytes:
    if not days:
        return blob
    memo: dict[bytes, bytes] = {}

    def moved(m: re.Match[bytes]) -> bytes:
        day = m.group(1)
        if day not in memo:
            memo[day] = (datetime.fromisoformat(day.decode()) - timedelta(days=days)).strftime("%Y-%m-%d").encode()
        return b'"' + memo[day] + b"T"

    return _STAMP.sub(moved, blob)


def clone(t: Template, name: str, days: int = 0) -> list[bytes]:
    """The template's objects renamed to run ``name`` (uids follow the names), moved ``days`` back."""
    renames = [(t.name.encode(), name.encode())]
    renames += [(uid_for(kind, t.namespace, obj).encode(), uid_for(kind, t.namespace, obj.replace(t.name, name))
                 .encode()) for obj, kind in t.kinds.items()]
    out = []
    for blob in t.blobs:
        for old, new in renames:
            blob = blob.replace(old, new)
        out.append(_shift(blob, days))
    return out


def _pipelines(rng: random.Random, spec: Spec) -> list[PipelineBuilder]:
    names = ("build-and-deploy", "release", "model-serving", "nightly-e2e", "docs", "api-gateway")
    return [pipeline(rng, name, NAMESPACES[i % len(NAMESPACES)], spec.tasks, i % 2 == 0)
            for i, name in enumerate(names)]


def cluster(spec: Spec) -> list[bytes]:
    """Every PipelineRun and TaskRun of the listed cluster at ``NOW`` as compact JSON (PipelineRuns first).
    Failures hit tasks nothing else waits for and running runs are in their ``finally`` task, so every run has
    all ``spec.tasks`` TaskRuns."""
    rng = random.Random(spec.seed)
    pipelines = _pipelines(rng, spec)
    done = [_template(rng, pipelines[k % len(pipelines)], k, False) for k in range(TEMPLATES)]
    live = [_template(rng, pipelines[k % len(pipelines)], TEMPLATES + k, True) for k in range(len(pipelines))]
    prs: list[bytes] = []
    trs: list[bytes] = []
    for i in range(spec.prs):
        running = rng.random() < RUNNING_SHARE
        t = rng.choice(live if running else done)
        name = f"{t.name.rsplit('-', 1)[0]}-{i:05d}-{rng.randrange(16 ** 5):05x}"
        for blob in clone(t, name, 0 if running else rng.randint(0, 6)):
            (prs if b'"kind":"PipelineRun"' in blob[:80] else trs).append(blob)
    return prs + trs


def _run_events(run: RunBuilder, rng: random.Random) -> list[tuple[float, str, bytes]]:
    return [(t, kind, orjson.dumps(enrich(obj, rng)))
            for t, kind, obj in watch_events([run], NOW, NOW + timedelta(hours=3), listing=False)]


def stream(spec: Spec) -> list[bytes]:
    """``spec.events`` watch lines: new runs created after the listing, progressing as a controller writes them
    (ADDED, then MODIFIED as tasks start, steps end and runs finish), the runs interleaved in time, then cloned
    in rounds under new names; resourceVersions rise along the stream above the listing's."""
    rng = random.Random(spec.seed + 1)
    pipelines = _pipelines(rng, spec)
    runs = [play(rng, p, f"{p.name}-live-t{j:02d}q", NOW + timedelta(seconds=rng.randint(0, 300)), None,
                 rng.random() < FAILED_SHARE) for j, p in enumerate(pipelines)]
    events = sorted((e for run in runs for e in _run_events(run, rng)), key=lambda e: e[0])
    lines: list[bytes] = []
    for rnd in range(spec.events // max(1, len(events)) + 1):
        for _, kind, blob in events:
            for run in runs:
                blob = blob.replace(run.name.encode(), run.name.replace("-t", f"-{rnd:04d}-").encode())
            lines.append(b'{"type":"' + kind.encode() + b'","object":' + blob + b"}")
    rv = iter(range(10_000_000, 10_000_000 + len(lines)))
    return [_RV.sub(lambda m: b'"resourceVersion":"%d"' % next(rv), line, count=1)
            for line in lines[:spec.events]]


def _sizes(objs: list[dict], kind: str) -> dict[str, float]:
    sizes = sorted(len(o) for o in objs if f'"kind":"{kind}"'.encode() in o[:80])
    if not sizes:
        return {}
    return {"count": len(sizes), "min": sizes[0], "p50": sizes[len(sizes) // 2], "mean": round(statistics.mean(sizes)),
            "p95": sizes[int(len(sizes) * 0.95)], "max": sizes[-1]}


def write(spec: Spec, out: Path) -> dict[str, Any]:
    """Generate and write the files of ``paths(out)``; return the stats (also written to ``stats.json``)."""
    if ROOT in out.resolve().parents or out.resolve() == ROOT:
        raise ValueError(f"{out}: benchmark data is never written into the repository")
    out.mkdir(parents=True, exist_ok=True)
    objs = cluster(spec)
    where = paths(out)
    doc = {"apiVersion": "v1", "items": [orjson.loads(o) for o in objs], "kind": "List",
           "metadata": {"resourceVersion": ""}}
    where["all"].write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    del doc
    _write_pages(objs, where["pages"])
    lines = stream(spec)
    where["watch"].write_bytes(b"\n".join(lines) + b"\n")
    stats = {"spec": spec.__dict__, "now": ts(NOW), "pipelineruns": _sizes(objs, "PipelineRun"),
             "taskruns": _sizes(objs, "TaskRun"), "all_bytes": where["all"].stat().st_size,
             "compact_bytes": sum(len(o) for o in objs), "watch_events": len(lines),
             "watch_bytes": where["watch"].stat().st_size}
    where["stats"].write_text(json.dumps(stats, indent=2))
    return stats


def main(argv: list[str] | None = None) -> int:
    """Command line: generate one cluster into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prs", type=int, default=500)
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    stats = write(Spec(args.prs, args.tasks, args.events, args.seed), args.out)
    print(json.dumps(stats, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
