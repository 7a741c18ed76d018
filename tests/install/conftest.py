"""Install tests run the package as a site owner gets it; they reuse the browser tests'
Chromium launch (Debian's Chromium at /usr/bin/chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.conftest import browser_type_launch_args  # noqa: F401 (a fixture)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.install)
            item.add_marker(pytest.mark.slow)
