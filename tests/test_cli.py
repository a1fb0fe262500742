"""The command-line contract: stdout is data, stderr diagnostics, exit codes are API, `-o json` follows DESIGN §4,
every real fixture reads with exit 0, bad input is one line and never a traceback, cluster strings are inert."""

from __future__ import annotations

import json

import pytest

from tests.cli_helpers import snapshot_json, tw
from tests.conftest import FIXTURES, REAL, TESTS

REAL_FILES = sorted(p for p in REAL.glob("*") if p.suffix in (".json", ".yaml"))
UNPARSEABLE = REAL / "_unparseable" / "pipeline-docs__matrix__L758-850.yaml"


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_every_real_fixture_reads_with_exit_0(path):
    result = tw("snapshot", "--from", str(path), "--color", "never")
    assert result.returncode == 0, result.stderr.decode()
    assert b"Traceback" not in result.stderr
    for line in result.stderr.decode().splitlines():
        assert line.startswith("warning: "), line


def test_unparseable_fixture_is_a_one_line_source_error():
    result = tw("snapshot", "--from", str(UNPARSEABLE))
    assert result.returncode == 3
    err = result.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and str(UNPARSEABLE) in err and "line 20" in err
    assert result.stdout == b""


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["snapshot", "--from", "/nonexistent.json"], 3, "/nonexistent.json: no such file"),
        (["snapshot", "--from", str(TESTS / "kubeapi")], 3, "kubeapi: a directory without .json, .yaml or .yml files"),
        (["snapshot", "--from", str(REAL_FILES[0]), "-o", "xml"], 2, "Invalid value"),
        (["snapshot", "--from", str(REAL_FILES[0]), "--replay", "x.jsonl"], 2, "cannot be used together"),
        (["snapshot", "--from", str(REAL_FILES[0]), "-l", "a in (b"], 2, "label selector"),
        (["snapshot", "--from", str(REAL_FILES[0]), "--since", "soon"], 2, "invalid duration"),
        (["snapshot", "--from", str(REAL_FILES[0]), "--fail-on", "weather"], 2, "unknown condition"),
        (["snapshot", "--replay", "/nonexistent.jsonl"], 3, "no such file"),
        (["nosuchcommand-but-a-name", "--from", "/nonexistent.json"], 3, "no such file"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(args, code, fragment):
    result = tw(*args)
    assert result.returncode == code, result.stderr
    assert fragment in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_a_directory_reads_its_dump_files_in_name_order_like_kubectl_f():
    """``--from DIR`` reads DIR's .json, .yaml and .yml files (not PROVENANCE.md, not the ``_unparseable``
    subdirectory): the same runs and warnings as naming every file."""
    one_by_one = tw("snapshot", *(a for f in REAL_FILES for a in ("--from", str(f))), "-o", "json")
    whole = tw("snapshot", "--from", str(REAL), "-o", "json")
    assert whole.returncode == one_by_one.returncode == 0, whole.stderr
    assert whole.stderr == one_by_one.stderr
    runs = [[(r["namespace"], r["name"]) for r in json.loads(out.stdout)["pipelineRuns"]] for out in (whole, one_by_one)]
    assert runs[0] == runs[1] and len(runs[0]) > 20


def test_stdin_dump_and_other_kinds_warn_but_show_the_rest():
    dump = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "ci"}},
        {"apiVersion": "tekton.dev/v1alpha1", "kind": "PipelineRun", "metadata": {"name": "old", "namespace": "ci"}},
        json.loads((FIXTURES / "real" / "results-docs__pr__hello.json").read_text()),
    ]}
    result = tw("snapshot", "--from", "-", "-o", "json", stdin=json.dumps(dump).encode())
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    assert [r["name"] for r in doc["pipelineRuns"]] == ["hello"]
    warnings = result.stderr.decode().splitlines()
    assert len(warnings) == 2
    assert "ConfigMap ci/cm: not a PipelineRun or TaskRun" in warnings[0]
    assert "unsupported apiVersion tekton.dev/v1alpha1" in warnings[1]


def test_nothing_left_to_show_is_still_exit_0():
    result = tw("snapshot", "--from", str(REAL / "dashboard__pipelineRun.json"), "-o", "json")
    assert result.returncode == 0
    assert json.loads(result.stdout)["pipelineRuns"] == []
    assert "unsupported apiVersion" in result.stderr.decode()


TIME = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


def assert_contract(doc: dict) -> None:
    """Shape and vocabulary of DESIGN §4."""
    import re

    assert set(doc) == {"generatedAt", "source", "pipelineRuns", "taskRuns", "findings"}
    assert re.fullmatch(TIME, doc["generatedAt"]) and set(doc["source"]) == {"kind", "synced"}
    run_keys = {"namespace", "name", "pipeline", "status", "reason", "startTime", "completionTime",
                "durationSeconds", "tasks"}
    task_keys = {"name", "taskRun", "finally", "status", "reason", "message", "startTime", "completionTime",
                 "durationSeconds", "workspaces", "steps"}
    for run in doc["pipelineRuns"]:
        assert run_keys <= set(run)
        assert run["status"] in {"Succeeded", "Failed", "Running", "Pending", "Cancelled", "TimedOut", "Unknown"}
        for task in run["tasks"]:
            assert task_keys <= set(task) <= task_keys | {"index", "retries"}
            assert task["status"] in {"Succeeded", "Failed", "Running", "Pending", "Cancelled", "TimedOut",
                                      "Skipped", "NotStarted", "Unknown"}
            for field in ("startTime", "completionTime"):
                assert task[field] is None or re.fullmatch(TIME, task[field])
            for ws in task["workspaces"]:
                assert set(ws) == {"name", "storage", "subPath", "readOnly"}
            for step in task["steps"]:
                assert set(step) == {"name", "status", "startTime", "completionTime", "exitCode"}
    for finding in doc["findings"]:
        assert set(finding) == {"kind", "severity", "namespace", "pipelineRun", "workspace", "storage", "producer",
                                "tasks", "failed", "message", "evidence"}
        assert finding["kind"] in {"fresh-artifact", "overlap", "unordered-access"}
        assert finding["severity"] in {"critical", "warning", "info"}


@pytest.mark.parametrize("path", REAL_FILES, ids=lambda p: p.name)
def test_json_follows_the_contract_for_every_fixture(path):
    assert_contract(snapshot_json(path))


def test_json_tasks_match_child_references_embedded_statuses_and_pipeline_spec():
    doc = snapshot_json(REAL / "psx__pr__prYaml.yaml")
    (run,) = doc["pipelineRuns"]
    import yaml

    obj = yaml.safe_load((REAL / "psx__pr__prYaml.yaml").read_text())
    spec_tasks = [t["name"] for t in obj["status"]["pipelineSpec"]["tasks"] + obj["status"]["pipelineSpec"]["finally"]]
    assert sorted(t["name"] for t in run["tasks"]) == sorted(spec_tasks)
    children = {c["pipelineTaskName"]: c["name"] for c in obj["status"]["childReferences"]}
    for task in run["tasks"]:
        assert task["taskRun"] == children.get(task["name"])
    lighthouse = snapshot_json(REAL / "lighthouse__pr__running_multiple_tasks.yaml")["pipelineRuns"][0]
    obj = yaml.safe_load((REAL / "lighthouse__pr__running_multiple_tasks.yaml").read_text())
    embedded = {v["pipelineTaskName"]: k for k, v in obj["status"]["taskRuns"].items()}
    assert {t["name"]: t["taskRun"] for t in lighthouse["tasks"]} == embedded


def test_json_pipelinerun_with_its_taskruns_gives_steps_and_timestamps():
    doc = snapshot_json(*sorted(REAL.glob("psx__*")))
    run = next(r for r in doc["pipelineRuns"] if r["name"].startswith("human-resources"))
    build = next(t for t in run["tasks"] if t["name"] == "build-container")
    assert build["status"] == "Succeeded" and build["steps"] and build["durationSeconds"] > 0
    assert build["workspaces"] and build["workspaces"][0]["storage"].startswith(("vct:", "pvc:"))


def test_standalone_taskruns_are_listed_top_level():
    doc = snapshot_json(REAL / "experimental-notifiers__tr__taskrun.yaml")
    assert doc["pipelineRuns"] == [] and doc["taskRuns"][0]["taskRun"] == "echo-6b4fn-echo-xrxq4"
    assert doc["taskRuns"][0]["namespace"]


def test_scope_namespace_selector_names_since():
    files = sorted(REAL.glob("segment-bridge__*")) + sorted(REAL.glob("lighthouse__*"))
    every = snapshot_json(*files)["pipelineRuns"]
    assert len({r["namespace"] for r in every}) > 1
    jx = snapshot_json(*files, namespace="jx")["pipelineRuns"]
    assert jx and {r["namespace"] for r in jx} == {"jx"}
    first = every[0]["name"]
    assert [r["name"] for r in snapshot_json(*files, names=[first])["pipelineRuns"]] == [first]
    assert snapshot_json(*files, selector="tekton.dev/pipeline=nothing-like-this")["pipelineRuns"] == []
    old = sorted(REAL.glob("lighthouse__*"))
    assert snapshot_json(*old, since="1h")["pipelineRuns"] == []  # 2020 runs, long before NOW
    assert snapshot_json(*old, since="2000d")["pipelineRuns"] == snapshot_json(*old)["pipelineRuns"]


def test_untrusted_strings_render_inert(tmp_path):
    obj = json.loads((REAL / "results-docs__pr__hello.json").read_text())
    obj["metadata"]["name"] = "evil-[bold red]x[/bold red]-\x1b[31mred\x1b]0;pwned\x07-\x1b[2J"
    obj["status"]["conditions"][0]["message"] = "[link=http://x]click[/link]\x1b[1A"
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(obj))
    for args in (["--color", "never"], ["--color", "always"]):
        out = tw("snapshot", "--from", str(path), "--gantt", "all", *args).stdout.decode()
        assert "[bold red]x[/bold red]" in out
        assert "\x1b]0;" not in out and "pwned" not in out and "\x07" not in out
        assert "\x1b[31mred" not in out and "\x1b[2J" not in out and "\x1b[1A" not in out


def test_no_color_and_color_flags():
    path = str(REAL / "pac__pr__test-failed-pipelinerun.yaml")
    assert b"\x1b[" not in tw("snapshot", "--from", path).stdout  # not a TTY
    assert b"\x1b[" in tw("snapshot", "--from", path, "--color", "always").stdout
    assert b"\x1b[" not in tw("snapshot", "--from", path, "--color", "always", "--color", "never").stdout
    assert b"\x1b[" not in tw("snapshot", "--from", path, env={"NO_COLOR": "1"}).stdout


def test_fail_on_failure():
    failed = str(REAL / "pac__pr__test-failed-pipelinerun.yaml")
    ok = str(REAL / "pac__pr__test-succeeded-pipelinerun.yaml")
    assert tw("snapshot", "--from", failed, "--fail-on", "failure").returncode == 1
    assert tw("snapshot", "--from", ok, "--fail-on", "failure").returncode == 0


def test_version_help_and_debug():
    assert tw("--version").stdout.decode().startswith("tektonwatch, version")
    assert b"snapshot" in tw("--help").stdout
    result = tw("snapshot", "--from", "/nonexistent.json", "--debug")
    assert result.returncode == 3 and b"Traceback" in result.stderr
