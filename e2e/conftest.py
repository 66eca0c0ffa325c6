"""Browser-test harness: one Chromium per session, a fresh context per test, at two viewports.

- `page`: a Playwright page on the live server, parametrised over "desktop" (1280x900) and
  "phone" (375x812). Its context has bypass_csp=True, only so axe-core can be injected.
- `open_page(viewport, bypass_csp=...)`: more pages, e.g. one under the site's real CSP.
- `console_of(page)` / `console`: the console messages and uncaught errors of a page.
- `axe_check(page)`: full-page screenshot into e2e/artifacts/, then axe-core (WCAG 2.1 A/AA).
  Violations fail the test when its body ends (the journey goes on meanwhile, so one run
  lists the violations of every page it visits); the failure lists each page and node.
- `login(page, username, password)`: log in through the form at /accedi/.
"""

import os

import pytest

from .browser import (
    ARTIFACTS,
    AXE_JS,
    CHROMIUM,
    CHROMIUM_ARGS,
    VIEWPORTS,
    ConsoleLog,
    PageInfo,
    console_of,
    format_violations,
    log_in,
    page_info,
    register_page,
    run_axe,
)

# Playwright's sync API keeps an event loop in the main thread; the ORM calls that the tests
# make around it are still synchronous and safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here + os.sep):
            item.add_marker(pytest.mark.e2e)


AXE_VIOLATIONS = pytest.StashKey[list]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """Fail a test whose pages had axe-core violations, once its body has run."""
    try:
        result = yield
    except BaseException:
        found = item.stash.get(AXE_VIOLATIONS, [])
        if found:
            item.add_report_section("call", "axe-core", "\n\n".join(found))
        raise
    found = item.stash.get(AXE_VIOLATIONS, [])
    if found:
        pytest.fail("\n\n".join(found), pytrace=False)
    return result


@pytest.fixture(scope="session")
def playwright_session():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `cd e2e && npm install`", pytrace=False)
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and cached sessions from an earlier test must not leak in."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_page(browser, live_server):
    """Factory: open_page("phone", bypass_csp=False) -> a new page in its own context."""
    contexts = []

    def _open(viewport="desktop", *, bypass_csp=True):
        context = browser.new_context(
            base_url=live_server.url,
            locale="it-IT",
            timezone_id="Europe/Rome",
            bypass_csp=bypass_csp,
            **VIEWPORTS[viewport],
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        console = ConsoleLog()
        page.on("console", console.on_console)
        page.on("pageerror", console.on_pageerror)
        register_page(page, PageInfo(viewport=viewport, console=console, bypass_csp=bypass_csp))
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def page(open_page, viewport):
    return open_page(viewport)


@pytest.fixture
def console(page):
    return console_of(page)


@pytest.fixture
def axe_check(request):
    """axe_check(page): screenshot the page into e2e/artifacts/<test>-<viewport>-<n>.png, then
    run axe-core with the WCAG 2.0/2.1 A and AA rules; any violation fails the test when its
    body ends (see pytest_runtest_call above)."""
    test_name = request.node.originalname
    counters = {}
    found = request.node.stash.setdefault(AXE_VIOLATIONS, [])

    def check(page):
        info = page_info(page)
        assert info.bypass_csp, "axe needs a page opened with bypass_csp=True"
        if info.viewport not in counters:
            # First shot of this test at this viewport: drop an earlier run's pictures.
            ARTIFACTS.mkdir(exist_ok=True)
            for stale in ARTIFACTS.glob(f"{test_name}-{info.viewport}-*.png"):
                stale.unlink(missing_ok=True)
        n = counters[info.viewport] = counters.get(info.viewport, 0) + 1
        page.screenshot(path=ARTIFACTS / f"{test_name}-{info.viewport}-{n}.png", full_page=True)
        violations = run_axe(page)
        if violations:
            shot = f"{test_name}-{info.viewport}-{n}.png"
            found.append(f"[{shot}] " + format_violations(violations, page.url))

    return check


@pytest.fixture
def login():
    return log_in
