"""Provides the benchmark's API server: the Kubernetes API test double (``tests.kubeapi``) seeded with a
generated cluster, in its own process so it never shares a GIL with the client being measured.

    python benchmarks/serve.py DIR/all.json [--encoder json|orjson] [--pages key-range|double]

It serves HTTPS with a client certificate, as real clusters do (kubectl sends no bearer token over plain
HTTP). Prints the kubeconfig path on stdout once it serves, then serves until stdin closes (the parent's end) or it
is interrupted. ``--encoder orjson`` swaps the double's response encoder (stdlib ``json.dumps``) for orjson:
a real API server encodes in Go, so the double's Python encoder (~0.4 s per 5,000 TaskRuns of list bodies, but
little for the slim Table bodies ``kubectl get`` asks for) would otherwise weigh on one side only; both
encoders write the same JSON. The default is ``orjson``; ``json`` shows the unfair case. ``--pages key-range``
(the default) serves plain paginated lists in O(page), as a real API server does (see ``_KeyRangePages``).
"""

from __future__ import annotations

import argparse
import bisect
import sys
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.kubeapi import KubeAPI
from tests.kubeapi import handler as _handler
from tests.kubeapi.listing import serve_item


class _OrjsonCodec:
    """Stands in for the ``json`` module inside the double's handler: ``dumps`` by orjson, the rest stdlib."""

    def __init__(self, stdlib: Any) -> None:
        self._stdlib = stdlib

    def dumps(self, obj: Any, **_: Any) -> str:
        return orjson.dumps(obj).decode()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stdlib, name)


class _KeyRangePages:
    """Plain paginated lists served by key range, as an API server reads them from etcd: the objects are sorted
    once per resourceVersion, then a page costs O(page). The double's general path re-sorts and re-filters every
    object for every page (O(all) per page, ~0.2 s a page at 20,000 TaskRuns), a cost that would drown both
    clients alike. Selectors, resourceVersion options and expired tokens still go to the double's own path."""

    def __init__(self, general: Any) -> None:
        self.general = general
        self.sorted: dict[tuple[str, str | None, int], tuple[list, list]] = {}

    def __call__(self, state: Any, tokens: Any, res: Any, version: str, namespace: str | None, query: Any) -> dict:
        if query.selective or query.match or query.rv not in (None, "0") or not query.limit:
            return self.general(state, tokens, res, version, namespace, query)
        at, start = tokens.decode(query.cont, state.floor) if query.cont else (state.rv, None)
        if at == -1:
            return self.general(state, tokens, res, version, namespace, query)
        keys, objs = self._sorted(state, res.plural, namespace, at)
        pos = bisect.bisect_right(keys, start) if start is not None else 0
        end = min(len(keys), pos + query.limit)
        meta: dict[str, Any] = {"resourceVersion": str(at)}
        if end < len(keys):
            meta["continue"] = tokens.issue(at, keys[end - 1])
            meta["remainingItemCount"] = len(keys) - end
        return {"kind": res.list_kind, "apiVersion": res.api_version(version), "metadata": meta,
                "items": [serve_item(o, res, version) for o in objs[pos:end]]}

    def _sorted(self, state: Any, plural: str, namespace: str | None, at: int) -> tuple[list, list]:
        key = (plural, namespace, at)
        if key not in self.sorted:
            items = sorted((k, o) for k, o in state.items_at(plural, at).items() if namespace in (None, k[0]))
            self.sorted[key] = ([k for k, _ in items], [o for _, o in items])
        return self.sorted[key]


def start(data: Path, encoder: str = "orjson", pages: str = "key-range", workdir: Path | None = None) -> KubeAPI:
    """A started double holding every object of ``data`` (a ``List`` written by ``generate.py``)."""
    if encoder == "orjson":
        _handler.json = _OrjsonCodec(_handler.json)  # type: ignore[assignment]
    if pages == "key-range":
        _handler.list_collection = _KeyRangePages(_handler.list_collection)  # type: ignore[assignment]
    api = KubeAPI(workdir, tls=True, max_history=1000)
    for obj in orjson.loads(data.read_bytes())["items"]:
        api.apply(obj)
    return api.start()


def main(argv: list[str] | None = None) -> int:
    """Serve until stdin closes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--encoder", choices=("json", "orjson"), default="orjson")
    parser.add_argument("--pages", choices=("double", "key-range"), default="key-range")
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    api = start(args.data, args.encoder, args.pages, args.workdir)
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
