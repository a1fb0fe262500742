"""Shared pytest configuration: the Kubernetes API test double's fixtures, and paths to test data."""

from __future__ import annotations

import pathlib
import threading
from collections.abc import Callable, Iterator

import pytest
from kubernetes import client, config

from tests.kubeapi import KubeAPI

pytest_plugins = ["tests.kubeapi.plugin"]

TESTS = pathlib.Path(__file__).parent
FIXTURES = TESTS / "fixtures"
REAL = FIXTURES / "real"


@pytest.fixture
def apiclient(kube_api: KubeAPI) -> Iterator[client.ApiClient]:
    """A real ApiClient built from the double's kubeconfig."""
    api_client = config.new_client_from_config(config_file=str(kube_api.kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture
def co(apiclient: client.ApiClient) -> client.CustomObjectsApi:
    return client.CustomObjectsApi(apiclient)


def _dashboard_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name in ("tw-source", "tw-ingest")}


@pytest.fixture
def pipeline_threads() -> Callable[[], set[threading.Thread]]:
    """A function giving the live source and ingest threads of the ingest ``Pipeline``s started by the current
    test (threads other tests left behind are not counted)."""
    before = _dashboard_threads()
    return lambda: _dashboard_threads() - before
