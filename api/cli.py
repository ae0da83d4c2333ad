"""The `partnerhub` command line: migrations, organizations, users, tokens, and the processes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from email_validator import EmailNotValidError

from api.logs import configure_logging
from models.foundation.email_addresses import normalized_email
from models.foundation.ids import decode_id, encode_id
from models.foundation.settings import Settings, SettingsError, redacted
from models.infrastructure.db import check_database, database, migrate
from models.reference.catalog import AdminRole
from models.reference.enums import OrganizationKind, PartnerRole

if TYPE_CHECKING:
    from models.operation import Operation

ROLE_CHOICES = [str(r) for r in AdminRole] + [str(r) for r in PartnerRole]

# The commands that run until stopped, and log as they go.
LONG_RUNNING = frozenset({"web", "worker", "dev"})
# The commands that need the database: each checks it answers before doing anything else.
USE_DATABASE = frozenset(
    {
        "migrate",
        "create-org",
        "create-user",
        "create-token",
        "revoke-tokens",
        "reset-mfa",
        "web",
        "worker",
        "dev",
    }
)

# The GraphQL types whose IDs the commands print and take: the IDs the API shows and takes.
ORGANIZATION_TYPE = "Organization"
USER_TYPE = "User"


class CommandError(Exception):
    """A refusal to print on stderr, with exit status 1."""


async def _migrate(settings: Settings, args: argparse.Namespace) -> str:
    print(f"Migrating {redacted(settings.database_url)} ...", flush=True)
    applied = await migrate(settings.database_url)
    for name in applied:
        print(f"  applied {name}", flush=True)
    return f"{len(applied)} migration(s) applied" if applied else "Database is up to date"


async def _create_org(settings: Settings, args: argparse.Namespace) -> str:
    from models.tables.organizations import Organization

    async with database(settings.database_url):
        org = await Organization.create(name=args.name, kind=OrganizationKind(args.kind.upper()))
    return encode_id(ORGANIZATION_TYPE, org.id)


async def _create_user(settings: Settings, args: argparse.Namespace) -> str:
    from tortoise.exceptions import IntegrityError

    from models.infrastructure.tokens import Sealer
    from models.operation import Operation
    from models.rules.people import create_person
    from models.tables.organizations import Organization

    async with database(settings.database_url):
        org = await Organization.get_or_none(id=_organization_uuid(args.org))
        if org is None:
            raise CommandError(f"No organization with id {args.org}")
        allowed = {
            str(r) for r in (AdminRole if org.kind is OrganizationKind.CUSTOMER else PartnerRole)
        }
        wrong = [role for role in args.role if role not in allowed]
        if wrong:
            raise CommandError(
                f"{', '.join(wrong)}: not a role for a {org.kind.lower()} organization's users"
            )
        op = Operation(actor=None, sealer=Sealer(str(settings.secret_key)))
        try:
            user = await create_person(
                op, org, args.email, args.name, list(dict.fromkeys(args.role))
            )
        except IntegrityError as exc:
            raise CommandError(f"A user with email {args.email} exists already") from exc
        await _hand_to_worker(settings, op)
    return (
        f"{args.email} is emailed a link to set a password (valid 7 days) by the worker.\n"
        f"{encode_id(USER_TYPE, user.id)}"
    )


async def _hand_to_worker(settings: Settings, op: Operation) -> None:
    """Hand the jobs an operation committed to Redis when there is one; otherwise they wait
    in the outbox, and a worker's relay sends them once it runs."""
    from arq.connections import ArqRedis

    from models.infrastructure.redis_clients import redis_client
    from workers.dispatch import after_commit

    if not settings.redis_url:
        return
    redis = redis_client(settings.redis_url, ArqRedis)
    try:
        await after_commit(op, redis)
    finally:
        await redis.aclose()


async def _create_token(settings: Settings, args: argparse.Namespace) -> str:
    from models.identity.api_tokens import issue_token
    from models.tables.organizations import User

    async with database(settings.database_url):
        user = await User.get_or_none(email=args.email.strip().lower())
        if user is None:
            raise CommandError(f"No user with email {args.email}")
        return await issue_token(user, name=args.name)


async def _revoke_tokens(settings: Settings, args: argparse.Namespace) -> str:
    from models.foundation.clock import utcnow
    from models.tables.organizations import ApiToken, User

    async with database(settings.database_url):
        user = await User.get_or_none(email=args.email.strip().lower())
        if user is None:
            raise CommandError(f"No user with email {args.email}")
        revoked = await ApiToken.filter(user=user, revoked_at=None).update(revoked_at=utcnow())
    return f"{revoked} token(s) revoked"


async def _reset_mfa(settings: Settings, args: argparse.Namespace) -> str:
    from models.foundation.errors import DomainError
    from models.infrastructure.tokens import Sealer
    from models.operation import Operation
    from models.rules.mfa import reset_mfa

    op = Operation(actor=None, sealer=Sealer(str(settings.secret_key)))
    async with database(settings.database_url):
        try:
            removed = await reset_mfa(op, args.email)
        except DomainError as refused:
            raise CommandError(refused.message) from None
        await _hand_to_worker(settings, op)
    if not removed:
        return f"{args.email} had no authenticator app"
    return f"The authenticator app and recovery codes of {args.email} are removed"


def _organization_uuid(value: str) -> UUID | None:
    """The UUID inside an organization's ID as the API shows it, or a bare UUID (what earlier
    versions printed); None for anything else."""
    found = decode_id(ORGANIZATION_TYPE, value)
    if found is not None:
        return found
    try:
        return UUID(value)
    except ValueError:
        return None


def _org_id(value: str) -> str:
    if _organization_uuid(value) is None:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an organization id (the id that create-org prints)"
        )
    return value


def _email(value: str) -> str:
    """The address as stored (lower-cased, so that its case never makes a second user), if
    the API would take it: the same test as the API's, `normalized_email`."""
    try:
        return normalized_email(value).lower()
    except EmailNotValidError as exc:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a usable email address: {exc}"
        ) from None


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn
    from uvicorn.config import STARTUP_FAILURE

    from api.app import create_app
    from api.heap import settle_after_start_up
    from api.serving import server_config

    settings = settings.serving_at(args.host, args.port)
    config = server_config(create_app(settings), settings, host=args.host, port=args.port)
    server = uvicorn.Server(config)
    settle_after_start_up()
    with contextlib.suppress(KeyboardInterrupt):
        server.run()
    if not server.started:  # uvicorn has logged why (the port taken, say): exit as it does
        sys.exit(STARTUP_FAILURE)


def _dev(settings: Settings, args: argparse.Namespace) -> None:
    from api.dev import DevOptions, run_dev
    from api.embedded import PortInUse

    options = DevOptions(
        host=args.host, port=args.port, redis_port=args.redis_port, smtp_port=args.smtp_port
    )
    try:
        run_dev(settings, options)
    except PortInUse as exc:
        raise CommandError(str(exc)) from exc


def _mail(settings: Settings, args: argparse.Namespace) -> None:
    from api.mailbox import MailFolder

    folder = MailFolder(Path(settings.mailbox_dir))
    if args.mail_command == "list":
        mails = folder.all()
        for mail in mails:
            message = mail.message()
            subject = str(message["Subject"]).strip()
            print(f"{mail.number:>4}  {message['Date']}  {message['To']}  {subject}")
        print(f"{len(mails)} message(s) in {folder.directory}")
        return
    found = folder.get(args.number)
    if found is None:
        raise CommandError(f"no message {args.number} in {folder.directory}")
    if args.raw:
        print(found.path.read_text())
        return
    message = found.message()
    for header in ("From", "To", "Date", "Subject"):
        print(f"{header}: {str(message[header]).strip()}")
    print()
    print(found.text())


def _worker(settings: Settings, args: argparse.Namespace) -> None:
    import uvloop

    from api.heap import settle_after_start_up
    from workers.worker import create_worker

    # The event loop the web runs on too (uvicorn's): its socket writes and its polling cost
    # a worker about a fifth of its time per email on asyncio's own loop.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    worker = create_worker(settings)
    settle_after_start_up()
    worker.run()


def _check(settings: Settings, command: str) -> None:
    """Refuse to start, in one line that says what to fix, on a configuration that cannot
    work: the settings a command needs, then the servers it is about to use."""
    if command == "worker":
        from workers.worker import check_settings

        check_settings(settings)
    # `dev` starts a Redis of its own unless REDIS_URL names one; the worker needs it.
    if command in ("worker", "dev") and settings.redis_url:
        from workers.worker import check_redis

        asyncio.run(check_redis(settings.redis_url))
    if command in USE_DATABASE:
        # `migrate` and `dev` apply the migrations themselves; the others need them applied.
        migrated = command not in ("migrate", "dev")
        asyncio.run(check_database(settings.database_url, migrated=migrated))


AsyncCommand = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, str]]
ASYNC_COMMANDS: dict[str, AsyncCommand] = {
    "migrate": _migrate,
    "create-org": _create_org,
    "create-user": _create_user,
    "create-token": _create_token,
    "revoke-tokens": _revoke_tokens,
    "reset-mfa": _reset_mfa,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnerhub",
        description="Partnerhub: partner relationships between customers and solution providers. "
        "Configuration comes from the environment (DATABASE_URL, REDIS_URL, SMTP_URL, "
        "MAIL_FROM, PUBLIC_URL, SECRET_KEY) or a .env file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, details: str = "") -> argparse.ArgumentParser:
        description = f"{summary[0].upper()}{summary[1:]}." + (f" {details}" if details else "")
        return commands.add_parser(name, help=summary, description=description)

    command("migrate", "apply pending database migrations")
    org = command("create-org", "create an organization; prints its id")
    org.add_argument("--name", required=True, help="the organization's name")
    org.add_argument("--kind", required=True, choices=["customer", "partner"], type=str.lower)
    user = command(
        "create-user",
        "create a user; prints its id",
        "The person is emailed a link to choose a password (valid 7 days): the worker sends it.",
    )
    user.add_argument(
        "--org", required=True, type=_org_id, help="the organization id that create-org printed"
    )
    user.add_argument(
        "--email", required=True, type=_email, help="the user's email address (unique)"
    )
    user.add_argument("--name", help="the user's display name")
    user.add_argument(
        "--role",
        action="append",
        default=[],
        choices=ROLE_CHOICES,
        metavar="ROLE",
        help="a catalog role for customer users (GLOBAL_ADMINISTRATOR, BILLING_ADMINISTRATOR, "
        "...) or ADMIN_AGENT, SALES_AGENT, HELPDESK_AGENT for partner users; repeatable",
    )
    token = command("create-token", "issue a bearer token for scripts; prints it, once")
    token.add_argument("--email", required=True, help="the user's email address")
    token.add_argument(
        "--name",
        default="Command line",
        help="a name for the token, shown in the person's list of tokens (default: Command line)",
    )
    revoke = command("revoke-tokens", "revoke every live token of a user")
    revoke.add_argument("--email", required=True, help="the user's email address")
    reset = command(
        "reset-mfa",
        "remove a user's authenticator app and recovery codes",
        "For someone who lost both: they sign in with their password, and set up a new app if "
        "their roles or organization require one.",
    )
    reset.add_argument("--email", required=True, help="the user's email address")
    serve = command("web", "run the web app (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    command("worker", "run the arq worker")
    dev = command(
        "dev",
        "everything on embedded defaults: SQLite, Redis, a local mailbox, web and worker",
        "Migrates, seeds a demo on an empty database, and runs the web app and the worker, with "
        "an embedded Redis unless REDIS_URL is set and a local mailbox (files under var/mail/) "
        "unless SMTP_URL is set. Ctrl-C stops everything.",
    )
    dev.add_argument("--host", default="127.0.0.1", help="web app address (default 127.0.0.1)")
    dev.add_argument("--port", type=int, default=8000, help="web app port (default 8000)")
    dev.add_argument("--redis-port", type=int, default=6389, help="embedded Redis port (6389)")
    dev.add_argument("--smtp-port", type=int, default=8025, help="local mailbox port (8025)")
    mail = command("mail", "read the local mailbox of `partnerhub dev`")
    mail_commands = mail.add_subparsers(dest="mail_command", required=True, metavar="COMMAND")
    mail_commands.add_parser(
        "list", help="list the messages, oldest first", description="List the messages."
    )
    show = mail_commands.add_parser(
        "show",
        help="show one message's headers and text",
        description="Show one message's headers and text part.",
    )
    show.add_argument("number", type=int, help="the message number from `mail list`")
    show.add_argument("--raw", action="store_true", help="print the whole message as received")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        _check(settings, args.command)
        if args.command in LONG_RUNNING:
            configure_logging(settings)
        if args.command == "web":
            _serve(settings, args)
            return 0
        if args.command == "worker":
            _worker(settings, args)
            return 0
        if args.command == "dev":
            _dev(settings, args)
            return 0
        if args.command == "mail":
            _mail(settings, args)
            return 0
        print(asyncio.run(ASYNC_COMMANDS[args.command](settings, args)))
    except (CommandError, SettingsError) as exc:
        print(f"partnerhub {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
