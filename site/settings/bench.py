"""Benchmarks (`make bench`, tests/bench/): development settings with the load tools installed
and debug off, as in production (no query log kept in memory)."""

from .dev import *  # noqa: F403

DEBUG = False
