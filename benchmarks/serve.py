"""Provides the benchmark's API server: the Kubernetes API test double (``tests.kubeapi``) seeded with a
generated cluster, in its own process so it never shares a GIL with the client being measured.

    python benchmarks/serve.py DIR/all.json [--encoder json|orjson]

It serves HTTPS with a client certificate, as real clusters do (kubectl sends no bearer token over plain
HTTP). Prints the kubeconfig path on stdout once it serves, then serves until stdin closes (the parent's end) or it
is interrupted. ``--encoder orjson`` swaps the double's response encoder (stdlib ``json.dumps``) for orjson:
a real API server encodes in Go, so the double's Python encoder (~0.4 s per 5,000 TaskRuns of list bodies, but
little for the slim Table bodies ``kubectl get`` asks for) would otherwise weigh on one side only; both
encoders write the same JSON. The default is ``orjson``; ``json`` shows the unfair case.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.kubeapi import KubeAPI  # noqa: E402
from tests.kubeapi import handler as _handler  # noqa: E402


class _OrjsonCodec:
    """Stands in for the ``json`` module inside the double's handler: ``dumps`` by orjson, the rest stdlib."""

    def __init__(self, stdlib: Any) -> None:
        self._stdlib = stdlib

    def dumps(self, obj: Any, **_: Any) -> str:
        return orjson.dumps(obj).decode()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stdlib, name)


def start(data: Path, encoder: str = "orjson", workdir: Path | None = None) -> KubeAPI:
    """A started double holding every object of ``data`` (a ``List`` written by ``generate.py``)."""
    if encoder == "orjson":
        _handler.json = _OrjsonCodec(_handler.json)  # type: ignore[assignment]
    api = KubeAPI(workdir, tls=True, max_history=1000)
    for obj in orjson.loads(data.read_bytes())["items"]:
        api.apply(obj)
    return api.start()


def main(argv: list[str] | None = None) -> int:
    """Serve until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--encoder", choices=("json", "orjson"), default="orjson")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    api = start(args.data, args.encoder, args.workdir)
    print(api.kubeconfig, flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    finally:
        api.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
