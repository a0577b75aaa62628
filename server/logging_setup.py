"""Logging for the command line: readable lines on a terminal, one JSON object per line
otherwise (systemd's journal, a container, a file) so that logs can be searched by field.

Secrets never reach the logs: values that look like credentials inside URLs
(``mqtt://user:PASSWORD@host``, ``postgresql://user:PASSWORD@host``) and ``password=...`` /
``token=...`` pairs are masked in every message, whatever logged them.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["JsonFormatter", "setup_logging", "redact", "uvicorn_log_config"]

_URL_PW = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@", re.I)
_KV = re.compile(r"(?P<key>\b(?:password|passwd|secret|token|api_key|secret_key)\b\s*[=:]\s*)"
                 r"(?P<q>['\"]?)[^\s'\",;&]+", re.I)
_STD = set(vars(logging.LogRecord("x", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    text = _URL_PW.sub(lambda m: m.group("scheme") + "***@", text)
    return _KV.sub(lambda m: m.group("key") + m.group("q") + "***", text)


class JsonFormatter(logging.Formatter):
    """``{"ts", "level", "logger", "msg", ...extra fields, "exc"}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for k, v in vars(record).items():
            if k not in _STD and not k.startswith("_"):
                out[k] = v if isinstance(v, (int, float, bool)) or v is None else redact(str(v))
        if record.exc_info:
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: int = logging.INFO, stream: TextIO | None = None,
                  json_logs: bool | None = None) -> logging.Handler:
    """Configure the root logger once; JSON unless ``stream`` is a terminal."""
    stream = stream or sys.stderr
    if json_logs is None:
        json_logs = not (hasattr(stream, "isatty") and stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if json_logs else _RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_nongso", False):
            root.removeHandler(h)
    handler._nongso = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def uvicorn_log_config(level: int = logging.INFO, stream: TextIO | None = None) -> dict[str, Any]:
    """The same logging for ``uvicorn.run`` (its workers configure logging from this dict,
    in their own processes): JSON lines unless standard error is a terminal."""
    stream = stream or sys.stderr
    json_logs = not (hasattr(stream, "isatty") and stream.isatty())
    fmt: dict[str, Any] = ({"()": f"{__name__}.JsonFormatter"} if json_logs else
                           {"()": f"{__name__}._RedactingFormatter",
                            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s"})
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"nongso": fmt},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "nongso",
                                "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": logging.getLevelName(level)},
        "loggers": {name: {"handlers": [], "propagate": True}
                    for name in ("uvicorn", "uvicorn.error", "uvicorn.access")},
    }
