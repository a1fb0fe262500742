"""Provides ``python -m tektonwatch``."""

from tektonwatch.cli import main

main()
