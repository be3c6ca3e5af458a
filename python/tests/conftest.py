"""Shared by the tests: a test that cannot run for want of something an install
script provides says so, and with ``GIL_LAB_REQUIRE_ALL`` set (CI, after every
install has run) it fails instead of skipping."""

import os

import pytest


def missing(reason):
    """Skips the calling test for ``reason``, or fails it under ``GIL_LAB_REQUIRE_ALL``."""
    if os.environ.get("GIL_LAB_REQUIRE_ALL"):
        pytest.fail("GIL_LAB_REQUIRE_ALL: " + reason)
    pytest.skip(reason)
