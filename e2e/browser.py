"""Helpers for the browser journeys: console capture, axe-core checks, screenshots, login.

The fixtures that use them live in e2e/conftest.py.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = E2E_DIR / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = E2E_DIR / "artifacts"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Context options per viewport; the ids are the ones pytest shows ([desktop], [phone]).
# Reduced motion: axe must judge a page at rest. A button just clicked is still fading
# between its colours (a 0.15 s transition), and axe measured the half-way colours (3.1:1).
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}, "reduced_motion": "reduce"},
    "phone": {
        "viewport": {"width": 375, "height": 812},
        "is_mobile": True,
        "has_touch": True,
        "reduced_motion": "reduce",
    },
}

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Chromium's console line for a document answered with an error status: expected on the
# error pages (pass it to ConsoleLog.assert_clean(allow=...)), and nowhere else.
HTTP_ERROR_LINE = r"^Failed to load resource: the server responded with a status of (404|500)"


@dataclass
class ConsoleLog:
    """Console messages and uncaught exceptions of one page, in order."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def on_console(self, message):
        self.entries.append((message.type, message.text))

    def on_pageerror(self, error):
        self.entries.append(("pageerror", str(error)))

    def errors(self, *, allow=()):
        """Console errors (CSP violations and failed loads are errors in Chromium) and
        uncaught exceptions, minus the lines matching a pattern in `allow`."""
        return [
            (kind, text)
            for kind, text in self.entries
            if kind in ("error", "pageerror")
            and not any(re.search(pattern, text) for pattern in allow)
        ]

    def assert_clean(self, *, allow=()):
        errors = self.errors(allow=allow)
        assert not errors, "console errors:\n" + "\n".join(f"  [{k}] {t}" for k, t in errors)


@dataclass
class PageInfo:
    viewport: str
    console: ConsoleLog
    bypass_csp: bool


# Page -> PageInfo, filled by the open_page fixture.
_pages = weakref.WeakKeyDictionary()


def register_page(page, info):
    _pages[page] = info


def page_info(page):
    return _pages[page]


def console_of(page):
    """The ConsoleLog of a page opened by the open_page/page fixtures."""
    return _pages[page].console


def format_violations(violations, url):
    lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} [{v['impact']}] {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            target = " ".join(", ".join(t) if isinstance(t, list) else t for t in node["target"])
            lines.append(f"    target: {target}")
            lines.append(f"      html: {node['html'][:200]}")
            for summary_line in (node["summary"] or "").splitlines():
                lines.append(f"      {summary_line}")
    return "\n".join(lines)


AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {
    runOnly: {type: "tag", values: tags},
    resultTypes: ["violations"],
  });
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""


def run_axe(page):
    """Inject axe-core (needs a context with bypass_csp) and return the violations."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    return page.evaluate(AXE_RUN, AXE_TAGS)


# Labels end with a required-field asterisk (aria-hidden, so screen readers say just the
# label), and Playwright's label text includes it: match the start of the label.
def username_field(page):
    return page.get_by_label(re.compile(r"^Nome utente\b"))


def password_field(page):
    return page.get_by_label(re.compile(r"^Password\b"))


def log_in(page, username, password, *, otp=None, check=None):
    """Log in through the real form at /accedi/, as a person would.

    otp: for a profile with two-step verification, a callable giving the current code to type
    on "Verifica in due passaggi". check: called with the page on every page visited here
    (e.g. axe_check), so journeys can keep checking every page they see.
    """
    page.goto("/accedi/")
    if check:
        check(page)
    username_field(page).fill(username)
    password_field(page).fill(password)
    page.get_by_role("button", name="Accedi", exact=True).click()
    page.wait_for_load_state()
    if otp is not None:
        page.get_by_role("heading", name="Verifica in due passaggi").wait_for()
        if check:
            check(page)
        page.get_by_label(re.compile(r"^Codice di verifica\b")).fill(otp())
        page.get_by_role("button", name="Verifica", exact=True).click()
        page.wait_for_load_state()


def totp_code(device):
    """The code an authenticator app shows now for a django-otp TOTPDevice."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(device.digits)


def next_totp_code(device):
    """Like totp_code, for a device that may have accepted a code in this time step already:
    django-otp refuses a code twice, so give the next step's code then (accepted, as a phone
    whose clock runs a little ahead would be, within the device's tolerance)."""
    import time

    from django_otp.oath import TOTP

    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    now = time.time()
    totp.time = now
    if device.last_t is not None and totp.t() <= device.last_t:
        totp.time = now + device.step
    return str(totp.token()).zfill(device.digits)
