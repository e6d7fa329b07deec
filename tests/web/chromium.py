# SPDX-License-Identifier: EUPL-1.2
"""Browser plumbing shared by the Chromium tests: Debian's Chromium (never ``playwright
install``), its flags, and a page that records console errors and requests to other hosts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert Path(CHROMIUM).exists(), "Debian chromium is missing: apt-get install chromium (see .ci/run)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Visit:
    """An opened page with what went wrong while it loaded."""

    page: Page
    status: int
    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def problems(self, path: str) -> list[str]:
        """Status, console errors and requests to another host, one line each."""
        found = [f"{path}: status {self.status}"] if self.status != 200 else []
        found += [f"{path}: console: {e}" for e in self.errors]
        return found + [f"{path}: request to another host: {u}" for u in self.foreign]


@contextmanager
def visit(browser: Browser, url: str, *, width: int, height: int) -> Iterator[Visit]:
    """Open ``url`` at ``width`` × ``height`` CSS px (Dutch locale) and wait for the charts."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    foreign: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    def on_request(request: Request) -> None:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("http://", "https://")) and host != "127.0.0.1":
            foreign.append(request.url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", on_request)
    try:
        response = page.goto(url, wait_until="networkidle")
        assert response is not None
        if page.locator("div.vega[data-spec]").count():
            page.wait_for_selector("div.vega.drawn", timeout=15000)
        yield Visit(page, response.status, errors, foreign)
    finally:
        context.close()


def screenshot_name(path: str) -> str:
    """A file name for the screenshot of ``path``."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_") or "start"
