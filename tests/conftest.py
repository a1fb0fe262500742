"""Shared pytest configuration: the Kubernetes API test double's fixtures, and paths to test data."""

from __future__ import annotations

import pathlib

pytest_plugins = ["tests.kubeapi.plugin"]

TESTS = pathlib.Path(__file__).parent
FIXTURES = TESTS / "fixtures"
REAL = FIXTURES / "real"
