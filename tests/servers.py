"""Real throwaway servers (PostgreSQL, Redis, SMTP) on loopback for tests and dev runs."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import email
import email.policy
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from enum import StrEnum
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

from api.embedded import find_redis_server, ping
from models.infrastructure.db import migrate

HOST = "127.0.0.1"
# The database `PostgresServer.migrated_database` copies: every migration applied, no rows.
MIGRATED_TEMPLATE = "partnerhub_migrated_template"


def free_port() -> int:
    """Return a currently free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "<no log>"
    return "\n".join(text.splitlines()[-lines:]) or "<empty log>"


def _can_connect(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


def _terminate(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> None:
    """Send ``sig`` to ``proc``, wait up to ``timeout``, then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _Managed:
    """Context-manager plumbing shared by the servers."""

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- PostgreSQL


def _version_key(path: str) -> tuple[int, ...]:
    name = Path(path).parent.name  # /usr/lib/postgresql/<version>/bin
    return tuple(int(p) for p in name.split(".") if p.isdigit())


def find_postgres_bindir() -> Path:
    """Directory holding ``initdb`` and ``postgres``; RuntimeError if not installed."""
    candidates: list[Path] = []
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(os.path.realpath(initdb)).parent)
    versioned = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)
    candidates.extend(Path(p) for p in versioned)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise RuntimeError(
        "PostgreSQL server binaries (initdb, postgres) not found on PATH or in "
        "/usr/lib/postgresql/*/bin; install the Debian package `postgresql` "
        "(apt-get install -y postgresql)."
    )


class PostgresServer(_Managed):
    """Throwaway PostgreSQL cluster in a temp dir, listening on 127.0.0.1 only.

    For speed it acknowledges a commit before its WAL is written (`synchronous_commit=off`)
    and never fsyncs: a server crash (`halt`) then forgets the last few hundred
    milliseconds of commits it had acknowledged, which no deployment allows. `durable` keeps
    PostgreSQL's own defaults for commits, as production runs it: a commit is acknowledged
    once its WAL is written, so a crash of the server loses nothing acknowledged (fsync stays
    off: the operating system, which keeps what was written, does not crash here).
    """

    def __init__(
        self, *, port: int | None = None, startup_timeout: float = 30.0, durable: bool = False
    ) -> None:
        self.port = port or free_port()
        self.startup_timeout = startup_timeout
        self.durable = durable
        self.bindir = find_postgres_bindir()
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None
        self._migrated_template = False
        self._run_as: dict[str, Any] = {}
        self._uid_gid: tuple[int, int] | None = None
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root.
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError(
                    "running as root but no `postgres` system user exists; install the "
                    "Debian package `postgresql` (it creates the user)"
                ) from exc
            self._run_as = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
            self._uid_gid = (pw.pw_uid, pw.pw_gid)

    @property
    def url(self) -> str:
        """URL of the default ``postgres`` database."""
        return self.database_url("postgres")

    def database_url(self, name: str) -> str:
        """URL of database ``name`` on this server."""
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    @property
    def running(self) -> bool:
        """Whether the postmaster process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def _tool(self, name: str) -> str | None:
        path = self.bindir / name
        return str(path) if path.is_file() else shutil.which(name)

    @property
    def run_as(self) -> dict[str, Any]:
        """`subprocess` options that run a program as the server's user (when root)."""
        return dict(self._run_as)

    @property
    def owner(self) -> tuple[int, int] | None:
        """The uid and gid that must own the server's files, when root runs the tests."""
        return self._uid_gid

    def tool_environment(self) -> dict[str, str]:
        """The environment for PostgreSQL's programs (psql), without the caller's PG*."""
        return self._env()

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        return env

    def start(self) -> None:
        """Create the cluster (first time) and start the server; wait until it accepts."""
        if self.running:
            return
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="pg-test-"))
            if self._uid_gid is not None:
                os.chown(self._tmp, *self._uid_gid)
            atexit.register(self.stop)
            self._initdb()
        self._spawn()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _initdb(self) -> None:
        self._migrated_template = False  # a new cluster holds no template
        assert self._tmp is not None
        cmd = [
            str(self.bindir / "initdb"),
            "-D",
            str(self._tmp / "data"),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
        result = subprocess.run(
            cmd,
            cwd=self._tmp,
            env=self._env(),
            capture_output=True,
            timeout=120,
            check=False,
            **self._run_as,
        )
        if result.returncode != 0:
            self.stop()
            out = (result.stdout + result.stderr).decode(errors="replace")
            raise RuntimeError(f"initdb failed (exit {result.returncode}):\n{out}")

    def _spawn(self) -> None:
        assert self._tmp is not None
        settings = {
            "listen_addresses": HOST,
            "port": str(self.port),
            "unix_socket_directories": str(self._tmp),
            "fsync": "off",
            "synchronous_commit": "on" if self.durable else "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "logging_collector": "off",
        }
        cmd = [str(self.bindir / "postgres"), "-D", str(self._tmp / "data")]
        for key, value in settings.items():
            cmd += ["-c", f"{key}={value}"]
        with (self._tmp / "server.log").open("ab") as log:
            self._proc = subprocess.Popen(
                cmd,
                cwd=self._tmp,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **self._run_as,
            )

    def _wait_ready(self) -> None:
        assert self._tmp is not None
        assert self._proc is not None
        isready = self._tool("pg_isready")
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                break
            if isready:
                ok = (
                    subprocess.run(
                        [isready, "-q", "-h", HOST, "-p", str(self.port), "-U", "postgres"],
                        env=self._env(),
                        timeout=10,
                        check=False,
                    ).returncode
                    == 0
                )
            else:
                ok = _can_connect(self.port)
            if ok:
                return
            time.sleep(0.05)
        state = "exited" if self._proc.poll() is not None else "timed out"
        raise RuntimeError(
            f"PostgreSQL on port {self.port} did not become ready ({state}); log tail:\n"
            + _log_tail(self._tmp / "server.log")
        )

    def _psql(self, sql: str) -> tuple[int, str]:
        """Run one SQL command on the server's default database: psql's exit code and error."""
        psql = self._tool("psql")
        if psql is None:
            raise RuntimeError("`psql` not found; install the Debian package `postgresql-client`")
        result = subprocess.run(
            [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url, "-c", sql],
            env=self._env(),
            capture_output=True,
            timeout=60,
            check=False,
        )
        return result.returncode, result.stderr.decode(errors="replace").strip()

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database ``name`` (a copy of database ``template`` if given) and return its
        URL (safe inside an event loop)."""
        create = f"CREATE DATABASE {_identifier(name)}"
        if template:
            create += f" TEMPLATE {_identifier(template)}"
        for _ in range(50):
            code, err = self._psql(create)
            # The template's last connections may still be closing on the server's side.
            if code == 0 or "is being accessed by other users" not in err:
                break
            time.sleep(0.1)
        if code != 0:
            raise RuntimeError(f"{create} failed: {err}")
        return self.database_url(name)

    async def migrated_database(self, name: str) -> str:
        """Create database ``name`` with every migration applied and return its URL: the
        first call migrates a template database, the others copy it, in a fraction of a
        second rather than the seconds a migration from scratch takes."""
        if not self._migrated_template:
            url = self.create_database(MIGRATED_TEMPLATE)
            try:
                await migrate(url)
            except BaseException:
                # The next call migrates it afresh.
                self._psql(f"DROP DATABASE IF EXISTS {_identifier(MIGRATED_TEMPLATE)} WITH (FORCE)")
                raise
            self._migrated_template = True
        return self.create_database(name, template=MIGRATED_TEMPLATE)

    def halt(self) -> None:
        """Stop at once, as a crash would (``pg_ctl stop -m immediate``), keeping the cluster:
        ``start()`` brings it back with its data, after crash recovery."""
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        pg_ctl = self._tool("pg_ctl")
        if pg_ctl and self._tmp is not None:
            subprocess.run(
                [pg_ctl, "stop", "-D", str(self._tmp / "data"), "-m", "immediate", "-w"],
                env=self._env(),
                capture_output=True,
                timeout=30,
                check=False,
                **self._run_as,
            )
        _terminate(proc, signal.SIGQUIT, timeout=10)

    def stop(self) -> None:
        """Stop immediately (like ``pg_ctl stop -m immediate``) and delete the cluster."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            pg_ctl = self._tool("pg_ctl")
            if pg_ctl and self._tmp is not None:
                subprocess.run(
                    [pg_ctl, "stop", "-D", str(self._tmp / "data"), "-m", "immediate", "-w"],
                    env=self._env(),
                    capture_output=True,
                    timeout=30,
                    check=False,
                    **self._run_as,
                )
            _terminate(proc, signal.SIGQUIT, timeout=10)  # SIGQUIT == immediate shutdown
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- Redis


class RedisServer(_Managed):
    """Real ``redis-server`` on 127.0.0.1; can be stopped and restarted on the same port.

    Without persistence it comes back empty; with it (``persistent``) it writes every change
    to its append-only file at once, as production's Redis does, and comes back with its data
    unless ``wipe()`` deleted them while it was stopped.
    """

    def __init__(
        self,
        *,
        port: int | None = None,
        startup_timeout: float = 10.0,
        persistent: bool = False,
        replica_of: RedisServer | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.log = log  # where its output goes (appended to); in its temporary directory if None
        self.startup_timeout = startup_timeout
        self.persistent = persistent
        self.replica_of = replica_of  # started as a replica of that server
        self.executable = find_redis_server()
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None

    @property
    def url(self) -> str:
        """URL of database 0."""
        return f"redis://{HOST}:{self.port}/0"

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> None:
        """Start (or restart) the server on ``self.port`` and wait for PONG."""
        if self.running:
            return
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="redis-test-"))
            atexit.register(self._cleanup)
        cmd = [
            self.executable,
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "yes" if self.persistent else "no",
            "--appendfsync",
            "always",
            "--daemonize",
            "no",
            "--dir",
            str(self._tmp),
        ]
        if self.replica_of is not None:
            cmd += ["--replicaof", HOST, str(self.replica_of.port)]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self._proc.poll() is None:
            with contextlib.suppress(OSError):
                if self.command("PING") == b"+PONG":
                    return
            time.sleep(0.02)
        log_tail = _log_tail(self.log_path)
        self._cleanup()
        raise RuntimeError(f"redis-server on port {self.port} did not answer PING:\n{log_tail}")

    @property
    def log_path(self) -> Path:
        """The file its output goes to: `log`, or one in its temporary directory."""
        if self.log is not None:
            return self.log
        assert self._tmp is not None, "the server has not been started"
        return self._tmp / "redis.log"

    def command(self, *args: str, timeout: float = 2.0) -> bytes:
        """Send one command over a raw socket; return the first reply line."""
        payload = f"*{len(args)}\r\n".encode()
        for arg in args:
            data = arg.encode()
            payload += b"$%d\r\n%s\r\n" % (len(data), data)
        with socket.create_connection((HOST, self.port), timeout=timeout) as sock:
            sock.sendall(payload)
            reply = b""
            while not reply.endswith(b"\r\n"):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                reply += chunk
        return reply.split(b"\r\n", 1)[0]

    def flushall(self) -> None:
        """Delete every key in every database."""
        reply = self.command("FLUSHALL")
        if reply != b"+OK":
            raise RuntimeError(f"FLUSHALL failed: {reply!r}")

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): it still accepts connections, and answers nothing."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a frozen server go on (SIGCONT): it answers what it was sent meanwhile."""
        assert self._proc is not None
        self._proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        """Stop the process (keeps the port and temp dir for a later ``start()``)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc, signal.SIGTERM, timeout=10)

    def wipe(self) -> None:
        """Delete what a stopped server persisted: it starts again empty, as a new replica."""
        assert not self.running
        if self._tmp is not None:
            for path in self._tmp.iterdir():
                if path.name != "redis.log":
                    shutil.rmtree(path) if path.is_dir() else path.unlink()

    def _cleanup(self) -> None:
        atexit.unregister(self._cleanup)
        self.stop()
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._cleanup()


class SentinelServer(_Managed):
    """A real Redis Sentinel (`redis-server --sentinel`) on 127.0.0.1, monitoring `primary`
    as the service `SentinelServer.SERVICE`, with a quorum of one: it alone decides a
    failover, which `failover()` asks for at once."""

    SERVICE = "partnerhub"

    def __init__(self, primary: RedisServer, *, startup_timeout: float = 10.0) -> None:
        self.port = free_port()
        self.primary = primary
        self.startup_timeout = startup_timeout
        self.executable = find_redis_server()
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None

    def url(self, db: int = 0) -> str:
        """REDIS_URL in Sentinel form for the service's database `db`."""
        return f"redis+sentinel://{HOST}:{self.port}/{self.SERVICE}/{db}"

    def client(self) -> Any:
        """A redis-py client of the Sentinel itself (its SENTINEL commands)."""
        import redis

        return redis.Redis(host=HOST, port=self.port, socket_timeout=2.0)

    def start(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="sentinel-test-"))
        atexit.register(self.stop)
        config = self._tmp / "sentinel.conf"  # Sentinel rewrites it with what it learns
        config.write_text(
            f"port {self.port}\n"
            f"bind {HOST}\n"
            f"dir {self._tmp}\n"
            f"sentinel monitor {self.SERVICE} {HOST} {self.primary.port} 1\n"
            f"sentinel down-after-milliseconds {self.SERVICE} 1000\n"
            f"sentinel failover-timeout {self.SERVICE} 5000\n"
        )
        with (self._tmp / "sentinel.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [self.executable, str(config), "--sentinel"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self._proc.poll() is None:
            if ping(self.port):
                return
            time.sleep(0.02)
        log_tail = _log_tail(self._tmp / "sentinel.log")
        self.stop()
        raise RuntimeError(f"redis sentinel on port {self.port} did not answer PING:\n{log_tail}")

    def primary_port(self) -> int:
        """The port of the server the Sentinel names as the service's primary."""
        _, port = self.client().sentinel_get_master_addr_by_name(self.SERVICE)
        return int(port)

    def replicas_in_sync(self) -> int:
        """How many replicas the Sentinel knows whose link to the primary is up."""
        replicas = self.client().sentinel_slaves(self.SERVICE)
        return sum(
            1
            for replica in replicas
            if replica.get("master-link-status") == "ok" and not replica.get("is_odown")
        )

    def failover(self) -> None:
        """SENTINEL FAILOVER: a replica becomes the primary, the primary its replica."""
        assert self.client().execute_command("SENTINEL", "FAILOVER", self.SERVICE)

    def stop(self) -> None:
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc, signal.SIGTERM, timeout=10)
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def find_pgbouncer() -> str:
    """The `pgbouncer` binary (Debian's package: `make pgbouncer`), or RuntimeError."""
    found = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
    if found is None:
        raise RuntimeError("pgbouncer not found: `make pgbouncer` installs Debian's package")
    return found


class PgBouncerServer(_Managed):
    """A real PgBouncer on 127.0.0.1 in front of `postgres`, in transaction mode: a server
    connection serves one client's transaction, then any other client's; at most
    `server_connections` of them per database."""

    def __init__(
        self,
        postgres: PostgresServer,
        *,
        server_connections: int = 2,
        startup_timeout: float = 10.0,
    ) -> None:
        self.port = free_port()
        self.postgres = postgres
        self.server_connections = server_connections
        self.startup_timeout = startup_timeout
        self.executable = find_pgbouncer()
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None

    def database_url(self, name: str) -> str:
        """URL of database `name` through PgBouncer, with asyncpg's statement cache off: a
        named prepared statement lives on one server connection, and the next transaction
        may run on another."""
        return f"postgres://postgres@{HOST}:{self.port}/{name}?statement_cache_size=0"

    def start(self) -> None:
        self._tmp = Path(tempfile.mkdtemp(prefix="pgbouncer-test-"))
        atexit.register(self.stop)
        (self._tmp / "users.txt").write_text('"postgres" ""\n')
        config = self._tmp / "pgbouncer.ini"
        config.write_text(
            "[databases]\n"
            f"* = host={HOST} port={self.postgres.port}\n"
            "[pgbouncer]\n"
            f"listen_addr = {HOST}\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self._tmp / 'users.txt'}\n"
            "admin_users = postgres\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {self.server_connections}\n"
            "max_client_conn = 500\n"
        )
        run_as = self.postgres.run_as  # PgBouncer, like PostgreSQL, refuses to run as root
        if self.postgres.owner is not None:
            os.chown(self._tmp, *self.postgres.owner)
        with (self._tmp / "pgbouncer.log").open("ab") as log:
            self._proc = subprocess.Popen(
                [self.executable, str(config)],
                cwd=self._tmp,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **run_as,
            )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline and self._proc.poll() is None:
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 0.5):
                return
            time.sleep(0.02)
        log_tail = _log_tail(self._tmp / "pgbouncer.log")
        self.stop()
        raise RuntimeError(f"pgbouncer on port {self.port} did not listen:\n{log_tail}")

    def show(self, what: str) -> list[dict[str, str]]:
        """`SHOW <what>` on PgBouncer's admin console (psql: the console speaks only the
        simple query protocol), one dict per row."""
        done = subprocess.run(
            [
                str(self.postgres.bindir / "psql"),
                *("-h", HOST, "-p", str(self.port), "-U", "postgres", "-d", "pgbouncer"),
                *("--no-psqlrc", "--csv", "-c", f"SHOW {what}"),
            ],
            capture_output=True,
            timeout=30,
            check=True,
            env=self.postgres.tool_environment(),
        )
        header, *rows = done.stdout.decode().splitlines()
        names = header.split(",")
        return [dict(zip(names, row.split(","), strict=True)) for row in rows]

    def stop(self) -> None:
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is not None:
            _terminate(proc, signal.SIGTERM, timeout=10)
        tmp, self._tmp = self._tmp, None
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------- SMTP


@dataclass(frozen=True)
class ReceivedMail:
    """One message accepted by :class:`SmtpServer`."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class Fault(StrEnum):
    """What :class:`SmtpServer` does to one connection instead of serving it."""

    DROP_ON_CONNECT = "drop on connect"  # closes the connection before greeting
    STALL_ON_CONNECT = "stall on connect"  # accepts the connection, never greets
    DROP_ON_DATA = "drop on data"  # takes the whole message, closes without a reply
    STALL_ON_DATA = "stall on data"  # takes the whole message, never replies
    # Keeps the message (it is delivered), then closes without a reply: the client cannot
    # tell it from DROP_ON_DATA, as a worker that dies before recording a send cannot.
    DROP_AFTER_ACCEPT = "drop after accept"


async def _forever() -> None:
    """Wait until cancelled: aiosmtpd cancels a session's task when its connection ends."""
    await asyncio.Event().wait()


class _Session(SMTP):
    """An SMTP session that meets `fault` (a DATA fault, or none) when the message is in."""

    def __init__(self, handler: _Handler, fault: Fault | None, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.fault = fault


class _Handler:
    def __init__(self, owner: SmtpServer) -> None:
        self.owner = owner

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # noqa: N802
        fault = server.fault if isinstance(server, _Session) else None
        if fault is Fault.DROP_ON_DATA:
            assert server.transport is not None
            server.transport.close()
            await _forever()
        if fault is Fault.STALL_ON_DATA:
            await _forever()
        with self.owner._lock:
            for recipient in envelope.rcpt_tos:
                replies = self.owner.fail_for.get(recipient)
                if replies:
                    return replies.pop(0)
            if self.owner.fail_next:
                return self.owner.fail_next.pop(0)
        content = envelope.content
        raw = content.encode() if isinstance(content, str) else bytes(content or b"")
        # Wire format is CRLF; normalise so bodies compare equal to what was sent.
        raw = raw.replace(b"\r\n", b"\n")
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        mail = ReceivedMail(str(envelope.mail_from), list(envelope.rcpt_tos), message)
        with self.owner._lock:
            self.owner._messages.append(mail)
        if fault is Fault.DROP_AFTER_ACCEPT:
            assert server.transport is not None
            server.transport.close()
            await _forever()
        return "250 Message accepted for delivery"


class _Hangup(asyncio.Protocol):
    """A connection closed as soon as it is made."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class _Silence(asyncio.Protocol):
    """A connection held open without a word, until the client gives up or the server stops."""

    def __init__(self, held: set[asyncio.BaseTransport]) -> None:
        self.held = held
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.held.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.held.discard(self.transport)
            self.transport.close()


class _Controller(Controller):
    """aiosmtpd's threaded server, building each connection's protocol with its fault."""

    def __init__(self, owner: SmtpServer, **kwargs: Any) -> None:
        super().__init__(_Handler(owner), **kwargs)
        self.owner = owner
        self.held: set[asyncio.BaseTransport] = set()

    def factory(self) -> asyncio.Protocol:
        fault = self.owner._take_fault()
        if fault is Fault.DROP_ON_CONNECT:
            return _Hangup()
        if fault is Fault.STALL_ON_CONNECT:
            return _Silence(self.held)
        return _Session(self.handler, fault, **self.SMTP_kwargs)

    def _hang_up(self) -> None:
        for transport in list(self.held):
            transport.close()

    def stop(self, no_assert: bool = False) -> None:
        if self._thread is not None:
            self.loop.call_soon_threadsafe(self._hang_up)
        super().stop(no_assert=no_assert)


class SmtpServer(_Managed):
    """aiosmtpd server on 127.0.0.1 that records mail and can inject failures.

    ``fail_next`` holds SMTP replies (e.g. ``"451 4.3.0 Try again later"``) that the
    next DATA commands get instead of being accepted, one per message.

    ``faults`` holds :class:`Fault` s that the next connections meet, one per connection in
    order, before any ``fail_next`` reply: the server drops them or leaves them unanswered.

    ``fail_for`` holds, per recipient address, replies that the next messages to it get
    instead of being accepted, before any ``fail_next`` reply: for messages sent at once.
    """

    def __init__(self, *, port: int | None = None, ready_timeout: float = 10.0) -> None:
        self.port = port or free_port()
        self.ready_timeout = ready_timeout
        self.fail_next: list[str] = []
        self.fail_for: dict[str, list[str]] = {}
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._controller: _Controller | None = None
        # Off while the controller starts: its own probe connection must meet no fault.
        self._armed = False

    @property
    def url(self) -> str:
        """``smtp://host:port`` of the server."""
        return f"smtp://{HOST}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        """Snapshot of the messages received so far."""
        with self._lock:
            return list(self._messages)

    @property
    def running(self) -> bool:
        """Whether the server is accepting connections."""
        return self._controller is not None

    def clear(self) -> None:
        """Forget received messages and pending injected failures."""
        with self._lock:
            self._messages.clear()
            self.fail_next.clear()
            self.fail_for.clear()
            self.faults.clear()

    def _take_fault(self) -> Fault | None:
        with self._lock:
            if self._armed and self.faults:
                return self.faults.pop(0)
            return None

    def start(self) -> None:
        """Start (or restart) listening on ``self.port``."""
        if self._controller is not None:
            return
        controller = _Controller(
            self,
            hostname=HOST,
            port=self.port,
            ready_timeout=self.ready_timeout,
            server_hostname="localhost",  # default would call socket.getfqdn()
        )
        try:
            controller.start()
        except BaseException:
            with contextlib.suppress(Exception):
                controller.stop(no_assert=True)
            if not controller.loop.is_closed():
                controller.loop.close()
            raise
        self._controller = controller
        with self._lock:
            self._armed = True
        atexit.register(self.stop)

    def stop(self) -> None:
        """Stop listening (messages are kept); connections held open are closed."""
        atexit.unregister(self.stop)
        with self._lock:
            self._armed = False
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def _check(self, count: int) -> list[ReceivedMail] | None:
        snapshot = self.messages
        return snapshot if len(snapshot) >= count else None

    def _timeout_error(self, count: int, timeout: float) -> TimeoutError:
        got = len(self.messages)
        return TimeoutError(f"expected {count} message(s) within {timeout}s, got {got}")

    def wait_for(self, count: int, timeout: float = 10) -> list[ReceivedMail]:
        """Block until at least ``count`` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while (found := self._check(count)) is None:
            if time.monotonic() >= deadline:
                raise self._timeout_error(count, timeout)
            time.sleep(0.02)
        return found

    async def await_for(
        self,
        count: int,
        timeout: float = 10,  # noqa: ASYNC109 - mirrors wait_for(); raises TimeoutError itself
    ) -> list[ReceivedMail]:
        """Async variant of :meth:`wait_for` that yields to the event loop."""
        deadline = time.monotonic() + timeout
        while (found := self._check(count)) is None:
            if time.monotonic() >= deadline:
                raise self._timeout_error(count, timeout)
            await asyncio.sleep(0.02)
        return found
