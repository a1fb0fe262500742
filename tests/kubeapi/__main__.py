"""Provides `python -m tests.kubeapi`: run the double standalone (for kubectl experiments and manual TUI
runs). Prints the kubeconfig path on stdout, then serves until interrupted.

    python -m tests.kubeapi --port 8001 --seed tests/fixtures/ [--tls] [--watch-seconds 60]

`--seed` takes files or directories of JSON/YAML objects (a List, a JSON array, one object, or several
YAML documents); objects of kinds the double does not serve are skipped with a note on stderr.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import yaml

from .server import KubeAPI


def _documents(path: Path) -> Iterator[dict]:
    text = path.read_text()
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    docs = [json.loads(text)] if path.suffix == ".json" else list(yaml.load_all(text, Loader=loader))
    for doc in docs:
        if isinstance(doc, list):
            yield from (d for d in doc if isinstance(d, dict))
        elif isinstance(doc, dict) and doc.get("kind", "").endswith("List") and "items" in doc:
            yield from doc["items"]
        elif isinstance(doc, dict):
            yield doc


def _seed_file(api: KubeAPI, path: Path) -> int:
    """Apply the objects of one file; unparseable files and unserved kinds are noted on stderr."""
    try:
        objects = list(_documents(path))
    except (ValueError, yaml.YAMLError) as err:
        print(f"{path}: skipped: does not parse: {str(err).splitlines()[0]}", file=sys.stderr)
        return 0
    applied = 0
    for obj in objects:
        try:
            api.apply(obj)
            applied += 1
        except ValueError as err:
            print(f"{path}: skipped: {err}", file=sys.stderr)
    return applied


def seed(api: KubeAPI, paths: list[str]) -> int:
    """Apply every object found under `paths`; returns how many were applied."""
    applied = 0
    for raw in paths:
        root = Path(raw)
        files = (
            sorted(p for p in root.rglob("*") if p.suffix in (".json", ".yaml", ".yml"))
            if root.is_dir()
            else [root]
        )
        for path in files:
            applied += _seed_file(api, path)
    return applied


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the double, print the kubeconfig path, serve until Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m tests.kubeapi", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", action="append", default=[], metavar="DIR_OR_FILE")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA and client cert")
    parser.add_argument("--dir", help="where to write the kubeconfig (default: a temporary directory)")
    parser.add_argument("--watch-seconds", type=float, help="cap every watch at this many seconds")
    args = parser.parse_args(argv)
    api = KubeAPI(args.dir, tls=args.tls, port=args.port)
    api.max_watch_seconds = args.watch_seconds
    signal.signal(signal.SIGTERM, _interrupt)
    count = seed(api, args.seed)
    api.start()
    print(api.kubeconfig, flush=True)
    print(f"serving {api.url} with {count} object(s); Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
