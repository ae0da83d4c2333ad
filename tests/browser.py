"""The web console in a real browser: the app served over HTTP, a worker, headless Chromium.

Everything runs in the suite's event loop: uvicorn serves the app (on the test database,
Redis and SMTP server) and the arq worker runs its jobs as tasks beside the test, which
drives Debian's Chromium through Playwright's async API.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Error,
    Page,
    ViewportSize,
    expect,
)

from api.app import create_app
from api.serving import WEBSOCKETS
from models.foundation.settings import Settings
from models.policy.mfa import must_use_mfa
from models.tables.organizations import Organization
from tests.authenticator import next_code, with_authenticator
from tests.factories import PASSWORD, Person, with_password
from tests.servers import HOST, free_port
from workers.worker import create_worker

CHROMIUM = "/usr/bin/chromium"  # Debian's package: .ci/ensure-chromium installs it
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
WIDE: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


@contextlib.asynccontextmanager
async def live_app(settings: Settings) -> AsyncIterator[str]:
    """The app on a free loopback port, with a worker running its jobs: the base URL.

    The settings' `public_url` becomes that base, so the links in emails open this server.
    """
    port = free_port()
    base = f"http://{HOST}:{port}"
    settings = dataclasses.replace(settings, public_url=base)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host=HOST,
            port=port,
            ws=WEBSOCKETS,
            log_level="warning",
            log_config=None,
        )
    )
    serving = asyncio.create_task(server.serve())
    worker = create_worker(settings, poll_delay=0.05, handle_signals=False)
    working = asyncio.create_task(worker.async_run())
    try:
        async with asyncio.timeout(15):
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                    raise RuntimeError("the web app stopped before it started")
                await asyncio.sleep(0.02)
        yield base
    finally:
        server.should_exit = True
        # The worker finishes what is queued and under way, then stops (arq's burst mode):
        # a job cut off mid-way would leave its Redis connection open.
        worker.burst = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(working), timeout=10)
        working.cancel()
        await asyncio.gather(serving, working, return_exceptions=True)
        await worker.close()


# What a person using a screen reader or a keyboard would trip over on the page as it is:
# controls without a label, buttons and links without a name, references to missing ids,
# duplicate ids, and not exactly one h1.
_ACCESSIBILITY_PROBLEMS = """
() => {
  const problems = [];
  const show = (el) => el.outerHTML.slice(0, 100);
  for (const el of document.querySelectorAll("input, select, textarea")) {
    const named =
      el.labels?.length || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby");
    if (!named) problems.push(`control without a label: ${show(el)}`);
  }
  for (const el of document.querySelectorAll("button, a[href]")) {
    if (!el.textContent.trim() && !el.getAttribute("aria-label")) {
      problems.push(`nameless: ${show(el)}`);
    }
  }
  for (const el of document.querySelectorAll("[aria-describedby], [aria-labelledby]")) {
    const ids = ["aria-describedby", "aria-labelledby"].map((a) => el.getAttribute(a) ?? "");
    for (const id of ids.join(" ").split(/\\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push(`missing #${id}: ${show(el)}`);
    }
  }
  const ids = [...document.querySelectorAll("[id]")].map((el) => el.id);
  for (const id of new Set(ids.filter((id, i) => ids.indexOf(id) !== i))) {
    problems.push(`duplicate #${id}`);
  }
  const headings = document.querySelectorAll("h1").length;
  if (headings !== 1) problems.push(`${headings} h1 headings`);
  if (!document.querySelector("main")) problems.push("no main landmark");
  return problems;
}
"""


@dataclasses.dataclass
class Tab:
    """A browser page of its own context (its own cookies), noting console errors."""

    context: BrowserContext
    page: Page
    errors: list[str] = dataclasses.field(default_factory=list)

    async def accessibility_problems(self) -> list[str]:
        problems: list[str] = await self.page.evaluate(_ACCESSIBILITY_PROBLEMS)
        return problems

    async def shot(self, name: str, *, full_page: bool = True) -> Path:
        """Save a screenshot as docs/screenshots/<name>.png: the whole page, or what the
        viewport shows (a modal dialog's backdrop covers only that)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        await self.page.screenshot(
            path=path, full_page=full_page, animations="disabled", caret="hide"
        )
        return path


@contextlib.asynccontextmanager
async def open_tab(
    browser: Browser, base: str, viewport: ViewportSize | None = None
) -> AsyncIterator[Tab]:
    context = await browser.new_context(
        base_url=base, viewport=viewport or WIDE, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(10_000)
    page = await context.new_page()
    tab = Tab(context, page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            tab.errors.append(f"{message.text} ({message.location.get('url')})")

    def on_page_error(error: Error) -> None:
        tab.errors.append(f"uncaught: {error.message}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    try:
        yield tab
    finally:
        await context.close()


async def sign_in(tab: Tab, person: Person, password: str = PASSWORD) -> None:
    """Sign in as a person does: the sign-in page, their email address and password (given
    one first if they have none), then a code of their authenticator app when they have one.
    Someone who must use a second factor is given an app first, as if they had set it up
    before (`test_console_mfa.py` sets one up through the console). The console then shows
    their start page."""
    if not person.user.password_hash:
        await with_password(person, password)
    if person.totp_secret is None and await needs_second_factor(person):
        await with_authenticator(person)
    page = tab.page
    await page.goto("/signin")
    await page.get_by_label("Email address").fill(person.email)
    await page.get_by_label("Password", exact=True).fill(password)
    await page.get_by_role("button", name="Sign in").click()
    if person.totp_secret is not None:
        await enter_code(tab, person)
    await expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()


async def enter_code(tab: Tab, person: Person) -> None:
    """The sign-in's second step: a code of the person's app that was not used yet."""
    code = tab.page.get_by_label("Code from your authenticator app")
    await code.fill(await next_code(person))
    await tab.page.get_by_role("button", name="Verify and sign in").click()


async def needs_second_factor(person: Person) -> bool:
    organization = await Organization.get(id=person.user.organization_id)
    return must_use_mfa(person.user.roles, organization)
