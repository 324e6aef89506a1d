"""Structured logs: one configuration for structlog and the standard library's logging.

Every line carries the process (api, worker, projector), the time in UTC, the level, and
whatever is bound in the context where it was written: the HTTP request's id, the workflow id
and the command id of a step (bound by the HTTP middleware, the Temporal client and the
activity interceptor), and the trace id when a span is recording. Lines of libraries that log
through the standard library (uvicorn, temporalio, SQLAlchemy) get the same shape.
"""

from __future__ import annotations

import logging
import sys
from typing import Literal, TextIO

import structlog
from opentelemetry import trace
from structlog.types import EventDict, Processor, WrappedLogger

LogFormat = Literal["console", "json"]

# Our own access log replaces uvicorn's; its error log goes through the root handler.
_QUIETED = {"uvicorn.access": logging.WARNING}


def configure_logging(
    process: str,
    log_format: LogFormat = "console",
    level: str = "INFO",
    stream: TextIO | None = None,
) -> None:
    """Send every log line of this process, ours and the libraries', to `stream` (stderr)
    in one shape.

    Safe to call again (tests, `score run`'s children): the root handler is replaced.
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _tagged_with(process),
        _trace_ids,
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer()
        if log_format == "json"
        # Plain tracebacks: the default (rich, with every frame's locals) took seconds per
        # failure, stalling the projector and the worker, and printed personal data.
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if log_format == "json":
        final.append(structlog.processors.format_exc_info)  # a traceback as one JSON string
    handler = logging.StreamHandler(stream) if stream else _StandardError()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[*final, renderer])
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name, quieter in _QUIETED.items():
        logging.getLogger(name).setLevel(quieter)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # a second configure_logging must take effect
    )


class _StandardError(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a line is written, not when it was set up: a
    command run inside another program (a test's CLI runner) gets a stderr that is closed
    after it, and every later line would otherwise fail to write."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _tagged_with(process: str) -> Processor:
    def tag(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
        event.setdefault("process", process)
        return event

    return tag


def _trace_ids(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
    """The trace and span the line was written in, to find it beside its trace."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event.setdefault("trace_id", format(context.trace_id, "032x"))
        event.setdefault("span_id", format(context.span_id, "016x"))
    return event
