"""Logging for the terminal: one line per problem on stderr, the traceback only in a log file.

A user at the terminal sees what went wrong and a reference; the full trace (for whoever debugs
it) goes to ``<data dir>/logs/prbot.log`` (created at the first record), or the system's temp folder
when that is not writable.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path


class _OneLine(logging.Formatter):
    """The message only: no traceback, no stack."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def log_file(data_dir: Path | None) -> Path:
    """Where tracebacks go; nothing is created until something is logged."""
    base = data_dir or Path(os.environ.get("PRBOT_DATA_DIR") or "data")
    return base / "logs" / "prbot.log"


class _LazyFile(logging.FileHandler):
    """Creates its folder at the first record (a command that logs nothing leaves no trace on disk),
    and falls back to the temp folder when the data dir is not writable."""

    def _open(self):  # type: ignore[no-untyped-def]
        path = Path(self.baseFilename)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            return super()._open()
        except OSError:
            fallback = Path(tempfile.gettempdir()) / "prbot-logs"
            fallback.mkdir(parents=True, exist_ok=True)
            self.baseFilename = str(fallback / path.name)
            return super()._open()


def configure(data_dir: Path | None, verbose: bool) -> Path:
    """Set up the terminal's logging; returns where tracebacks are written."""
    path = log_file(data_dir)
    console = logging.StreamHandler()
    console.setFormatter(_OneLine("%(levelname)s %(name)s: %(message)s"))
    console.setLevel(logging.INFO if verbose else logging.WARNING)
    to_file = _LazyFile(path, encoding="utf-8", delay=True)
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_file.setLevel(logging.WARNING)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_prbot", False):
            root.removeHandler(handler)
    for handler in (console, to_file):
        handler._prbot = True  # type: ignore[union-attr]
        root.addHandler(handler)
    root.setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # a malformed PDF's warnings are not the user's business
    return path
