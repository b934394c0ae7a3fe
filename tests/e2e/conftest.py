"""Browser tests. The fixtures (one Chromium for the whole run) live in tests/browser.py and are
registered once in tests/conftest.py, so tests outside this folder can share the browser."""

from tests.browser import ARTIFACTS, CHROMIUM, DESKTOP, PHONE, Page

__all__ = ["ARTIFACTS", "CHROMIUM", "DESKTOP", "PHONE", "Page"]
