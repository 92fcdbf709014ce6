"""How `qianshou serve` sets up what watches it: the log format (JSON lines or plain text) and the
directory where prometheus-client's multiprocess mode keeps each worker's metrics.

Nothing here imports prometheus-client: it reads PROMETHEUS_MULTIPROC_DIR once, when first imported,
so the directory must be in the environment before the application (server/metrics.py) is loaded."""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from uvicorn.config import LOGGING_CONFIG

METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and a request's fields when the
    record carries them (server/metrics.py puts them in `fields`)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            client, method, path, _, status = record.args
            entry.update(client=client, method=method, path=path, status=status)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def log_config(json_lines: bool) -> dict[str, Any]:
    """Uvicorn's logging configuration with ours added: the `qianshou` loggers at INFO (each
    request's line among them) on standard error; everything in JSON lines when `json_lines`."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["qianshou"] = {"format": TEXT_FORMAT}
    if json_lines:
        json_formatter = {"()": "server.observability.JsonFormatter"}
        config["formatters"] = {name: json_formatter for name in (*config["formatters"], "qianshou")}
    config["handlers"]["qianshou"] = {
        "formatter": "qianshou",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["qianshou"] = {"handlers": ["qianshou"], "level": "INFO", "propagate": False}
    return config


@contextlib.contextmanager
def metrics_directory() -> Iterator[Path]:
    """The multiprocess metrics directory for the life of the server, in the environment the workers
    inherit. An administrator's PROMETHEUS_MULTIPROC_DIR is emptied first (files left by an earlier
    run would add their counts to this one's); without one, a new directory is made and removed."""
    given = os.environ.get(METRICS_DIR)
    directory = Path(given) if given else Path(tempfile.mkdtemp(prefix="qianshou-metrics-"))
    if given:
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
    os.environ[METRICS_DIR] = str(directory)
    try:
        yield directory
    finally:
        if not given:
            shutil.rmtree(directory, ignore_errors=True)
