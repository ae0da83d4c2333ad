"""The bare baseline of the invitation benchmark: aiosmtplib sending one message again and
again, with nothing of Partnerhub around it.

    python -m benchmarks.smtp_loop --port PORT --message FILE [--messages 500] [--connections 4]

It opens `--connections` connections to the SMTP server on 127.0.0.1 and sends `--messages`
copies of the message in FILE (each to its own recipient) through them, each connection one
message after another, as SMTP allows. It prints the seconds from the first connection to
the last message accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import time
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib

from tests.servers import HOST


async def _connection(port: int, message: EmailMessage, recipients: list[str]) -> None:
    client = aiosmtplib.SMTP(hostname=HOST, port=port, start_tls=False)
    async with client:
        for recipient in recipients:
            await client.send_message(message, recipients=[recipient])


async def _send(port: int, message: EmailMessage, count: int, connections: int) -> float:
    recipients = [f"customer{n}@example.com" for n in range(count)]
    started = time.perf_counter()
    await asyncio.gather(
        *(_connection(port, message, recipients[n::connections]) for n in range(connections))
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--message", type=Path, required=True)
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    message = email.message_from_bytes(args.message.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    print(asyncio.run(_send(args.port, message, args.messages, args.connections)))


if __name__ == "__main__":
    main()
