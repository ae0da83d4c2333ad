"""Logging for the long-running processes: JSON lines in production, readable text otherwise.

Every record carries `request_id`, the id of the web request it belongs to (None outside
one), whether it comes from a request, from a job that the request caused, or from uvicorn.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from graphql import GraphQLError, VariableDefinitionNode, print_ast
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from models.foundation.request_id import current_request_id
from models.foundation.settings import Settings

# Uvicorn adds an ANSI-coloured copy of some messages; JSON lines leave it out.
_NOT_FIELDS = [*RESERVED_ATTRS, "color_message"]


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request id, unless the caller passed one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


class QueryStringFilter(logging.Filter):
    """Leaves query strings out of uvicorn's access lines.

    Links carry secrets there (`/invitations/accept?token=...`, `/set-password?token=...`),
    and a secret must not outlive its request in the logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access logs (client, method, path with query, HTTP version, status).
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (args[0], args[1], f"{path}?…", *args[3:])
        return True


class ClientErrorFilter(logging.Filter):
    """Logs a client's malformed GraphQL request as one INFO line that holds none of its data.

    Strawberry logs every error it did not expect at ERROR, with a traceback; among them are
    a request's variables that do not fit the schema (a misspelt enum value, an input object
    missing a field), whose messages quote the submitted values: names, emails, phone
    numbers. Those are the client's mistake, already answered with an error: an operator
    needs to know one happened, not what was in it: one line per request and variable (one
    variable may be wrong in several ways). Errors raised while resolving a field (a path)
    stay as they are: those are faults of ours.
    """

    def __init__(self) -> None:
        super().__init__()
        self._last: tuple[str | None, str] | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.msg
        if not isinstance(error, GraphQLError) or error.path is not None:
            return True
        if error.original_error is not None and not isinstance(error.original_error, GraphQLError):
            return True
        what = _what_was_wrong(error)
        said, self._last = self._last, (current_request_id(), what)
        record.msg, record.args = "GraphQL request refused: %s", (what,)
        record.levelno, record.levelname = logging.INFO, "INFO"
        record.exc_info = record.exc_text = None
        return said != self._last and logging.getLogger(record.name).isEnabledFor(logging.INFO)


def _what_was_wrong(error: GraphQLError) -> str:
    """The error's place in the request, in the schema's words only: never a value."""
    for node in error.nodes or []:
        if isinstance(node, VariableDefinitionNode):
            return f"variable ${node.variable.name.value} ({print_ast(node.type)}) is not valid"
    return "not valid for the schema"


def quiet_client_errors() -> None:
    """Install `ClientErrorFilter` on Strawberry's logger, once per process."""
    logger = logging.getLogger("strawberry.execution")
    if not any(isinstance(f, ClientErrorFilter) for f in logger.filters):
        logger.addFilter(ClientErrorFilter())


class TextFormatter(logging.Formatter):
    """`time level logger [request id]: message`, the id only when there is one."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        request_id = getattr(record, "request_id", None)
        source = f"{record.name} [{request_id}]" if request_id else record.name
        return f"{self.formatTime(record)} {record.levelname:<7} {source}: {record.message}"


def json_formatter() -> JsonFormatter:
    """timestamp, level, logger, message and request_id, then any extra fields of the record."""
    return JsonFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        reserved_attrs=_NOT_FIELDS,
        timestamp=True,
    )


def log_handler(*, production: bool, stream: TextIO) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(json_formatter() if production else TextFormatter())
    return handler


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every record, uvicorn's, arq's and warnings included, to one handler on stderr.

    Start uvicorn with `log_config=None` afterwards: its own config would replace this one
    for its loggers (and print access lines in its own format).
    """
    handler = log_handler(production=settings.production, stream=stream or sys.stderr)
    logging.basicConfig(handlers=[handler], level=logging.INFO, force=True)
    logging.captureWarnings(True)
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QueryStringFilter) for f in access.filters):
        access.addFilter(QueryStringFilter())
    # The local mailbox (aiosmtpd) would log every SMTP command of every message.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
