"""Provides the pytest fixtures of the Kubernetes API double (enable with
`pytest_plugins = ["tests.kubeapi.plugin"]` in tests/conftest.py).

- `kube_api`: a started plain-HTTP double with token auth and a kubeconfig (`api.kubeconfig`) whose contexts
  are `test` (namespace default, current) and `other` (namespace other).
- `kube_api_tls`: the same over HTTPS: CA data and a client certificate (user `cert-user`) in the kubeconfig.
- `make_kube_api(**options)`: a factory for doubles with other options (e.g. `tekton_versions=()`).
Every double is stopped at the end of the test, and the test fails if the double recorded an internal
error (a bug in the double, never in the code under test).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .server import KubeAPI


def _finish(apis: list[KubeAPI]) -> None:
    for api in apis:
        api.stop()
    errors = [e for api in apis for e in api.internal_errors]
    if errors:
        pytest.fail("the Kubernetes API double hit an internal error:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def make_kube_api(tmp_path: Path) -> Iterator[Callable[..., KubeAPI]]:
    """A factory: `make_kube_api(tls=True, tekton_versions=("v1beta1",), …)` returns a started double."""
    apis: list[KubeAPI] = []

    def make(**options: object) -> KubeAPI:
        api = KubeAPI(tmp_path / f"kubeapi-{len(apis)}", **options).start()
        apis.append(api)
        return api

    yield make
    _finish(apis)


@pytest.fixture
def kube_api(make_kube_api: Callable[..., KubeAPI]) -> KubeAPI:
    """A started plain-HTTP double with token auth and a generated kubeconfig."""
    return make_kube_api()


@pytest.fixture
def kube_api_tls(make_kube_api: Callable[..., KubeAPI]) -> KubeAPI:
    """A started HTTPS double; its kubeconfig carries CA data and a client certificate."""
    return make_kube_api(tls=True)
